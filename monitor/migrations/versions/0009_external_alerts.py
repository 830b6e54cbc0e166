"""alerts from other monitoring: external_alert, and each system's alert matchers

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 01:45:00.000000
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import monitor.db.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("system", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alerts", sa.JSON(), nullable=False, server_default="[]"))

    op.create_table(
        "external_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("firing", sa.Boolean(), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("started_at", monitor.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", monitor.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["system_id"], ["system.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "key"),
    )
    with op.batch_alter_table("external_alert", schema=None) as batch_op:
        batch_op.create_index(
            "ix_external_alert_incident_firing", ["incident_id", "firing"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_external_alert_system_id"), ["system_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("external_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_external_alert_system_id"))
        batch_op.drop_index("ix_external_alert_incident_firing")
    op.drop_table("external_alert")
    with op.batch_alter_table("system", schema=None) as batch_op:
        batch_op.drop_column("alerts")
