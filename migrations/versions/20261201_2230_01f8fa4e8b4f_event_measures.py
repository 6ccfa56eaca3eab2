"""event measures: what the measures count of a step gets a column beside the event's JSON
(the department it counts for, `on_time` of a sign or reply, `revisit_result` and `resolved`
of a revisit), and the index by action and time includes them, so a month's counts read that
index alone instead of every step's row and data; existing events get them as the measures
computed them until now

Revision ID: 01f8fa4e8b4f
Revises: a071813f32dd
Create Date: 2026-12-01 22:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "01f8fa4e8b4f"
down_revision = "a071813f32dd"
branch_labels = None
depends_on = None

_events = sa.table(
    "case_event",
    sa.column("id", sa.Integer),
    sa.column("case_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("from_department_id", sa.Integer),
    sa.column("to_department_id", sa.Integer),
    sa.column("data", sa.JSON),
    sa.column("measured_department_id", sa.Integer),
    sa.column("on_time", sa.Boolean),
    sa.column("revisit_result", sa.String),
    sa.column("resolved", sa.Boolean),
)
_INCLUDED = ["measured_department_id", "signed_on_time", "on_time", "revisit_result", "resolved"]


def upgrade():
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("measured_department_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("on_time", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("revisit_result", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("resolved", sa.Boolean(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_case_event_measured_department_id_department"),
            "department",
            ["measured_department_id"],
            ["id"],
        )
    # The backfill, in one pass: the department as the measures attributed it until now (a
    # revisit logged before it named its department, and every reopen: the case's latest
    # reply before it), the outcomes from the data keys app/cases/unit_of_work.py copies.
    reply = _events.alias("r")
    latest_reply = (
        sa.select(reply.c.from_department_id)
        .where(
            reply.c.case_id == _events.c.case_id,
            reply.c.action == "reply",
            reply.c.id < _events.c.id,
        )
        .order_by(reply.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    data, action = _events.c.data, _events.c.action
    op.execute(
        _events.update().values(
            measured_department_id=sa.case(
                (action == "transfer", _events.c.to_department_id),
                (
                    action == "revisit",
                    sa.func.coalesce(data["department_id"].as_integer(), latest_reply),
                ),
                (action == "reopen", latest_reply),
                else_=_events.c.from_department_id,
            ),
            on_time=sa.case(
                (action.in_(("sign", "reply")), data["on_time"].as_boolean()), else_=None
            ),
            revisit_result=sa.case(
                (action == "revisit", sa.func.substr(data["result"].as_string(), 1, 32)),
                else_=None,
            ),
            resolved=sa.case((action == "revisit", data["resolved"].as_boolean()), else_=None),
        )
    )
    op.drop_index("ix_case_event_action_at", table_name="case_event")
    op.create_index(
        "ix_case_event_action_at",
        "case_event",
        ["action", "at"],
        unique=False,
        postgresql_include=_INCLUDED,
    )


def downgrade():
    op.drop_index("ix_case_event_action_at", table_name="case_event")
    op.create_index("ix_case_event_action_at", "case_event", ["action", "at"], unique=False)
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_case_event_measured_department_id_department"), type_="foreignkey"
        )
        batch_op.drop_column("resolved")
        batch_op.drop_column("revisit_result")
        batch_op.drop_column("on_time")
        batch_op.drop_column("measured_department_id")
