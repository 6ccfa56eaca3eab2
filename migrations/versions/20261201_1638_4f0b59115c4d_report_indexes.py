"""report indexes: a period's events by action and time (the reports' events source), and a
case's events by action and id (a revisit's latest reply before it, a dispatch's sign after it)

Without the first, every aggregate of a report reads the whole event log (bench/reports.py:
a sequential scan of 13M rows per statement at 2M cases); the second makes the per-row
lookups index-only. On PostgreSQL the second carries from_department_id (INCLUDE).

Revision ID: 4f0b59115c4d
Revises: b3ba0355831b
Create Date: 2026-12-01 16:38:50.036911

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "4f0b59115c4d"
down_revision = "b3ba0355831b"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.create_index("ix_case_event_action_at", ["action", "at"], unique=False)
        batch_op.create_index(
            "ix_case_event_case_action_id",
            ["case_id", "action", "id"],
            unique=False,
            postgresql_include=["from_department_id"],
        )


def downgrade():
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_index("ix_case_event_case_action_id")
        batch_op.drop_index("ix_case_event_action_at")
