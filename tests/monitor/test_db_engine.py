from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from monitor.db.engine import SQLITE_PAGE_CACHE_KIB, SQLITE_STATEMENTS_KEPT, make_engine


def test_each_sqlite_connection_keeps_a_small_page_cache(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'closewatch.db'}")
    with engine.connect() as first, engine.connect() as second:
        for connection in (first, second):
            cache_size = connection.exec_driver_sql("PRAGMA cache_size").scalar()
            assert cache_size == -SQLITE_PAGE_CACHE_KIB
    engine.dispose()


def test_each_sqlite_connection_keeps_few_prepared_statements(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'closewatch.db'}")
    with engine.connect() as connection:
        for n in range(SQLITE_STATEMENTS_KEPT * 3):
            connection.exec_driver_sql(f"SELECT {n}").scalar()
        try:  # SQLite's own list of the connection's prepared statements
            prepared = connection.exec_driver_sql("SELECT count(*) FROM sqlite_stmt").scalar()
        except OperationalError:
            pytest.skip("this SQLite was built without the sqlite_stmt table")
    engine.dispose()
    assert prepared is not None
    assert prepared <= SQLITE_STATEMENTS_KEPT + 1  # the count's own statement too
