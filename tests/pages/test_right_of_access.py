"""Inès comes to her referent and asks what is held about her: from her pathway page, the
referent opens « Droit d'accès : données de la personne », prints it for her (or downloads it),
and every opening is in the access log. Her group's other referent, another group's, the
evaluator and the company relations officer cannot open it; once she is erased, it says so and
holds nothing else."""

import json

from api.test_right_of_access import (
    DECISION,
    NOTE_CORRECTED,
    REFERRAL,
    RUPTURE,
    TEXTS,
    exports_logged,
    written_pathway,
)

from .conftest import a_territory


def _shows(text: str, page: str) -> bool:
    """Whether a page shows a text (as written, or HTML-escaped)."""
    return any(shown in page for shown in (text, text.replace("'", "&#39;"), text.replace("'", "&#x27;")))


def test_the_referent_prints_and_downloads_what_is_held_about_ines(
        client, as_, identified, signed_in):
    written_pathway(client, as_, identified)
    referent = signed_in("referent")

    pathway_page = referent.get(f"/parcours/{identified}").get_data(as_text=True)
    assert f'href="/parcours/{identified}/droit-d-acces"' in pathway_page
    assert "Droit d&#39;accès : données de la personne" in pathway_page or \
        "Droit d'accès : données de la personne" in pathway_page

    answer = referent.get(f"/parcours/{identified}/droit-d-acces")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "Inès Benali" in page and "02/04/2007" in page and "0600000000" in page
    assert "<strong>Demande de passage en comité</strong> — le 03/06/2026" in page
    assert "<strong>Rupture</strong> — le 20/06/2026" in page and "Motif : " in page
    assert "par un référent de la structure Mission locale" in page
    assert "Référent : Referent" in page and "Groupe de travail : Jeunes décrocheurs" in page
    assert "Niveau de qualification : infra CAP" in page and "allocataire du RSA" in page
    assert "Oui (accord donné le 01/06/2026) : votre situation peut être présentée avec votre nom en comité" in page
    for text in (REFERRAL, NOTE_CORRECTED, RUPTURE, DECISION):
        assert _shows(text, page), text
    assert "Poursuite de l&#39;accompagnement" in page or "Poursuite de l'accompagnement" in page
    assert "Lucas" not in page and "logement d" not in page
    # what article 15 also owes her: why, who reads, until when, her rights
    assert "Jusqu&#39;au 19/06/2028 au plus tard" in page or "Jusqu'au 19/06/2028 au plus tard" in page
    assert "(deux ans après la dernière étape)" in page and "réclamation à la CNIL" in page

    downloaded = referent.get(f"/parcours/{identified}/droit-d-acces.json")
    assert downloaded.status_code == 200 and downloaded.mimetype == "application/json"
    assert downloaded.headers["Content-Disposition"].startswith("attachment; filename=")
    document = json.loads(downloaded.get_data(as_text=True))
    by_api = client.get(f"/api/v1/pathways/{identified}/personal-data",
                        headers=as_("referent")).get_json()
    assert {**document, "exported_at": None} == {**by_api, "exported_at": None}

    assert exports_logged(client, as_, identified) == ["referent", "referent", "referent"]


def test_only_those_who_read_her_record_open_it(client, as_, identified, signed_in):
    written_pathway(client, as_, identified)
    url = f"/parcours/{identified}/droit-d-acces"

    colleague = signed_in("referent2")  # her group, not her referent: sees the pathway, not her
    assert "droit-d-acces" not in colleague.get(f"/parcours/{identified}").get_data(as_text=True)
    assert colleague.get(url).status_code == 403
    assert colleague.get(url + ".json").status_code == 403
    assert signed_in("referent_familles").get(url).status_code == 404
    for user in ("auditor", "cre", "admin"):
        assert signed_in(user).get(url).status_code == 403, user
    assert signed_in("copilot").get(url).status_code == 200
    assert exports_logged(client, as_, identified) == ["copilot"]


def test_once_she_is_erased_the_page_says_so_and_holds_nothing_else(
        client, as_, identified, signed_in):
    written_pathway(client, as_, identified)
    copilot = signed_in("copilot")
    copilot.get(f"/parcours/{identified}/fiche")
    erased = copilot.post(f"/parcours/{identified}/fiche", {"reason": "demande de la personne"})
    assert erased.status_code == 302

    page = copilot.get(f"/parcours/{identified}/droit-d-acces").get_data(as_text=True)
    assert "Données effacées" in page and "demande de la personne" in page
    assert "Inès" not in page and "Benali" not in page
    assert not any(_shows(text, page) for text in TEXTS)
    assert "Les étapes de votre parcours" not in page
    document = json.loads(copilot.get(f"/parcours/{identified}/droit-d-acces.json").get_data(as_text=True))
    assert document["person"] is None and document["steps"] == [] and document["decisions"] == []


def test_a_proposal_to_a_company_reads_with_the_company_s_name(signed_in):
    made = a_territory(signed_in)
    referent = signed_in("referent")
    proposed = referent.post(f"/parcours/{made['pathway']}/etapes/proposed_to_company", {
        "occurred_on": "2026-06-10", "company_id": made["company"], "need_id": "vendeurs"})
    assert proposed.status_code == 302, proposed.get_data(as_text=True)

    page = referent.get(f"/parcours/{made['pathway']}/droit-d-acces").get_data(as_text=True)
    assert "<strong>Proposition à une entreprise</strong> — le 10/06/2026" in page
    assert "Boulangerie" in page and made["company"] not in page
