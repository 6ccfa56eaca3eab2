"""open task by task name: a centre's work lists (dispatch queue, tabs) read one task name of
one department in due order, without walking its tens of thousands of revisit tasks

Revision ID: e5b1d7c3a920
Revises: c3f7a2d9e418
Create Date: 2026-12-01 14:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "e5b1d7c3a920"
down_revision = "c3f7a2d9e418"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_open_task_dept_task_due", "open_task", ["department_id", "task_name", "due_at"]
    )


def downgrade():
    op.drop_index("ix_open_task_dept_task_due", table_name="open_task")
