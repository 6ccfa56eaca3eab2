"""repeat contacts and confidential cases: case_contact (a call merged into an open case, 重复
诉求归并), hotline_case.confidential (保密) and hotline_case.address_key (the repeat check's
normalised address, with an index for its prefix)

Revision ID: b7d2e4f6a813
Revises: e5b1d7c3a920
Create Date: 2026-12-01 14:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7d2e4f6a813"
down_revision = "e5b1d7c3a920"
branch_labels = None
depends_on = None


def upgrade():
    # Constant defaults: PostgreSQL adds both columns without rewriting the table. No backfill
    # of address_key: the repeat check looks back seven days only, and from now on intake sets
    # it.
    with op.batch_alter_table("hotline_case") as batch:
        batch.add_column(
            sa.Column("address_key", sa.String(length=64), server_default="", nullable=False)
        )
        batch.add_column(
            sa.Column("confidential", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_index(
        "ix_case_address_key_created",
        "hotline_case",
        ["address_key", "created_at"],
        postgresql_ops={"address_key": "varchar_pattern_ops"},
    )
    op.create_table(
        "case_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("caller_name", sa.String(length=100), nullable=False),
        sa.Column("caller_phone", sa.String(length=32), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("client_ip", sa.String(length=45), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["hotline_case.id"]),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_contact_case_at", "case_contact", ["case_id", "at"])
    op.create_index("ix_case_contact_phone_at", "case_contact", ["caller_phone", "at"])
    op.create_index("ix_case_contact_day_dept", "case_contact", ["day", "department_id"])


def downgrade():
    op.drop_index("ix_case_contact_day_dept", table_name="case_contact")
    op.drop_index("ix_case_contact_phone_at", table_name="case_contact")
    op.drop_index("ix_case_contact_case_at", table_name="case_contact")
    op.drop_table("case_contact")
    op.drop_index("ix_case_address_key_created", table_name="hotline_case")
    with op.batch_alter_table("hotline_case") as batch:
        batch.drop_column("confidential")
        batch.drop_column("address_key")
