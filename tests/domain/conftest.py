"""What a référent de parcours needs to play a pathway in a test.

`identify` opens a pathway (repérage) with sensible defaults: a young man sent by a Belfort
football club, consent to committee sharing given, identity in the personal-data store.
`log` records a step as the référente of the Mission locale unless another actor is given.
`refused` checks that a step is refused with exactly the given error and that nothing was
written: the reloaded pathway has the same version and the same history as before.
"""

from datetime import date

import pytest

GROUP_JEUNES = "groupe-jeunes-decrocheurs"
MISSION_LOCALE = "mission-locale-belfort"
CLUB_SPORTIF = "asm-belfort-football"

#: The identity of the person: it must only ever reach the personal-data store.
PERSON = {
    "first_name": "Yanis",
    "last_name": "Kerboucha-Vandamme",
    "birth_date": "2006-03-14",
    "phone": "0611223344",
}


@pytest.fixture
def person():
    """The identity given to `identify` by default."""
    return dict(PERSON)


@pytest.fixture
def referent():
    """The référente de parcours of the Mission locale who logs the steps."""
    return {"user_id": "referente-ml-01", "role": "referent", "structure_id": MISSION_LOCALE}


@pytest.fixture
def copilot():
    """The co-pilote of the "Jeunes décrocheurs" group (Unis-Cité) who records committee decisions."""
    return {"user_id": "copilote-unis-cite", "role": "copilot", "structure_id": "unis-cite-belfort"}


@pytest.fixture
def identify(system, clock, referent):
    """Opens a pathway as the référente; keyword arguments override the identification fields."""

    def _identify(occurred_on: date | None = None, *, person: dict | None = None, actor=None,
                  **overrides):
        occurred_on = occurred_on or clock.today()
        fields = {
            "group_id": GROUP_JEUNES,
            "channel": "partner_referral",
            "identified_by_structure_id": CLUB_SPORTIF,
            "profile": {
                "sex": "M", "birth_year": 2006, "qpv_code": "QN09001M",
                "qualification_level": "below_cap", "flags": [],
            },
            "consent": {"committee_sharing": True, "given_on": occurred_on},
        }
        fields.update(overrides)
        return system.app.identify(
            actor=actor or referent, occurred_on=occurred_on,
            person=dict(PERSON) if person is None else person, **fields,
        )

    return _identify


@pytest.fixture
def log(system, clock, referent):
    """Logs one step (business date: today unless given) as the référente unless told otherwise."""

    def _log(pathway_id, code: str, occurred_on: date | None = None, *, actor=None, **fields):
        return system.app.log_step(
            pathway_id, code, actor=actor or referent,
            occurred_on=occurred_on or clock.today(), **fields,
        )

    return _log


@pytest.fixture
def refused(system, log):
    """Asserts a step is refused with exactly `error` and leaves the stored pathway untouched."""

    def _refused(error: type, pathway_id, code: str, occurred_on: date | None = None, **fields):
        before = system.app.get_pathway(pathway_id)
        with pytest.raises(error) as caught:
            log(pathway_id, code, occurred_on, **fields)
        assert type(caught.value) is error, f"{type(caught.value).__name__}: {caught.value}"
        assert caught.value.message
        after = system.app.get_pathway(pathway_id)
        assert after.version == before.version
        assert after.steps == before.steps
        assert after.state == before.state
        return caught.value

    return _refused


@pytest.fixture
def pmsmp():
    """The fields of a PMSMP agreement at the Boulangerie du Lion, overridable."""

    def _pmsmp(ends_on: date, **overrides) -> dict:
        fields = {
            "host": {"name": "Boulangerie du Lion", "siret": "44306184100047"},
            "ends_on": ends_on, "hours_per_week": 35, "objective": "discover",
        }
        fields.update(overrides)
        return fields

    return _pmsmp


@pytest.fixture
def apprenticeship():
    """The fields of an apprenticeship contract at the Boulangerie du Lion, overridable."""

    def _apprenticeship(**overrides) -> dict:
        fields = {
            "employer": {"name": "Boulangerie du Lion", "siret": "44306184100047"},
            "contract_type": "apprenticeship", "weekly_hours": 35,
        }
        fields.update(overrides)
        return fields

    return _apprenticeship


@pytest.fixture
def app_without_snapshots(system, clock):
    """A second application on the same event store with snapshots disabled (interval 0, as
    CASECOMMITTEE_SNAPSHOT_INTERVAL=0 sets it): every read replays the whole stream."""
    from casecommittee.application import CaseCommittee

    app = CaseCommittee(env=system.settings.event_store_env(), clock=clock, snapshot_interval=0)
    assert app.snapshots is None
    yield app
    app.close()
