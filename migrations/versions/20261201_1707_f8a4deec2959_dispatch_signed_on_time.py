"""dispatch signed on time: a dispatch (transfer) event records whether the department it was
sent to has since signed for it on time (the 按时签收率 measure reads it instead of looking up
a later sign per dispatch); existing dispatches get it from the signs already logged

Revision ID: f8a4deec2959
Revises: b3ba0355831b
Create Date: 2026-12-01 17:07:38.539744

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f8a4deec2959"
down_revision = "b3ba0355831b"
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
    sa.column("signed_on_time", sa.Boolean),
)


def upgrade():
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("signed_on_time", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    # The backfill: what the measure looked up until now (a later sign for on time by the
    # department the dispatch was sent to).
    sign = _events.alias("s")
    op.execute(
        _events.update()
        .where(
            _events.c.action == "transfer",
            sa.exists().where(
                sign.c.case_id == _events.c.case_id,
                sign.c.action == "sign",
                sign.c.from_department_id == _events.c.to_department_id,
                sign.c.id > _events.c.id,
                sign.c.data["on_time"].as_boolean() == sa.true(),
            ),
        )
        .values(signed_on_time=True)
    )


def downgrade():
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_column("signed_on_time")
