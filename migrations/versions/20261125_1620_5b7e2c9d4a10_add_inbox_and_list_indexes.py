"""add inbox and list indexes: search on case number, phone and content; sort; scope lookups

Revision ID: 5b7e2c9d4a10
Revises: 00111fdd0ece
Create Date: 2026-11-25 16:20:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "5b7e2c9d4a10"
down_revision = "00111fdd0ece"
branch_labels = None
depends_on = None

# Search `q` is number LIKE 'x%' OR phone LIKE '%x%' OR content LIKE '%x%': on PostgreSQL
# each arm gets an index (a BitmapOr of the three): a pattern btree for the number prefix, GIN
# trigram indexes for the fragments. Elsewhere plain indexes of the same names keep the schema
# in step with the models.
TRIGRAM = {
    "ix_case_phone_trgm": "citizen_phone",
    "ix_case_content_trgm": "content",
}


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, column in TRIGRAM.items():
            op.create_index(
                name,
                "hotline_case",
                [column],
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            )
        op.create_index(
            "ix_case_number_pattern",
            "hotline_case",
            ["number"],
            postgresql_ops={"number": "varchar_pattern_ops"},
        )
    else:
        for name, column in TRIGRAM.items():
            op.create_index(name, "hotline_case", [column])
        op.create_index("ix_case_number_pattern", "hotline_case", ["number"])
    # Sorting by the handling deadline (either way), the id as tie-break.
    op.create_index("ix_case_handle_due_id", "hotline_case", ["handle_due_at", "id"])
    # Cases of a department, ids only: the scope filter of department users and leaders.
    with op.batch_alter_table("case_department", schema=None) as batch_op:
        batch_op.create_index("ix_case_department_dept_case", ["department_id", "case_id"])


def downgrade():
    with op.batch_alter_table("case_department", schema=None) as batch_op:
        batch_op.drop_index("ix_case_department_dept_case")
    op.drop_index("ix_case_handle_due_id", table_name="hotline_case")
    op.drop_index("ix_case_number_pattern", table_name="hotline_case")
    for name in TRIGRAM:
        op.drop_index(name, table_name="hotline_case")
