"""The coordinator's list of erasures: the identities erased (when, why, by whom) and the
pathways whose retention period is ending — under pseudonyms, never an identity."""

from datetime import date

from casecommittee.jobs import retention_deadlines
from casecommittee.web.pseudonyms import Pseudonyms

from .conftest import identify_form


def _identify(b, **changes) -> str:
    answer = b.post("/reperage", identify_form(**changes))
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return answer.headers["Location"].split("?")[0].rsplit("/", 1)[1]


def test_the_coordinator_sees_erasures_done_and_due_without_a_name(signed_in, system, clock):
    pseudonym = Pseudonyms(system.settings.resolved_key("personal_data_key", "personal-data.key")).of
    referent = signed_in("referent")
    ines = _identify(referent, assign_me="1")  # identified on 01/06/2026, no step since
    lucas = _identify(referent, assign_me="1", **{"person.first_name": "Lucas", "person.last_name": "Moreau",
                                   "identified_on": "2026-06-20", "consent.given_on": "2026-06-20"})
    erased = referent.post(f"/parcours/{lucas}/fiche", {"reason": "demande de la personne"})
    assert erased.status_code == 302

    clock.advance(680)  # 10/05/2028: Inès's identity is kept until 31/05/2028 (730 days)
    admin = signed_in("admin")
    menu = admin.get("/administration/").get_data(as_text=True)
    assert 'href="/administration/effacements"' in menu
    page = admin.get("/administration/effacements").get_data(as_text=True)
    due, done = page.split('id="done-title"')
    assert pseudonym(ines) in due and "01/06/2026" in due and "31/05/2028 (dans 21 jour(s))" in due
    assert "Referent" in due  # her referent, who is warned too
    assert pseudonym(lucas) in done and "demande de la personne" in done and "Referent" in done
    assert pseudonym(lucas) not in due
    for identity in ("Inès", "Benali", "Lucas", "Moreau", ines, lucas):
        assert identity not in page

    # the nightly job erases Inès's identity at the deadline: she moves to the erasures done
    clock.advance(21)
    assert clock.today() == date(2028, 5, 31) and retention_deadlines(system, clock.today()) == 1
    page = signed_in("admin").get("/administration/effacements").get_data(as_text=True)
    due, done = page.split('id="done-title"')
    assert pseudonym(ines) in done and "effacement automatique (durée de conservation)" in done
    assert "Aucun parcours n'atteint sa durée de conservation" in due
