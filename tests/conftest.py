"""Shared fixtures: a system on a scratch embedded store with a clock that stands still."""

from datetime import date

import pytest

from casecommittee.bootstrap import bootstrap
from casecommittee.clock import FixedClock
from casecommittee.config import Settings

TODAY = date(2026, 6, 30)


@pytest.fixture
def clock():
    """A clock standing on 30 June 2026 until a test moves it."""
    return FixedClock(TODAY)


@pytest.fixture
def system(tmp_path, clock):
    """The whole system on a fresh SQLite store in a temporary data directory."""
    # (tokens read on every request: tests change users' groups in the tables and expect it at once)
    built = bootstrap(Settings.from_env({"CASECOMMITTEE_DATA_DIR": str(tmp_path / "var"),
                                         "CASECOMMITTEE_TOKEN_CACHE_SECONDS": "0"}), clock=clock)
    yield built
    built.close()
