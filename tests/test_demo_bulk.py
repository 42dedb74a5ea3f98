"""The demo generator in bulk (the benchmarks' national stores) writes what it writes one by one."""

from datetime import date

from casecommittee.bootstrap import bootstrap
from casecommittee.clock import FixedClock
from casecommittee.config import Settings
from casecommittee.demo import generate
from opened_texts import opened

TODAY = date(2026, 11, 23)


def _generated(data_dir, batch: int):
    system = bootstrap(Settings.from_env({"CASECOMMITTEE_DATA_DIR": str(data_dir)}),
                       clock=FixedClock(TODAY))
    try:
        saved = list(generate(system.app, system.reference, system.personal_data, people=23,
                              seed=5, today=TODAY, batch=batch))
        # (the texts are sealed with random nonces: compared as a reader sees them)
        return ([(p.id, [(s.version, s.code, s.occurred_on, opened(system.personal_data, p.id, s.data))
                         for s in p.steps])
                 for p in (system.app.get_pathway(p.id) for p in saved)],
                [system.personal_data.get(p.id) for p in saved],
                system.projections.counts())
    finally:
        system.close()


def test_pathways_saved_ten_at_a_time_are_those_saved_one_by_one(tmp_path):
    one_by_one = _generated(tmp_path / "one", batch=1)
    in_bulk = _generated(tmp_path / "bulk", batch=10)  # 23 people: two full batches and a rest
    assert len(one_by_one[0]) == 23
    assert in_bulk == one_by_one
