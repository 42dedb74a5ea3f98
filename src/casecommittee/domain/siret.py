"""SIRET numbers: how a host company or an employer is identified.

A SIRET is 14 digits (the 9 of the SIREN and the 5 of the establishment) whose Luhn checksum is
right. La Poste's establishments (SIREN 356 000 000) are too many for the Luhn key: INSEE numbers
them so that the sum of their digits is a multiple of 5, and both rules are accepted for them.
"""

LA_POSTE_SIREN = "356000000"


def luhn_ok(digits: str) -> bool:
    """Whether a string of digits passes the Luhn checksum."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def is_valid_siret(value: str) -> bool:
    """14 ASCII digits with a valid key (Luhn, or La Poste's sum of digits)."""
    if len(value) != 14 or not value.isascii() or not value.isdigit():
        return False
    if value.startswith(LA_POSTE_SIREN) and sum(map(int, value)) % 5 == 0:
        return True
    return luhn_ok(value)


def same_company(a: dict, b: dict) -> bool:
    """Whether two companies are the same: by SIRET when both have one, else by name."""
    if a.get("siret") and b.get("siret"):
        return a["siret"] == b["siret"]
    return (a.get("name") or "").strip().casefold() == (b.get("name") or "").strip().casefold()
