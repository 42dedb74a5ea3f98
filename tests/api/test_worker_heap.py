"""A gunicorn worker sets aside, once started, what it will keep until it stops."""

import gc
import weakref

import pytest

from casecommittee.web.gunicorn import CaseCommitteeServer


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


class Cycle:
    """An object that refers to itself: only the cyclic collector frees it."""

    def __init__(self):
        self.me = self


def test_a_worker_sets_its_start_objects_aside_and_still_collects_what_requests_leave(
        monkeypatch, app, unfrozen):
    monkeypatch.setattr("casecommittee.web.create_app", lambda: app)  # (the store of the test)
    server = CaseCommitteeServer({"workers": 1}, jobs=False)
    assert server.load() is app
    # what the worker holds at start (modules, the app…) is out of the collector's sight
    assert gc.get_freeze_count() > 1000
    # a request's cyclic garbage is still freed
    left = Cycle()
    gone = weakref.ref(left)
    del left
    gc.collect()
    assert gone() is None
