"""drop redundant indexes: three single-column indexes that a wider index already leads with;
every step's writes paid for them

Revision ID: 9a4d2e6f7b15
Revises: 6f2a8b1c9d03
Create Date: 2026-11-25 18:10:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "9a4d2e6f7b15"
down_revision = "6f2a8b1c9d03"
branch_labels = None
depends_on = None

# index -> (table, column); the wider index that leads with the column is named beside it.
REDUNDANT = {
    "ix_hotline_case_status": ("hotline_case", "status"),  # ix_case_status_created
    "ix_open_task_case_id": ("open_task", "case_id"),  # uq_open_task_case_id (case_id, task_uuid)
    # ix_case_department_dept_case (department_id, case_id)
    "ix_case_department_department_id": ("case_department", "department_id"),
}


def upgrade():
    for name, (table, _column) in REDUNDANT.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)


def downgrade():
    for name, (table, column) in REDUNDANT.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, [column], unique=False)
