"""idempotency per user: an intake key is unique per accepting user, not city-wide, and is
stored with the fingerprint of the body it came with

Revision ID: 4d8b1f6e2a93
Revises: 9a4d2e6f7b15
Create Date: 2026-11-26 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "4d8b1f6e2a93"
down_revision = "9a4d2e6f7b15"
branch_labels = None
depends_on = None


def upgrade():
    # Keys already stored were unique city-wide, so they are unique per user too. Their
    # fingerprint stays NULL: the body they came with is not known, and a replay of such a key
    # by the same user is answered with its case, as before.
    with op.batch_alter_table("hotline_case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("idempotency_fingerprint", sa.String(length=64), nullable=True)
        )
        batch_op.drop_constraint("uq_hotline_case_idempotency_key", type_="unique")
        batch_op.create_unique_constraint(
            "uq_case_idempotency", ["accepted_by_id", "idempotency_key"]
        )


def downgrade():
    # Fails if two users used one key since the upgrade: that is what the upgrade allows.
    with op.batch_alter_table("hotline_case", schema=None) as batch_op:
        batch_op.drop_constraint("uq_case_idempotency", type_="unique")
        batch_op.create_unique_constraint("uq_hotline_case_idempotency_key", ["idempotency_key"])
        batch_op.drop_column("idempotency_fingerprint")
