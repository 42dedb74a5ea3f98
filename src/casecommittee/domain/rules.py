"""The figures of the rules: PMSMP limits, the follow-up calendar, outcome classes, age brackets.

Pure functions over dates and values; the pathway's checks call them.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from .vocabulary import POSITIVE_OUTCOMES

#: PMSMP (période de mise en situation en milieu professionnel): one agreement lasts at most
#: 30 calendar days, at most 48 hours a week, and may be renewed once with the same host.
PMSMP_MAX_DAYS = 30
PMSMP_MAX_HOURS_PER_WEEK = 48
PMSMP_MAX_AGREEMENTS_PER_HOST = 2

#: The legal maximum of a working week (Code du travail, art. L3121-20): a job's weekly hours.
MAX_WEEKLY_HOURS = 48

#: The 15-week follow-up after a hire (PIC guide n°6, "Pro Emploi"): contacts around weeks
#: 1, 4, 8 and 12, validation at week 15 (day 105); overdue 7 days after a due date.
FOLLOW_UP_CONTACT_WEEKS = (1, 4, 8, 12)
FOLLOW_UP_VALIDATION_DAY = 105
OVERDUE_AFTER_DAYS = 7

#: "Emploi durable": a CDD or temp work of 6 months or more counts with the CDI.
SUSTAINABLE_CONTRACT_MONTHS = 6

DEFAULT_STALLED_AFTER_DAYS = 45


def immersion_days(starts_on: date, ends_on: date) -> int:
    """Calendar days an immersion agreement covers, both ends included."""
    return (ends_on - starts_on).days + 1


def validation_due_on(hired_on: date) -> date:
    """The first day the 15-week follow-up may be validated (day 105 after the first day of work)."""
    return hired_on + timedelta(days=FOLLOW_UP_VALIDATION_DAY)


@dataclass(frozen=True)
class Checkpoint:
    """One expected point of the follow-up calendar: a contact (week 1, 4, 8, 12) or validation."""

    kind: str  # "contact" or "validation"
    week: int
    due_on: date
    done: bool

    def is_overdue(self, today: date) -> bool:
        """Expected and not logged 7 days after its due date."""
        return not self.done and today > self.due_on + timedelta(days=OVERDUE_AFTER_DAYS)

    def as_dict(self) -> dict:
        """The checkpoint as the API shows it."""
        return {"kind": self.kind, "week": self.week, "due_on": self.due_on.isoformat()}


def follow_up_calendar(
    hired_on: date, contact_dates: list[date], completed: bool
) -> list[Checkpoint]:
    """The checkpoints of a follow-up, each marked done or not.

    The weeks split time into windows: the week-1 contact is any contact before day 21, the
    week-4 one any contact from day 21 to day 48, and so on; a contact counts for the window it
    falls in, so a late contact still closes its checkpoint.
    """
    dues = [hired_on + timedelta(weeks=w) for w in FOLLOW_UP_CONTACT_WEEKS]
    starts = [hired_on] + [d - timedelta(days=OVERDUE_AFTER_DAYS) for d in dues[1:]]
    ends = starts[1:] + [date.max]
    checkpoints = [
        Checkpoint(
            "contact", week, due, any(start <= c < end for c in contact_dates)
        )
        for week, due, start, end in zip(FOLLOW_UP_CONTACT_WEEKS, dues, starts, ends, strict=True)
    ]
    checkpoints.append(Checkpoint("validation", 15, validation_due_on(hired_on), completed))
    return checkpoints


def outcome_is_positive(outcome: str) -> bool:
    """Positive exits (sorties dynamiques): employment, qualifying training, business creation."""
    return outcome in POSITIVE_OUTCOMES


def suggested_outcome(contract_type: str, contract_months: int | None) -> str:
    """The exit outcome class a contract falls in, as the French employment statistics group them."""
    if contract_type == "cdi":
        return "sustainable_employment"
    if contract_type in ("cdd", "interim", "professionalisation") and (
        contract_months or 0
    ) >= SUSTAINABLE_CONTRACT_MONTHS:
        return "sustainable_employment"
    return "transitional_employment"


AGE_BRACKETS = ("under_18", "18_25", "26_30", "31_44", "45_plus")


def age_bracket(birth_year: int, on: date) -> str:
    """The age bracket of someone born in birth_year, on a given date (age counted in years)."""
    age = on.year - birth_year
    if age < 18:
        return "under_18"
    if age <= 25:
        return "18_25"
    if age <= 30:
        return "26_30"
    if age <= 44:
        return "31_44"
    return "45_plus"
