"""monthly reports: the table of the department PDFs the scheduler stores (one per report,
department and month: the unique key is the guard of "exactly once")

Revision ID: b3ba0355831b
Revises: 84b5a6b2ec48
Create Date: 2026-12-01 16:00:22.138726

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b3ba0355831b"
down_revision = "84b5a6b2ec48"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "monthly_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report", sa.String(length=40), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("file_key", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_monthly_report_department_id_department"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monthly_report")),
        sa.UniqueConstraint("report", "department_id", "month", name="uq_monthly_report"),
    )
    with op.batch_alter_table("monthly_report", schema=None) as batch_op:
        batch_op.create_index("ix_monthly_report_month", ["month"], unique=False)


def downgrade():
    with op.batch_alter_table("monthly_report", schema=None) as batch_op:
        batch_op.drop_index("ix_monthly_report_month")
    op.drop_table("monthly_report")
