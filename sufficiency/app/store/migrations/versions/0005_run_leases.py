"""Run leases: the service process holding a run, and when it last said it still holds it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 16:40:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('runs') as batch:
        batch.add_column(sa.Column('worker_id', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('runs') as batch:
        batch.drop_column('heartbeat_at')
        batch.drop_column('worker_id')
