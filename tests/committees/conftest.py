"""A Cité with one group, its co-pilot and referent, for committee scenarios."""

import pytest


@pytest.fixture
def cite(system):
    """Belfort, the "Jeunes décrocheurs" group, a co-pilot and a referent who are users."""
    reference = system.reference
    territory = reference.add_territory("Cité de l'emploi de Belfort")
    group = reference.add_group(territory["id"], "Jeunes décrocheurs", target_per_year=60)
    other = reference.add_group(territory["id"], "Diplômés", target_per_year=20)
    copilot = reference.add_user("Co-pilote Mission locale", "copilot", territory["id"], [group["id"]])
    referent = reference.add_user("Référente Unis-Cité", "referent", territory["id"], [group["id"]])
    admin = reference.add_user("Coordination", "admin", territory["id"])
    return {"territory": territory, "group": group, "other_group": other, "copilot": copilot,
            "referent": referent, "admin": admin}
