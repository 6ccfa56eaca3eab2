"""reports: a user's named custom reports (自定义报表, app/reports/custom.py), and the index the
measures count a period's steps by (case_event by action and time)

Revision ID: 84b5a6b2ec48
Revises: 3bde16354291
Create Date: 2026-12-01 16:07:57.797300

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "84b5a6b2ec48"
down_revision = "3bde16354291"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "saved_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("query", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_saved_report_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_report")),
        sa.UniqueConstraint("user_id", "name", name="uq_saved_report_user_name"),
    )
    op.create_index("ix_case_event_action_at", "case_event", ["action", "at"], unique=False)


def downgrade():
    op.drop_index("ix_case_event_action_at", table_name="case_event")
    op.drop_table("saved_report")
