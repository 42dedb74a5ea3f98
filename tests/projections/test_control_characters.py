"""A NUL or another control character in a text never reaches the store, and never stops the
read models: PostgreSQL refuses NUL in a text, so the store drops control characters itself,
whatever the door let through (tab, line feed and carriage return stay)."""

from datetime import date

from sqlalchemy import select

from casecommittee.projections.pathways import pathway_rows
from casecommittee.stores.reference import groups, territories
from casecommittee.stores.sealed_texts import PREFIX, TextReader, open_sealed


def _row(system, pid):
    with system.engine.connect() as conn:
        return conn.execute(select(pathway_rows).where(pathway_rows.c.pathway_id == str(pid))).one()


def test_a_reason_with_a_nul_is_projected_without_it(system, territory, referent):
    pid = referent.identifies(date(2026, 3, 2))
    referent.logs(pid, "committee_referral", date(2026, 3, 9), reason="bloqu\x00ée\x07 depuis\tmars\n")
    assert system.projections.behind() == 0 and system.projections.stall() is None
    # the read model holds the reason sealed with the person's key; opened, it shows clean
    sealed = _row(system, pid).referral_reason
    assert sealed.startswith(PREFIX) and "\x00" not in sealed
    assert TextReader(system.personal_data).open(pid, sealed) == "bloquée depuis\tmars\n"

    referent.orients(pid, date(2026, 3, 20), scheme="E2C\x00\x1b[31m")
    assert system.projections.behind() == 0 and system.projections.stall() is None
    assert _row(system, pid).scheme == "E2C[31m"
    # the event keeps what was said: a replay cleans it again the same way
    assert open_sealed(system.personal_data.text_key(pid), pid,
                       system.app.history(pid)[1].data["reason"]) == "bloqu\x00ée\x07 depuis\tmars\n"


def test_a_name_with_control_characters_is_stored_without_them(system):
    territory = system.reference.add_territory("Cité\x00 de l'emploi\x08 de Brest")
    group = system.reference.add_group(territory["id"], "Jeunes\x00", target_per_year=10)
    assert system.reference.get(territories, territory["id"])["name"] == "Cité de l'emploi de Brest"
    assert system.reference.get(groups, group["id"])["name"] == "Jeunes"
