"""An evaluator runs the replay check from their page: it reports their territory's
differences, and of the others only how many there are."""

from sqlalchemy import update

from casecommittee.projections.pathways import pathway_rows

from .conftest import a_territory


def test_an_evaluator_s_replay_page_shows_their_territory_and_counts_the_others(
        signed_in, system, app):
    territory = a_territory(signed_in)
    with system.engine.begin() as conn:  # Belfort's pathway drifts from the log
        conn.execute(update(pathway_rows).where(pathway_rows.c.pathway_id == territory["pathway"])
                     .values(stage="exited"))
    pseudonym = app.extensions["casecommittee"].pseudonyms.of(territory["pathway"])

    belfort = signed_in("auditor").post("/audit/rejeu").get_data(as_text=True)
    assert "1 différence(s) trouvée(s) sur votre territoire" in belfort
    assert pseudonym in belfort and "valeurs différentes" in belfort and "stage" in belfort
    assert territory["pathway"] not in belfort

    brest = signed_in("auditor_brest").post("/audit/rejeu").get_data(as_text=True)
    assert "Aucune différence sur votre territoire" in brest
    assert "1 autre(s) différence(s) hors de votre territoire" in brest
    assert pseudonym not in brest and "pathway_rows" not in brest and "stage" not in brest
    assert "ce rapport ne montre que les parcours, comités et entreprises de votre territoire" in brest
