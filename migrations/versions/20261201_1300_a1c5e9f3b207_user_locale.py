"""user locale: each user's language for the pages (zh_CN or en; NULL is the default, Chinese)

Revision ID: a1c5e9f3b207
Revises: d8863bb715e8
Create Date: 2026-12-01 13:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a1c5e9f3b207"
down_revision = "d8863bb715e8"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("locale", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("locale")
