"""A referent brings a partner's list in through the pages: upload, map the partner's columns,
the preview with errors and probable duplicates, a decision per row, confirm, the report."""

import io
import re

from api.spreadsheets import HEADERS, PEOPLE, csv_file, xlsx_file
from casecommittee.jobs import run_imports

from .conftest import identify_form


def _upload(b, data: bytes, filename="liste.csv", group="g-jeunes", structure="s-ml"):
    b.get("/imports/")
    return b.post("/imports/", {"group_id": group, "structure_id": structure,
                                "file": (io.BytesIO(data), filename)},
                  content_type="multipart/form-data")


def test_upload_map_preview_confirm_and_report(signed_in, system):
    referent = signed_in("referent")
    assert referent.post("/reperage", identify_form()).status_code == 302  # Inès is known
    headers = ["Nom", "Prénom", "DDN", "Tél", "Entrée", "Canal", "Sexe", "Niveau", "Publics",
               "Accord", "Le"]
    rows = [PEOPLE[0], PEOPLE[1], [*PEOPLE[2][:6], "fille", *PEOPLE[2][7:]]]
    uploaded = _upload(referent, csv_file(headers, rows))
    assert uploaded.status_code == 302, uploaded.get_data(as_text=True)
    preview_url = uploaded.headers["Location"]
    page = referent.get(preview_url).get_data(as_text=True)
    assert "Associez les colonnes obligatoires" in page and "date_reperage" in page

    mapping = {f"column-{n}": key for n, key in enumerate(
        ["nom", "prenom", "date_naissance", "telephone", "date_reperage", "canal", "sexe",
         "niveau_qualification", "publics", "consentement", "date_consentement"])}
    mapped = referent.post(preview_url + "/correspondance", mapping)
    assert mapped.status_code == 302
    page = referent.get(preview_url).get_data(as_text=True)
    assert re.search(r"<strong>1</strong> à importer,\s*<strong>1</strong> doublon\(s\) probable\(s\),"
                     r"\s*<strong>1</strong> en erreur", page), page
    assert "colonne « Sexe » : « fille » n&#39;est pas reconnu" in page
    assert "personne déjà connue dans ce groupe de travail" in page
    assert 'name="decision-2"' in page and 'name="decision-4"' not in page

    confirmed = referent.post(preview_url + "/confirmer", {"decision-2": "keep"})
    assert confirmed.status_code == 302
    report_url = confirmed.headers["Location"]
    assert "en attente de traitement" in referent.get(report_url).get_data(as_text=True)
    run_imports(system)
    report = referent.get(report_url).get_data(as_text=True)
    assert re.search(r"<strong>2</strong> créée\(s\), <strong>0</strong> mise\(s\) à jour,\s*"
                     r"<strong>0</strong> ignorée\(s\), <strong>1</strong> refusée\(s\)", report)
    assert "Sexe : « … » n&#39;est pas reconnu" in report and "fille" not in report  # kept: no value
    assert referent.get(preview_url).status_code == 302  # a confirmed import shows its report


def test_the_mapping_is_saved_for_the_partner(signed_in):
    referent = signed_in("referent")
    headers = ["Nom", "Prénom", "DDN", "Tél", "Entrée", *HEADERS[5:]]
    first = _upload(referent, csv_file(headers))
    columns = re.findall(r'<th scope="row"><label for="(column-\d+)">([^<]+)</label>',
                         referent.get(first.headers["Location"]).get_data(as_text=True))
    chosen = {field: "" for field, _header in columns}
    refused = referent.post(first.headers["Location"] + "/correspondance", chosen)
    assert refused.status_code == 422 and "colonnes obligatoires sans correspondance" in \
        refused.get_data(as_text=True)
    chosen = dict.fromkeys(chosen, "")
    keys = ["nom", "prenom", "date_naissance", "telephone", "date_reperage", *HEADERS[5:]]
    for (field, _header), key in zip(columns, keys, strict=True):
        chosen[field] = key
    assert referent.post(first.headers["Location"] + "/correspondance", chosen).status_code == 302
    second = _upload(referent, xlsx_file(headers), filename="liste.xlsx")
    page = referent.get(second.headers["Location"]).get_data(as_text=True)
    assert "<strong>3</strong> à importer" in page


def test_a_file_that_is_not_a_spreadsheet_is_refused_on_the_form(signed_in, system):
    referent = signed_in("referent")
    refused = _upload(referent, b"%PDF-1.7\n", filename="liste.pdf")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Le fichier est refusé" in page and "n&#39;est pas un tableur" in page
    missing = referent.post("/imports/", {"group_id": "g-jeunes"}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "choisissez un fichier" in missing.get_data(as_text=True)


def test_cancel_destroys_the_rows(signed_in, system):
    referent = signed_in("referent")
    uploaded = _upload(referent, csv_file())
    import_id = uploaded.headers["Location"].rsplit("/", 1)[1]
    referent.get(uploaded.headers["Location"])
    assert referent.post(uploaded.headers["Location"] + "/annuler").status_code == 302
    assert system.imports.sheet(import_id) is None
    assert referent.get(f"/imports/{import_id}/rapport").get_data(as_text=True).count("annulé")


def test_templates_download(signed_in):
    referent = signed_in("referent")
    assert referent.get("/imports/modele.xlsx").data.startswith(b"PK")
    assert referent.get("/imports/modele.csv").get_data(as_text=True).startswith("\ufeffnom;prenom")
    assert referent.get("/imports/modele.pdf").status_code == 404


def test_a_colleague_s_import_is_not_found_on_the_pages(signed_in, system):
    """Her colleague of the same group follows the link to the referent's preview: the page
    does not exist for him, and neither confirming nor cancelling it does anything."""
    referent = signed_in("referent")
    preview_url = _upload(referent, csv_file()).headers["Location"]
    import_id = preview_url.rsplit("/", 1)[1]
    for colleague in ("referent2", "copilot"):
        b = signed_in(colleague)
        for answer in (b.get(preview_url), b.get(preview_url + "/rapport"),
                       b.post(preview_url + "/correspondance", {"column-0": "nom"}),
                       b.post(preview_url + "/confirmer", {}),
                       b.post(preview_url + "/annuler", {})):
            assert answer.status_code == 404
            assert "Inès" not in answer.get_data(as_text=True)
    assert system.imports.get(import_id)["status"] == "previewed"
    assert "Inès" in referent.get(preview_url).get_data(as_text=True)
