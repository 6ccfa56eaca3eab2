"""scope type and channel: case_department also carries the case type and channel, indexed per
department, so scoped lists filtered by them read one index range per department

Revision ID: 3c9d1e7a5b42
Revises: 8e4a6c2f1b37
Create Date: 2026-11-25 15:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3c9d1e7a5b42"
down_revision = "8e4a6c2f1b37"
branch_labels = None
depends_on = None

INCLUDE = {"postgresql_include": ["status", "overdue", "due_at"]}


def upgrade():
    with op.batch_alter_table("case_department", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_type_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("channel", sa.String(length=16), nullable=True))
    # Both are set at intake and never change: copy them once.
    op.execute(
        "UPDATE case_department SET case_type_id = c.case_type_id, channel = c.channel "
        "FROM hotline_case c WHERE c.id = case_department.case_id"
    )
    with op.batch_alter_table("case_department", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_department_dept_type_created",
            ["department_id", "case_type_id", "created_at", "case_id"],
            **INCLUDE,
        )
        batch_op.create_index(
            "ix_case_department_dept_channel_created",
            ["department_id", "channel", "created_at", "case_id"],
            **INCLUDE,
        )


def downgrade():
    with op.batch_alter_table("case_department", schema=None) as batch_op:
        batch_op.drop_index("ix_case_department_dept_channel_created")
        batch_op.drop_index("ix_case_department_dept_type_created")
        batch_op.drop_column("channel")
        batch_op.drop_column("case_type_id")
