"""Shared fixtures: a system on a scratch store with a clock that stands still.

The store is SQLite in a temporary directory unless CASECOMMITTEE_TEST_DATABASE_URL names a
PostgreSQL server (`make test-pg` starts a throw-away one): then each test gets a database of
its own, created empty and dropped after it. Every test that builds a system goes through
`stores`, so the whole suite runs on both backends.
"""

from datetime import date

import pytest
from hypothesis import settings

from casecommittee.bootstrap import bootstrap
from casecommittee.clock import FixedClock
from casecommittee.config import Settings
from scratch_stores import TEST_DATABASE_URL, ScratchStores

TODAY = date(2026, 6, 30)

# The property tests check rules, not speed: no example is failed for taking longer than
# hypothesis's default 200 ms, which a busy 2-core machine exceeds (a bulk-writer example
# failed so at load 7). Speed is measured in bench/, never by a test.
settings.register_profile("casecommittee", deadline=None)
settings.load_profile("casecommittee")


def pytest_report_header(config):
    """Says which backend this pass runs on."""
    return f"store: {'PostgreSQL ' + TEST_DATABASE_URL if TEST_DATABASE_URL else 'SQLite'}"


def pytest_collection_modifyitems(config, items):
    """Leaves out the tests of the other backend's own mechanisms (marked sqlite_only or
    postgres_only): they are deselected, and the summary counts them; puts the long tests
    (marked slow) first."""
    other = "sqlite_only" if TEST_DATABASE_URL else "postgres_only"
    left_out = [item for item in items if item.get_closest_marker(other)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker(other)]
    # the long tests (marked slow) first: `make test` shares the tests among two processes
    # (pytest-xdist), and a long test begun last would keep one of them running alone
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def stores():
    """The scratch-store maker of this pass (SQLite or PostgreSQL)."""
    made = ScratchStores(TEST_DATABASE_URL)
    yield made
    made.close()


@pytest.fixture
def store_env(stores, tmp_path):
    """The CASECOMMITTEE_* variables of an empty store of this test (dropped after it)."""
    env = stores.env(tmp_path / "var")
    # tokens read on every request: tests change users' groups in the tables and expect it at once
    env["CASECOMMITTEE_TOKEN_CACHE_SECONDS"] = "0"
    yield env
    stores.drop(env)


@pytest.fixture
def clock():
    """A clock standing on 30 June 2026 until a test moves it."""
    return FixedClock(TODAY)


@pytest.fixture
def system(store_env, clock):
    """The whole system on a fresh store of this pass."""
    built = bootstrap(Settings.from_env(store_env), clock=clock)
    yield built
    built.close()
