"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from sqlmodel import SQLModel

from monitor.db.engine import make_engine
from monitor.db.migrate import current_revision, head_revision, upgrade
from tests.conftest import POSTGRES_ADMIN_URL


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


@pytest.mark.postgres
def test_replicas_starting_together_migrate_a_new_database_once(postgres_url: str) -> None:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"closewatch_fresh_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    replicas = [make_engine(admin.url.set(database=name).render_as_string(False)) for _ in range(3)]
    try:
        with ThreadPoolExecutor(len(replicas)) as pool:
            for started in [pool.submit(upgrade, engine) for engine in replicas]:
                started.result(timeout=60)  # raises if one failed; without a lock they deadlock

        assert {current_revision(engine) for engine in replicas} == {head_revision()}
    finally:
        for engine in replicas:
            engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
