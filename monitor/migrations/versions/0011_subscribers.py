"""subscribers: requests for notices from the status page, and the people who confirmed them

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 01:50:00.000000
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import monitor.db.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscriber_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("systems", sa.JSON(), nullable=False),
        sa.Column("client", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("at", monitor.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", monitor.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("subscriber_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_subscriber_request_address_at", ["address_hash", "at"], unique=False
        )
        batch_op.create_index("ix_subscriber_request_client_at", ["client", "at"], unique=False)

    op.create_table(
        "subscriber",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("system", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("confirmed_at", monitor.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("address", "system"),
    )
    with op.batch_alter_table("subscriber", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscriber_system"), ["system"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("subscriber", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriber_system"))
    op.drop_table("subscriber")
    with op.batch_alter_table("subscriber_request", schema=None) as batch_op:
        batch_op.drop_index("ix_subscriber_request_client_at")
        batch_op.drop_index("ix_subscriber_request_address_at")
    op.drop_table("subscriber_request")
