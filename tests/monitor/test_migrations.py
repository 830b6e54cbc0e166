"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

from monitor.db.migrate import current_revision, head_revision, upgrade


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)

    assert differences == []


def test_upgrade_is_idempotent(engine: Engine) -> None:
    upgrade(engine)
    upgrade(engine)

    assert current_revision(engine) == head_revision()


def test_queries_have_their_indexes(engine: Engine) -> None:
    indexes = {index["name"] for index in inspect(engine).get_indexes("occurrence")}

    assert {"ix_occurrence_start_end", "ix_occurrence_category_start"} <= indexes
    assert "ix_period_target_kind_name" in {
        i["name"] for i in inspect(engine).get_indexes("period_target")
    }
