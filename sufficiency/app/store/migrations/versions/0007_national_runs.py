"""National runs: ``national_runs`` and each authority's status in ``national_authorities``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 16:40:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create national_runs and national_authorities."""
    op.create_table('national_runs',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('organisation_id', sa.String(length=32), nullable=True),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('out', sa.Text(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('workers', sa.Integer(), nullable=True),
    sa.Column('dashboard', sa.String(length=300), nullable=True),
    sa.Column('seconds', sa.Float(), nullable=True),
    sa.Column('created_by', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_national_runs_organisation_id'), 'national_runs', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_national_runs_status'), 'national_runs', ['status'], unique=False)
    op.create_table('national_authorities',
    sa.Column('run_id', sa.String(length=32), nullable=False),
    sa.Column('la_code', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['national_runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'la_code')
    )


def downgrade() -> None:
    """Drop national_authorities and national_runs."""
    op.drop_table('national_authorities')
    op.drop_index(op.f('ix_national_runs_status'), table_name='national_runs')
    op.drop_index(op.f('ix_national_runs_organisation_id'), table_name='national_runs')
    op.drop_table('national_runs')
