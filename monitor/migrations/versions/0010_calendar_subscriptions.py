"""calendar subscriptions: calendars fetched from an address or a CalDAV collection

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 01:30:00.000000
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import monitor.db.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    instant = monitor.db.types.UTCDateTime(timezone=True)
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", text(length=200), nullable=False),
        sa.Column("kind", text(length=16), nullable=False),
        sa.Column("address_hint", text(length=300), nullable=False),
        sa.Column("secret", sa.LargeBinary(), nullable=False),
        sa.Column("every_seconds", sa.Integer(), nullable=False),
        sa.Column("timezone", text(length=64), nullable=True),
        sa.Column("mapping", text(), nullable=True),
        sa.Column("etag", text(length=500), nullable=True),
        sa.Column("last_modified", text(length=100), nullable=True),
        sa.Column("next_refresh_at", instant, nullable=False),
        sa.Column("claimed_until", instant, nullable=True),
        sa.Column("last_attempt_at", instant, nullable=True),
        sa.Column("last_success_at", instant, nullable=True),
        sa.Column("last_changed_at", instant, nullable=True),
        sa.Column("last_error", text(length=1000), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("created_at", instant, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subscription_next_refresh_at"), ["next_refresh_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscription_next_refresh_at"))
    op.drop_table("subscription")
