"""search citizen names: `q` also matches a fragment of the citizen's name, with a GIN trigram
index on PostgreSQL as for phone and content

Revision ID: d8863bb715e8
Revises: 4d8b1f6e2a93
Create Date: 2026-12-01 11:04:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "d8863bb715e8"
down_revision = "4d8b1f6e2a93"
branch_labels = None
depends_on = None


def upgrade():
    # The fourth arm of the search's BitmapOr (number prefix, phone, content, name). pg_trgm is
    # there since 5b7e2c9d4a10. Elsewhere a plain index of the same name keeps the schema in
    # step with the models.
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_case_name_trgm",
            "hotline_case",
            ["citizen_name"],
            postgresql_using="gin",
            postgresql_ops={"citizen_name": "gin_trgm_ops"},
        )
    else:
        op.create_index("ix_case_name_trgm", "hotline_case", ["citizen_name"])


def downgrade():
    op.drop_index("ix_case_name_trgm", table_name="hotline_case")
