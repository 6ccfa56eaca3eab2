"""saved queries: a user's named filters of the combined query page, names unique per user

Revision ID: c3f7a2d9e418
Revises: a1c5e9f3b207
Create Date: 2026-12-01 14:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c3f7a2d9e418"
down_revision = "a1c5e9f3b207"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "saved_query",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("query", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_saved_query_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_query")),
        sa.UniqueConstraint("user_id", "name", name="uq_saved_query_user_name"),
    )


def downgrade():
    op.drop_table("saved_query")
