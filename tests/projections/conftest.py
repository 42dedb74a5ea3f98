"""Helpers for the read-model tests: a Cité with one group, and referents who log steps."""

import pytest
from cite import Referent


@pytest.fixture
def territory(system):
    """Belfort with its "Jeunes décrocheurs" group (60 a year)."""
    reference = system.reference
    territory = reference.add_territory("Cité de l'emploi de Belfort")
    group = reference.add_group(territory["id"], "Jeunes décrocheurs", target_per_year=60)
    return {"territory_id": territory["id"], "group_id": group["id"]}


@pytest.fixture
def referent(system, territory):
    """A referent of the group."""
    return Referent(system, territory["group_id"])
