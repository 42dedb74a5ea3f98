"""A referent who logs steps through the application, for read-model scenarios."""

from datetime import date, timedelta

REFERENT = {"user_id": "ref-ml-1", "role": "referent", "structure_id": "ml-belfort"}


class Referent:
    """Logs steps the way a référent de parcours does, through the application."""

    def __init__(self, system, group_id: str):
        self.system = system
        self.group_id = group_id

    def identifies(self, on: date, **profile):
        """Identifies (repère) a person on a date; returns the pathway id."""
        profile = {"sex": "F", "birth_year": 2004, "flags": [], **profile}
        pathway = self.system.app.identify(
            actor=REFERENT, occurred_on=on, group_id=self.group_id, channel="aller_vers",
            profile=profile, consent={"committee_sharing": True, "given_on": on},
            person={"first_name": "Test", "last_name": "Personne", "birth_date": "2004-01-01"},
        )
        return pathway.id

    def logs(self, pathway_id, code: str, on: date, **fields):
        """Logs a step on a business date."""
        return self.system.app.log_step(pathway_id, code, actor=REFERENT, occurred_on=on, **fields)

    def orients(self, pathway_id, on: date, scheme="Contrat d'engagement jeune (CEJ)"):
        """Orients the person to a scheme."""
        return self.logs(pathway_id, "oriented", on, scheme=scheme)

    def hires(self, pathway_id, on: date, contract_type="cdi", months=None):
        """Logs a hire (first day of work)."""
        return self.logs(pathway_id, "hired", on, employer={"name": "Alstom Transport"},
                         contract_type=contract_type, contract_months=months, weekly_hours=35)

    def validates_follow_up(self, pathway_id, hired_on: date):
        """Validates the 15-week follow-up on day 105."""
        return self.logs(pathway_id, "follow_up_completed", hired_on + timedelta(days=105),
                         still_employed=True)
