"""settings version: one row whose number every change of the time limits or the calendar
raises in its own transaction, so that every process (gunicorn workers, the scheduler) drops
its cached copy at its next request or run

Revision ID: f2a648a5b1b5
Revises: 90a888de0547
Create Date: 2026-12-01 15:15:33.719427

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f2a648a5b1b5"
down_revision = "90a888de0547"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "settings_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settings_version")),
    )
    op.bulk_insert(table, [{"id": 1, "version": 0}])


def downgrade():
    op.drop_table("settings_version")
