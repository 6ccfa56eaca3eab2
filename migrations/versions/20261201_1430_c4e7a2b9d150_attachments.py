"""attachments: files attached to a case or to one of its replies (the bytes on disk, under
ATTACHMENTS_DIR; the row holds the cleaned name, the type read from the bytes, size and hash)

Revision ID: c4e7a2b9d150
Revises: c3f7a1d9e254
Create Date: 2026-12-01 14:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4e7a2b9d150"
down_revision = "c3f7a1d9e254"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("storage_key", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["hotline_case.id"], name=op.f("fk_attachment_case_id_hotline_case")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["case_event.id"], name=op.f("fk_attachment_event_id_case_event")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["app_user.id"], name=op.f("fk_attachment_uploaded_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_attachment_department_id_department"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_attachment_storage_key")),
    )
    with op.batch_alter_table("attachment") as batch:
        batch.create_index(batch.f("ix_attachment_case_id"), ["case_id"], unique=False)


def downgrade():
    with op.batch_alter_table("attachment") as batch:
        batch.drop_index(batch.f("ix_attachment_case_id"))
    op.drop_table("attachment")
