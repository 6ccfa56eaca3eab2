"""report indexes: a case's events by action and id, for the reports' per-row lookup of a
dispatch's sign after it (按时签收率), which otherwise reads every event of the case
(bench/reports.py). On PostgreSQL it carries from_department_id (INCLUDE), which the lookup
compares before reading the row.

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
        batch_op.create_index(
            "ix_case_event_case_action_id",
            ["case_id", "action", "id"],
            unique=False,
            postgresql_include=["from_department_id"],
        )


def downgrade():
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_index("ix_case_event_case_action_id")
