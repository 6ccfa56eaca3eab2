"""step in one round trip: expect_rows() lets a pipelined claim stop the rest of a step's
writes; the engine state stays inline in workflow_instance

Revision ID: 6f2a8b1c9d03
Revises: 3c9d1e7a5b42
Create Date: 2026-11-25 18:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "6f2a8b1c9d03"
down_revision = "3c9d1e7a5b42"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # A step's writes and COMMIT are sent together (app/write_batch.py); the claim is checked
    # in the database, and a failed check must stop everything after it. SQLSTATE 40001 is
    # PostgreSQL's own "could not serialize access due to concurrent update".
    op.execute(
        """
        CREATE FUNCTION expect_rows(changed bigint, expected bigint) RETURNS bigint
        LANGUAGE plpgsql AS $$
        BEGIN
            IF changed <> expected THEN
                RAISE EXCEPTION 'concurrent update: % row(s) changed, % expected',
                    changed, expected USING ERRCODE = '40001';
            END IF;
            RETURN changed;
        END
        $$
        """
    )
    # The state (about 3 KB, already zlib-compressed) would otherwise go to the TOAST table
    # after a failed compression attempt: two more rows and index entries written per step.
    op.execute("ALTER TABLE workflow_instance SET (toast_tuple_target = 8160)")
    op.execute("ALTER TABLE workflow_instance ALTER COLUMN state SET STORAGE EXTERNAL")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE workflow_instance ALTER COLUMN state SET STORAGE EXTENDED")
    op.execute("ALTER TABLE workflow_instance RESET (toast_tuple_target)")
    op.execute("DROP FUNCTION expect_rows(bigint, bigint)")
