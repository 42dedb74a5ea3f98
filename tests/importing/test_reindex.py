"""After an upgrade: people recorded before the blind index existed are found as duplicates once
the coordinator runs `casecommittee reindex-identities`, which writes each missing entry."""

from uuid import uuid4

from click.testing import CliRunner
from sqlalchemy import delete, func, select

from casecommittee.bootstrap import bootstrap
from casecommittee.cli import main
from casecommittee.config import Settings
from casecommittee.stores.identity_index import identity_index

INES = {"first_name": "Inès", "last_name": "Benali", "birth_date": "2007-04-02"}


def test_people_recorded_before_the_index_are_found_after_the_backfill(stores, tmp_path):
    env = stores.env(tmp_path / "var")
    try:
        system = bootstrap(Settings.from_env(env))
        ines, erased, no_birth = uuid4(), uuid4(), uuid4()
        store = system.personal_data
        store.put_many({ines: INES, erased: {**INES, "first_name": "Lina"},
                        no_birth: {"first_name": "Sophie", "last_name": "Marchal"}})
        store.erase(erased, "demande de la personne")
        with system.engine.begin() as conn:  # as a store made before the index: no entries
            conn.execute(delete(identity_index))
        assert store.index.find(system.engine, {**INES, "first_name": "INES"}) == []
        assert sorted(store.unindexed()) == sorted([str(ines), str(no_birth)])
        system.close()

        ran = CliRunner().invoke(main, ["reindex-identities"], env=env)
        assert ran.exit_code == 0, ran.output
        assert "1 index entries written" in ran.output

        system = bootstrap(Settings.from_env(env))
        assert system.personal_data.index.find(system.engine, {**INES, "first_name": "INES"}) == [str(ines)]
        with system.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(identity_index)).scalar() == 1
        system.close()
        again = CliRunner().invoke(main, ["reindex-identities"], env=env)
        assert again.exit_code == 0 and "0 index entries written" in again.output
    finally:
        stores.drop(env)
