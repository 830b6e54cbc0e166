"""maintenance windows; problem reports by time (for the critical-period report)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 01:55:00.000000
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import monitor.db.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "maintenance_window",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("start", monitor.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end", monitor.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("override_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("collisions", sa.JSON(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", monitor.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("maintenance_window", schema=None) as batch_op:
        batch_op.create_index(
            "ix_maintenance_window_system_start_end", ["system", "start", "end"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_maintenance_window_end"), ["end"], unique=False)
    with op.batch_alter_table("problem_report", schema=None) as batch_op:
        batch_op.create_index("ix_problem_report_at", ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("problem_report", schema=None) as batch_op:
        batch_op.drop_index("ix_problem_report_at")
    with op.batch_alter_table("maintenance_window", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_maintenance_window_end"))
        batch_op.drop_index("ix_maintenance_window_system_start_end")
    op.drop_table("maintenance_window")
