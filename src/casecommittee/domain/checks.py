"""The rules every step must respect, and the helpers the steps' own checks share.

A step's own check is written next to its event (`pathway.py`); `pathway.check_step` runs
`check_common`, then `check_choices` over the step's enumerated fields, then that check. Each
raises a specific `DomainError` naming what is wrong and what is allowed.
"""

from datetime import date

from .errors import DateInFuture, DateOutOfOrder, InvalidValue, PathwayClosed, StepNotAllowed
from .state import PathwayState
from .steps import Step


def fr_date(d: date) -> str:
    """A date as French messages write it (31/12/2026)."""
    return d.strftime("%d/%m/%Y")


def one_of(value, allowed, name: str) -> None:
    """Refuses `value` (field `name`) unless it is one of `allowed`, listing them."""
    if value not in allowed:
        raise InvalidValue(
            f"{name} « {value} » n'est pas reconnu ; valeurs possibles : {', '.join(allowed)}",
            field=name,
        )


def check_choices(choices: dict[str, tuple], data: dict) -> None:
    """Refuses the first enumerated field (name → allowed codes, in order) whose value is not
    one of its codes: the `choices` a step's event class declares."""
    for name, allowed in choices.items():
        one_of(data.get(name), allowed, name)


def not_before(on: date, limit: date | None, what: str, name: str = "occurred_on") -> None:
    """Refuses a date `on` earlier than `limit` (`what` names the limit in the message)."""
    if limit is not None and on < limit:
        raise DateOutOfOrder(
            f"la date du {fr_date(on)} est antérieure à {what} ({fr_date(limit)})", field=name
        )


def check_common(state: PathwayState, step: Step, today: date) -> None:
    """Raises the DomainError that refuses any step on a pathway in `state` (a date in the
    future, a pathway not opened or closed, a date before the identification), or returns None.
    The step's own guard comes next (`pathway.check_step`)."""
    if step.occurred_on > today:
        raise DateInFuture(
            f"la date du {fr_date(step.occurred_on)} est dans le futur (aujourd'hui : {fr_date(today)}) : "
            "indiquez le jour où l'étape a eu lieu, au plus tard aujourd'hui",
            field="occurred_on",
        )
    if step.code == "identified":
        given_on = (step.data.get("consent") or {}).get("given_on")
        if given_on is not None and given_on > today:
            raise DateInFuture("le consentement ne peut être daté du futur", field="consent.given_on")
        if state.stage is not None:
            raise StepNotAllowed("ce parcours est déjà ouvert : le repérage ne se fait qu'une fois")
    else:
        if state.stage is None:
            raise StepNotAllowed("le parcours n'a pas de repérage : commencez par « identified »")
        if state.stage == "exited" and step.code != "corrected":
            raise PathwayClosed(
                "le parcours est clos (sortie enregistrée) : seule une correction est possible"
            )
        not_before(step.occurred_on, state.identified_on, "la date de repérage")
