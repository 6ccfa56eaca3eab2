"""call records by caller: an index of the calls by calling number and time, for the intake
page's earlier calls of a number (newest first)

Revision ID: 5c2e9a7d1f36
Revises: 01f8fa4e8b4f
Create Date: 2026-12-01 23:20:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "5c2e9a7d1f36"
down_revision = "01f8fa4e8b4f"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_call_record_caller_started", "call_record", ["caller", "started_at"], unique=False
    )


def downgrade():
    op.drop_index("ix_call_record_caller_started", table_name="call_record")
