"""Domain errors: each says what is wrong and what is allowed, in words a referent understands.

Every error maps to a 4xx in the API (422 unless said otherwise) and means nothing was written.
"""


class DomainError(Exception):
    """A rule of the pathway or the committee refuses the command; nothing is written."""

    code = "domain_rule"
    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


class DateInFuture(DomainError):
    """A business date after today."""

    code = "date_in_future"


class DateOutOfOrder(DomainError):
    """A business date before the identification or before the step it depends on."""

    code = "date_out_of_order"


class StepNotAllowed(DomainError):
    """The pathway's current stage does not allow this step."""

    code = "step_not_allowed"


class PathwayClosed(StepNotAllowed):
    """The pathway has exited: only corrections may follow."""

    code = "pathway_closed"


class ImmersionRuleBroken(DomainError):
    """A PMSMP limit: 30 calendar days, 48 h a week, one renewal with the same host."""

    code = "pmsmp_rule"


class FollowUpRuleBroken(DomainError):
    """A rule of the 15-week follow-up after a hire."""

    code = "follow_up_rule"


class InvalidCorrection(DomainError):
    """A correction that names no correctable event or field, or breaks a rule once applied."""

    code = "invalid_correction"


class InvalidValue(DomainError):
    """A value outside its allowed list or range."""

    code = "invalid_value"


class CommitteeRuleBroken(DomainError):
    """A rule of the committee session (closed session, decision without orientation…)."""

    code = "committee_rule"
