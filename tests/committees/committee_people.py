"""Actors of committee scenarios: a referent who logs steps and a co-pilot who decides."""

from datetime import date


def actor(user: dict) -> dict:
    """The event actor of a user."""
    return {"user_id": user["id"], "role": user["role"], "structure_id": user.get("structure_id")}


def identify(system, user: dict, group_id: str, on: date, consent: bool = True):
    """The referent identifies someone in a group; returns the pathway id."""
    return system.app.identify(
        actor=actor(user), occurred_on=on, group_id=group_id, channel="aller_vers",
        profile={"sex": "M", "birth_year": 2006, "flags": []},
        consent={"committee_sharing": consent, "given_on": on if consent else None},
        person={"first_name": "Yanis", "last_name": "Haddad", "birth_date": "2006-05-01"},
    ).id


def log(system, user: dict, pathway_id, code: str, on: date, **fields):
    """The referent logs a step."""
    return system.app.log_step(pathway_id, code, actor=actor(user), occurred_on=on, **fields)
