"""axe-core on the evaluator's replay report with differences (their territory's listed, the
others counted) and on the coordinator's page while the read models are stopped."""

from sqlalchemy import update

from casecommittee.projections.pathways import pathway_rows
from casecommittee.projections.stalls import record_stall

from ..conftest import a_territory, password_of
from .conftest import check_accessibility, sign_in


def test_the_replay_report_with_differences_passes_axe(page, signed_in, system):
    made = a_territory(signed_in)
    with system.engine.begin() as conn:  # Belfort's pathway drifts from the log
        conn.execute(update(pathway_rows).where(pathway_rows.c.pathway_id == made["pathway"])
                     .values(stage="exited"))
    for evaluator, shown in (("auditor", "1 différence(s) trouvée(s) sur votre territoire"),
                             ("auditor_brest", "1 autre(s) différence(s) hors de votre territoire")):
        page.context.clear_cookies()
        sign_in(page, evaluator, password_of(evaluator))
        page.goto("/audit/rejeu")
        page.get_by_role("button", name="Lancer la vérification").click()
        page.wait_for_load_state()
        assert shown in page.get_by_role("status").inner_text()
        check_accessibility(page)


def test_the_coordinator_s_page_with_a_stall_passes_axe(page, system):
    record_stall(system.engine, system.projections.name, system.projections.position(),
                 ValueError("valeur refusée"), system.clock)
    sign_in(page, "admin", password_of("admin"))
    page.goto("/administration/")
    assert "Tableaux de bord arrêtés" in page.get_by_role("alert").inner_text()
    check_accessibility(page)
