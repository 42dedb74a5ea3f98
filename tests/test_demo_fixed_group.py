"""A group held still while the territory grows: the benchmark of an agenda whose group does not
change when the other groups do (bench/agenda.py)."""

from datetime import date

import pytest

from casecommittee.bootstrap import bootstrap
from casecommittee.clock import FixedClock
from casecommittee.config import Settings
from casecommittee.demo import GROUPS, create_territory, generate
from casecommittee.projections.pathways import pathway_rows
from opened_texts import opened

TODAY = date(2026, 11, 23)


def _territory(data_dir, people: int, fixed=None):
    system = bootstrap(Settings.from_env({"CASECOMMITTEE_DATA_DIR": str(data_dir)}),
                       clock=FixedClock(TODAY))
    try:
        saved = list(generate(system.app, system.reference, system.personal_data, people=people,
                              seed=3, today=TODAY, batch=25, fixed=fixed))
        names = {g["id"]: g["name"] for g in create_territory(system.reference).groups}
        by_group: dict[str, list] = {}
        for pathway in saved:
            steps = [(s.code, s.occurred_on, opened(system.personal_data, pathway.id, s.data))
                     for s in pathway.steps]  # (texts sealed with random nonces: opened)
            by_group.setdefault(names[pathway.state.group_id], []).append((str(pathway.id), steps))
        system.projections.bring_up_to_date()
        with system.engine.connect() as conn:
            rows = conn.execute(pathway_rows.select()).all()
        return by_group, len(rows), [system.personal_data.get(p.id) for p in saved]
    finally:
        system.close()


def test_the_fixed_group_holds_the_same_pathways_in_a_territory_five_times_larger(tmp_path):
    small, small_rows, _ = _territory(tmp_path / "small", 60, fixed={"Diplômés": 20})
    large, large_rows, identities = _territory(tmp_path / "large", 300, fixed={"Diplômés": 20})

    assert (small_rows, large_rows) == (60, 300)
    assert len(small["Diplômés"]) == len(large["Diplômés"]) == 20
    assert sorted(small["Diplômés"]) == sorted(large["Diplômés"])  # the very same pathways, steps and all
    # the other groups grew, sharing the rest by their shares
    assert len(large["Jeunes décrocheurs"]) + len(large["Familles monoparentales"]) == 280
    assert len(large["Jeunes décrocheurs"]) > len(small["Jeunes décrocheurs"]) * 3
    assert all(identity["first_name"] for identity in identities)
    # spread over the two years like the others, not bunched at one end
    dates = sorted(steps[0][1] for _id, steps in large["Diplômés"])
    assert (dates[-1] - dates[0]).days > 600


def test_without_a_fixed_group_every_group_grows_with_the_territory(tmp_path):
    by_group, rows, _ = _territory(tmp_path / "store", 120)
    assert rows == 120
    assert set(by_group) == {name for name, *_ in GROUPS}


@pytest.mark.parametrize("fixed", [{"Cadres": 5}, {"Diplômés": 130}, {"Diplômés": -1}])
def test_a_fixed_group_that_cannot_be_drawn_is_refused_before_anything_is_written(tmp_path, fixed):
    system = bootstrap(Settings.from_env({"CASECOMMITTEE_DATA_DIR": str(tmp_path)}),
                       clock=FixedClock(TODAY))
    try:
        with pytest.raises(ValueError):
            next(generate(system.app, system.reference, system.personal_data, people=120,
                          seed=3, today=TODAY, fixed=fixed))
        assert system.app.recorder.max_notification_id() in (None, 0)
    finally:
        system.close()
