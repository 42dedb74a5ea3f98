"""A chargée de relation entreprises works with an employer of the territory, through its stream.

A bakery in the Résidences QPV is registered, posts a need for two sales assistants offered to
the young people's group, hosts immersions, takes part in a job dating, names a tutor, signs the
Cité's charter; one need is filled, a correction fixes its size band. Every rule refuses with
its French message and writes nothing; replaying the stream gives the same state.
"""

from datetime import date, timedelta
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casecommittee.domain.company import (
    Company,
    CompanyState,
    company_id,
    derive_company,
)
from casecommittee.domain.errors import (
    DateInFuture,
    DateOutOfOrder,
    InvalidCorrection,
    InvalidValue,
)

TODAY = date(2026, 6, 30)
BOULANGERIE = {
    "territory_id": "belfort", "siret": "73282932000074", "name": "Boulangerie des Résidences", "naf_code": "10.71C",
    "size_band": "micro", "town": "Belfort", "qpv_location": "in_qpv",
}
CHARGEE = {"user_id": "cre-01", "role": "business_relations", "structure_id": "plie-belfort"}


def registered(on=date(2026, 1, 5)) -> Company:
    """The bakery, registered by the chargée de relation entreprises."""
    return Company.register(occurred_on=on, actor=CHARGEE, today=TODAY, **BOULANGERIE)


def post_need(company: Company, need_id="vendeurs-2026", positions=2, on=date(2026, 2, 1), **extra):
    """A need for sales assistants (CDD of 6 months), offered to the young people's group."""
    fields = {"job_title": "vendeur·se en boulangerie", "rome_code": "D1106", "contract_type": "cdd",
              "contract_months": 6, "positions": positions, "starts_on": on + timedelta(days=30),
              "group_ids": ["groupe-jeunes-decrocheurs"], **extra}
    company.record("need_posted", occurred_on=on, actor=CHARGEE, today=TODAY, need_id=need_id, **fields)


def refused(company: Company, error: type, field: str, code: str, **fields):
    """The event is refused with `error` on `field`, and the company is left as it was."""
    before = (company.version, company.records)
    fields.setdefault("occurred_on", date(2026, 3, 1))
    with pytest.raises(error) as caught:
        company.record(code, actor=CHARGEE, today=TODAY, **fields)
    assert caught.value.field == field
    assert (company.version, company.records) == before
    return caught.value


def test_a_company_is_keyed_by_its_siret():
    company = registered()
    assert company.id == company_id("belfort", "73282932000074")
    assert company.id != company_id("montbeliard", "73282932000074")
    assert company.state.name == "Boulangerie des Résidences"
    assert company.state.qpv_location == "in_qpv"


def test_registration_refuses_a_bad_siret_naf_and_bands():
    for field, value in (("siret", "73282932000075"), ("naf_code", "5610A"),
                         ("size_band", "huge"), ("qpv_location", "nearby"), ("name", "  ")):
        with pytest.raises(InvalidValue) as caught:
            Company.register(occurred_on=date(2026, 1, 5), actor=CHARGEE, today=TODAY,
                             **{**BOULANGERIE, field: value})
        assert caught.value.field == field


def test_a_need_from_posting_to_its_outcome():
    company = registered()
    post_need(company)
    assert [n["need_id"] for n in company.state.open_needs()] == ["vendeurs-2026"]
    pathway = str(uuid4())
    company.record("need_closed", occurred_on=date(2026, 4, 2), actor=CHARGEE, today=TODAY,
                   need_id="vendeurs-2026", outcome="partly_filled", positions_filled=1,
                   hired_pathway_ids=[pathway])
    need = company.state.needs["vendeurs-2026"]
    assert (need["outcome"], need["positions_filled"], need["hired_pathway_ids"]) == (
        "partly_filled", 1, [pathway])
    assert need["closed_on"] == date(2026, 4, 2)
    assert company.state.open_needs() == []


def test_a_need_outcome_must_match_its_positions():
    company = registered()
    post_need(company, positions=2)
    error = refused(company, InvalidValue, "positions_filled", "need_closed",
                    need_id="vendeurs-2026", outcome="filled", positions_filled=1)
    assert "2 poste(s) ouvert(s)" in error.message
    refused(company, InvalidValue, "need_id", "need_closed", need_id="inconnu", outcome="withdrawn",
            positions_filled=0)
    refused(company, InvalidValue, "hired_pathway_ids", "need_closed", need_id="vendeurs-2026",
            outcome="withdrawn", positions_filled=0, hired_pathway_ids=["x"])


def test_a_need_is_checked_field_by_field():
    company = registered()
    base = {"need_id": "n1", "job_title": "plongeur", "contract_type": "cdi", "positions": 1,
            "starts_on": date(2026, 3, 10), "group_ids": ["g"]}
    refused(company, InvalidValue, "contract_months", "need_posted", **{**base, "contract_type": "cdd"})
    refused(company, InvalidValue, "positions", "need_posted", **{**base, "positions": 0})
    refused(company, InvalidValue, "rome_code", "need_posted", **{**base, "rome_code": "1606"})
    refused(company, InvalidValue, "group_ids", "need_posted", **{**base, "group_ids": []})
    refused(company, DateOutOfOrder, "starts_on", "need_posted", **{**base, "starts_on": date(2026, 2, 1)})
    post_need(company, need_id="n1")
    refused(company, InvalidValue, "need_id", "need_posted", **base)


