"""scope columns and overdue indexes: case_department carries status, intake time, overdue flag
and running deadline; partial indexes over the cases that can be overdue

Revision ID: 8e4a6c2f1b37
Revises: 5b7e2c9d4a10
Create Date: 2026-11-25 17:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8e4a6c2f1b37"
down_revision = "5b7e2c9d4a10"
branch_labels = None
depends_on = None

CASE_MAY_BE_OVERDUE = "overdue OR status NOT IN ('replied', 'closed')"
SCOPE_MAY_BE_OVERDUE = "overdue OR due_at IS NOT NULL"


def upgrade():
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    with op.batch_alter_table("case_department", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("created_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("overdue", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("due_at", sa.DateTime(), nullable=True))

    # Backfill from the cases (app/cases/scope_index.py keeps them in step from now on).
    # due_at: the earliest deadline still running, NULL once replied/closed or while paused.
    earliest = (
        "least(c.sign_due_at, c.handle_due_at)"
        if pg
        else "min(coalesce(c.sign_due_at, c.handle_due_at), "
        "coalesce(c.handle_due_at, c.sign_due_at))"
    )
    op.execute(
        "UPDATE case_department SET status = c.status, created_at = c.created_at, "
        "overdue = c.overdue, due_at = CASE WHEN c.status NOT IN ('replied', 'closed') "
        f"AND c.clock_paused_at IS NULL THEN {earliest} END "
        "FROM hotline_case c WHERE c.id = case_department.case_id"
    )

    include = {"postgresql_include": ["status", "overdue", "due_at"]}
    with op.batch_alter_table("case_department", schema=None) as batch_op:
        # A department's cases newest first, filters read from the index alone.
        batch_op.create_index(
            "ix_case_department_dept_created", ["department_id", "created_at", "case_id"], **include
        )
        # The ones that can be overdue (flagged, or a deadline running).
        batch_op.create_index(
            "ix_case_department_may_be_overdue",
            ["department_id", "created_at", "case_id"],
            postgresql_where=sa.text(SCOPE_MAY_BE_OVERDUE),
            sqlite_where=sa.text(SCOPE_MAY_BE_OVERDUE),
            **include,
        )
    # The city-wide overdue list: flagged or open cases (about a tenth) newest first, with the
    # columns of the overdue test so that counting them needs no heap.
    op.create_index(
        "ix_case_may_be_overdue_created",
        "hotline_case",
        ["created_at", "id"],
        postgresql_where=sa.text(CASE_MAY_BE_OVERDUE),
        postgresql_include=["overdue", "status", "clock_paused_at", "sign_due_at", "handle_due_at"],
        sqlite_where=sa.text(CASE_MAY_BE_OVERDUE),
    )


def downgrade():
    op.drop_index("ix_case_may_be_overdue_created", table_name="hotline_case")
    with op.batch_alter_table("case_department", schema=None) as batch_op:
        batch_op.drop_index("ix_case_department_may_be_overdue")
        batch_op.drop_index("ix_case_department_dept_created")
        batch_op.drop_column("due_at")
        batch_op.drop_column("overdue")
        batch_op.drop_column("created_at")
        batch_op.drop_column("status")
