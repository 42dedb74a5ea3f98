"""Importing a partner's spreadsheet, measured against the API's own identification writes in
the same run, on the same store kind (issue 16's limits):

- a file of 5,000 rows previews (upload, every row checked, duplicates looked up) in < 10 s;
- the import job identifies at no less than half the rate of `POST /api/v1/pathways`.

    python bench/import_rows.py                  # 5,000 rows, SQLite in a scratch directory
    python bench/import_rows.py --rows 1000      # smaller
    CASECOMMITTEE_DATABASE_URL=postgresql://… CASECOMMITTEE_CIPHER_KEY=… \\
      CASECOMMITTEE_PERSONAL_DATA_KEY=… CASECOMMITTEE_IDENTITY_INDEX_KEY=… \\
      python bench/import_rows.py                # on an empty PostgreSQL database

Both writers go through the same store with inline projections (the embedded service's mode);
the API's rate is measured on `--api-writes` identifications of other people first.
"""

import argparse
import csv
import io
import json
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from casecommittee.bootstrap import bootstrap
from casecommittee.clock import FixedClock
from casecommittee.config import Settings
from casecommittee.imports import service
from casecommittee.stores.auth import Tokens, user_principal
from casecommittee.web import create_app

TODAY = date(2026, 11, 23)
HEADERS = ["nom", "prenom", "date_naissance", "telephone", "date_reperage", "canal", "sexe",
           "niveau_qualification", "publics", "consentement", "date_consentement"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
        "Moreau", "Benali", "Haddad", "Nguyen", "Traoré", "Diallo", "Lefèvre", "Garcia", "Rousseau"]
FIRST = ["Inès", "Yanis", "Léa", "Lucas", "Chloé", "Hugo", "Manon", "Adam", "Jade", "Louis",
         "Sarah", "Nathan", "Éloïse", "Rayan", "Camille", "Mohamed", "Zoé", "Enzo"]


def log(message: str) -> None:
    """Progress on stderr, so stdout stays the report."""
    print(message, file=sys.stderr, flush=True)


def _person(rng: random.Random, n: int) -> tuple[str, str, date]:
    born = date(1970, 1, 1) + timedelta(days=rng.randrange(0, 365 * 36))
    return f"{rng.choice(LAST)}-{n}", rng.choice(FIRST), born


def spreadsheet(rows: int, seed: int = 16) -> bytes:
    """A partner's CSV (`;`, UTF-8 with BOM) of `rows` different people."""
    rng = random.Random(seed)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    for n in range(rows):
        last, first, born = _person(rng, n)
        seen = TODAY - timedelta(days=rng.randrange(1, 300))
        writer.writerow([last, first, born.strftime("%d/%m/%Y"), "06 12 34 56 78",
                         seen.strftime("%d/%m/%Y"), rng.choice(["aller-vers", "permanence"]),
                         rng.choice(["femme", "homme"]), rng.choice(["infra CAP", "bac", ""]),
                         rng.choice(["", "allocataire du RSA"]), "oui", seen.strftime("%d/%m/%Y")])
    return out.getvalue().encode("utf-8")


def _settings(data_dir: Path) -> Settings:
    env = {k: v for k, v in os.environ.items() if k.startswith("CASECOMMITTEE_")}
    env.setdefault("CASECOMMITTEE_DATA_DIR", str(data_dir))
    env["CASECOMMITTEE_IMPORT_MAX_BYTES"] = str(50 * 1024 * 1024)
    return Settings.from_env(env)


def main() -> None:
    """Measures and prints the report (JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--api-writes", type=int, default=300)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        system = bootstrap(_settings(Path(scratch) / "var"), clock=FixedClock(TODAY),
                           inline_projections=True)
        ref = system.reference
        ref.add_territory("Cité de l'emploi de Belfort", id="t-belfort")
        ref.add_group("t-belfort", "Jeunes décrocheurs", 25, id="g-jeunes")
        ref.add_structure("t-belfort", "Mission locale", "mission_locale", id="s-ml")
        ref.add_user("Camille", "referent", "t-belfort", ["g-jeunes"], "s-ml", id="referent")
        token = Tokens(system.engine).issue("referent")
        client = create_app(system, {"TESTING": True}).test_client()
        headers = {"Authorization": f"Bearer {token}"}

        log(f"API: {args.api_writes} identifications…")
        rng = random.Random(1)
        started = time.perf_counter()
        for n in range(args.api_writes):
            last, first, born = _person(rng, 10_000_000 + n)
            answer = client.post("/api/v1/pathways", headers=headers, json={
                "group_id": "g-jeunes", "identified_on": "2026-06-01", "channel": "aller_vers",
                "person": {"first_name": first, "last_name": last, "birth_date": born.isoformat(),
                           "phone": "06 12 34 56 78"},
                "profile": {"sex": "F", "qualification_level": "bac", "flags": ["rsa"]},
                "consent": {"committee_sharing": True, "given_on": "2026-06-01"}})
            assert answer.status_code == 201, answer.get_json()
        api_seconds = time.perf_counter() - started
        api_rate = args.api_writes / api_seconds

        data = spreadsheet(args.rows)
        principal = user_principal(system.engine, "referent")
        log(f"preview of {args.rows} rows ({len(data) // 1024} KiB)…")
        started = time.perf_counter()
        import_id = service.upload(system, principal, data, group_id="g-jeunes",
                                   structure_id="s-ml")
        preview = service.preview(system, principal, import_id)
        preview_seconds = time.perf_counter() - started
        assert preview["counts"]["ok"] == args.rows, preview["counts"]

        log("import job…")
        service.confirm(system, principal, import_id, {})
        started = time.perf_counter()
        report = service.run(system, import_id)
        import_seconds = time.perf_counter() - started
        assert report["created"] == args.rows, {k: report[k] for k in ("created", "refused")}
        import_rate = args.rows / import_seconds
        system.close()

    result = {
        "store": system.settings.store_kind, "rows": args.rows,
        "preview_seconds": round(preview_seconds, 2), "preview_limit_seconds": 10,
        "api_identifications_per_second": round(api_rate, 1),
        "import_rows_per_second": round(import_rate, 1),
        "import_to_api_ratio": round(import_rate / api_rate, 2), "ratio_floor": 0.5,
        "ok": preview_seconds < 10 and import_rate >= api_rate / 2,
    }
    print(json.dumps(result, indent=2))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
