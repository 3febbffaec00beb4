"""Users: an e-mail is unique within its organisation, not across the service.

Adding a user with an e-mail another council uses answered 409, so a council admin could learn who has an
account elsewhere; now only an e-mail of one's own organisation is refused. Sign-in finds the account by
e-mail and password.

SQLite cannot drop the unnamed unique constraint of 0001 in place: the table is copied (batch mode) from
a definition without it.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-02 16:50:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _users(*constraints: sa.Constraint) -> sa.Table:
    """The users table as it stands, with ``constraints`` as its only unique constraints."""
    columns = [
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('organisation_id', sa.String(length=32), sa.ForeignKey('organisations.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('password_hash', sa.String(length=200), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    ]
    return sa.Table('users', sa.MetaData(), *columns, sa.PrimaryKeyConstraint('id'), *constraints,
                    sa.Index('ix_users_organisation_id', 'organisation_id'))


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('users', recreate='always', copy_from=_users()) as batch_op:
            batch_op.create_unique_constraint('uq_users_organisation_email', ['organisation_id', 'email'])
            batch_op.create_index('ix_users_email', ['email'], unique=False)
        return
    op.drop_constraint('users_email_key', 'users', type_='unique')
    op.create_unique_constraint('uq_users_organisation_email', 'users', ['organisation_id', 'email'])
    op.create_index('ix_users_email', 'users', ['email'], unique=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.drop_index('ix_users_email', table_name='users')
        with op.batch_alter_table('users', recreate='always', copy_from=_users(sa.UniqueConstraint('email'))):
            pass  # the copy is made from a definition with e-mail unique again
        return
    op.drop_index('ix_users_email', table_name='users')
    op.drop_constraint('uq_users_organisation_email', 'users', type_='unique')
    op.create_unique_constraint('users_email_key', 'users', ['email'])
