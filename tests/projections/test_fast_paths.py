"""Each speed path of the read side gives what the plain way gives.

The statistics read joined texts one value at a time, sum a breakdown's keys into the total and
count this year's identifications in the same scan; the rebuild runs the garbage collector
less often. Here each is set against the plain computation it replaces.
"""

import gc
import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casecommittee.demo import generate
from casecommittee.projections.rebuild import fewer_collections
from casecommittee.queries.statistics import (
    BREAKDOWNS,
    StatisticsQuery,
    _json_values,
    compute_statistics,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3),
    max_leaves=8,
)


@given(st.lists(json_values, max_size=12))
def test_joined_json_texts_decoded_one_at_a_time_are_what_one_json_array_holds(values):
    joined = ",".join(json.dumps(value) for value in values) or None
    assert list(_json_values(joined)) == json.loads("[" + (joined or "") + "]")


def test_the_collector_is_given_back_as_it_was_after_a_rebuild():
    before = gc.get_threshold()
    with fewer_collections(threshold=50_000):
        assert gc.get_threshold()[0] == 50_000
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


@pytest.fixture
def belfort(system, clock):
    """Thirty pathways of the demo territory, two years of steps."""
    list(generate(system.app, system.reference, system.personal_data, people=30, seed=7,
                  today=clock.today()))
    system.projections.catch_up()
    return system


def _stats(system, **query) -> dict:
    return compute_statistics(system.engine, StatisticsQuery(**query), system.clock.today())


@pytest.mark.parametrize("by", [b for b in BREAKDOWNS if b != "flag"])
@pytest.mark.parametrize("as_of", [None, date(2025, 12, 31)])
def test_a_breakdowns_total_summed_from_its_keys_is_the_whole_populations_count(belfort, by, as_of):
    direct = _stats(belfort, as_of=as_of)
    summed = _stats(belfort, by=by, as_of=as_of)
    assert summed["breakdown"]
    assert {**summed, "breakdown": []} == direct


def test_this_years_identifications_counted_in_the_scan_are_those_counted_apart(belfort):
    in_scan = _stats(belfort)["target"]
    apart = _stats(belfort, period_from=date(2000, 1, 1))["target"]  # a period: counted apart
    assert in_scan == apart
    assert in_scan["identified_this_year"] > 0
