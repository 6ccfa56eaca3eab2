"""scheduler: its leadership lease, the deadline marks (each warning, overdue and escalation
once), the periodic jobs done, and an index of open tasks by due time for its scans

Revision ID: c8de68388ce6
Revises: 123e4ae29faf
Create Date: 2026-12-01 15:12:00.340363

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c8de68388ce6"
down_revision = "123e4ae29faf"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scheduler_job_run",
        sa.Column("job", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("job", "period", name=op.f("pk_scheduler_job_run")),
    )
    op.create_table(
        "scheduler_lease",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_lease")),
    )
    op.create_table(
        "deadline_mark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("clock", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=36), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("marked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["hotline_case.id"], name=op.f("fk_deadline_mark_case_id_hotline_case")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_deadline_mark_department_id_department"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_mark")),
        sa.UniqueConstraint(
            "case_id", "clock", "subject", "due_at", "level", name="uq_deadline_mark"
        ),
    )
    with op.batch_alter_table("deadline_mark", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deadline_mark_department_level", ["department_id", "level"], unique=False
        )

    with op.batch_alter_table("open_task", schema=None) as batch_op:
        batch_op.create_index(
            "ix_open_task_due",
            ["due_at"],
            unique=False,
            postgresql_where=sa.text("due_at IS NOT NULL"),
            postgresql_include=["case_id", "clock", "department_id", "task_uuid"],
            sqlite_where=sa.text("due_at IS NOT NULL"),
        )


def downgrade():
    with op.batch_alter_table("open_task", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_open_task_due",
            postgresql_where=sa.text("due_at IS NOT NULL"),
            postgresql_include=["case_id", "clock", "department_id", "task_uuid"],
            sqlite_where=sa.text("due_at IS NOT NULL"),
        )

    with op.batch_alter_table("deadline_mark", schema=None) as batch_op:
        batch_op.drop_index("ix_deadline_mark_department_level")

    op.drop_table("deadline_mark")
    op.drop_table("scheduler_lease")
    op.drop_table("scheduler_job_run")