def test_dates_are_not_in_the_future_nor_before_registration():
    company = registered()
    refused(company, DateInFuture, "occurred_on", "participated", kind="job_dating",
            occurred_on=TODAY + timedelta(days=1))
    refused(company, DateOutOfOrder, "occurred_on", "participated", kind="job_dating",
            occurred_on=date(2025, 12, 1))


def test_hosting_participation_tutor_and_charter():
    company = registered()
    company.record("contact_named", occurred_on=date(2026, 1, 6), actor=CHARGEE, today=TODAY,
                   contact_id="contact-gerante")
    company.record("hosting_offered", occurred_on=date(2026, 1, 10), actor=CHARGEE, today=TODAY,
                   capacity=2, jobs=["boulanger", "vendeur"])
    company.record("participated", occurred_on=date(2026, 3, 12), actor=CHARGEE, today=TODAY,
                   kind="job_dating", note="Job dating du quartier")
    company.record("sponsor_named", occurred_on=date(2026, 3, 20), actor=CHARGEE, today=TODAY,
                   pathway_id=str(uuid4()), role="tutor", contact_id="contact-gerante")
    company.record("commitment_signed", occurred_on=date(2026, 4, 1), actor=CHARGEE, today=TODAY,
                   kind="charter", title="Charte des entreprises de la Cité de l'emploi")
    state = company.state
    assert state.hosting_offers[0]["capacity"] == 2
    assert state.participations[0]["kind"] == "job_dating"
    assert state.sponsors[0]["role"] == "tutor"
    assert state.commitments[0]["kind"] == "charter"
    refused(company, InvalidValue, "contact_id", "sponsor_named", pathway_id="p", role="sponsor",
            contact_id="personne")
    refused(company, InvalidValue, "capacity", "hosting_offered", capacity=51, jobs=["x"])
    refused(company, InvalidValue, "kind", "participated", kind="apero")
    refused(company, InvalidValue, "event", "registered", **BOULANGERIE)


def test_a_correction_fixes_the_size_band_and_keeps_the_history():
    company = registered()
    company.record("corrected", occurred_on=date(2026, 2, 1), actor=CHARGEE, today=TODAY,
                   corrects_version=1, changes={"size_band": "small"}, reason="12 salariés, pas 8")
    assert company.state.size_band == "small"
    assert company.records[0].data["size_band"] == "micro"  # the registration is not rewritten
    refused(company, InvalidCorrection, "changes", "corrected", corrects_version=1,
            changes={"siret": "73282932000074"}, reason="le SIRET est la clé")
    refused(company, InvalidCorrection, "reason", "corrected", corrects_version=1,
            changes={"town": "Danjoutin"}, reason=" ")
    refused(company, InvalidCorrection, "corrects_version", "corrected", corrects_version=9,
            changes={"town": "Danjoutin"}, reason="erreur")


def test_a_correction_that_breaks_a_rule_is_refused():
    company = registered()
    post_need(company, positions=2)
    company.record("need_closed", occurred_on=date(2026, 4, 2), actor=CHARGEE, today=TODAY,
                   need_id="vendeurs-2026", outcome="filled", positions_filled=2)
    refused(company, InvalidCorrection, "changes", "corrected", corrects_version=2,
            changes={"positions": 3}, reason="trois postes en fait")


def test_state_as_of_a_business_date():
    company = registered()
    post_need(company, on=date(2026, 2, 1))
    company.record("need_closed", occurred_on=date(2026, 4, 2), actor=CHARGEE, today=TODAY,
                   need_id="vendeurs-2026", outcome="withdrawn", positions_filled=0)
    assert company.state_as_of(date(2026, 3, 1)).needs["vendeurs-2026"]["outcome"] is None
    assert company.state_as_of(date(2026, 4, 2)).needs["vendeurs-2026"]["outcome"] == "withdrawn"
    assert company.state_as_of(date(2025, 1, 1)) == CompanyState(version=0)


EVENTS = st.sampled_from(["participated", "hosting_offered", "need_posted", "need_closed",
                          "commitment_signed", "corrected"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(EVENTS, st.integers(0, 40), st.integers(1, 3)), max_size=15))
def test_any_sequence_of_valid_events_replays_to_the_same_state(moves):
    """Whatever a chargée records (refused events write nothing), replaying the stream gives
    the state the aggregate holds."""
    company = registered()
    for number, (code, days, n) in enumerate(moves):
        on = date(2026, 1, 5) + timedelta(days=days)
        fields = {
            "participated": {"kind": "visit"},
            "hosting_offered": {"capacity": n, "jobs": ["métier"]},
            "need_posted": {"need_id": f"n{number}", "job_title": "poste", "contract_type": "cdi",
                            "positions": n, "starts_on": on, "group_ids": ["g"]},
            "need_closed": {"need_id": f"n{number - 1}", "outcome": "filled", "positions_filled": n},
            "commitment_signed": {"kind": "club", "title": "Club"},
            "corrected": {"corrects_version": n, "changes": {"occurred_on": on}, "reason": "date"},
        }[code]
        try:
            company.record(code, occurred_on=on, actor=CHARGEE, today=TODAY, **fields)
        except (InvalidValue, InvalidCorrection, DateOutOfOrder):
            continue
    assert derive_company(company.records) == company.state
