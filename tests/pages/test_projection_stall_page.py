"""The coordinator's page says when the read models stopped, where and why; the public health
check says only that they stopped."""

from api.conftest import IDENTIFY
from casecommittee.projections.committees import CommitteeProjector


def test_the_coordinator_reads_why_the_read_models_stopped(client, as_, system, signed_in,
                                                            monkeypatch):
    admin = signed_in("admin")
    assert "Tableaux de bord arrêtés" not in admin.get("/administration/").get_data(as_text=True)

    def broken(self, conn, event):
        raise ValueError("valeur refusée : « Inès Benali »")

    monkeypatch.setattr(CommitteeProjector, "apply", broken)
    assert client.post("/api/v1/committees", headers=as_("copilot"), json={
        "group_id": "g-jeunes", "kind": "orientation", "held_on": "2026-07-10"}).status_code == 201
    assert client.post("/api/v1/pathways", json=IDENTIFY, headers=as_("referent")).status_code == 201
    system.projections.catch_up()

    page = admin.get("/administration/").get_data(as_text=True)
    assert "Tableaux de bord arrêtés" in page and 'role="alert"' in page
    assert "ValueError: valeur refusée : « Inès Benali »" in page
    failed = system.projections.stall().failed_notification
    assert f"n° {failed}" in page
    public = client.get("/api/v1/health")
    assert public.status_code == 503 and "Benali" not in public.get_data(as_text=True)

    monkeypatch.undo()
    system.projections.catch_up()
    assert "Tableaux de bord arrêtés" not in admin.get("/administration/").get_data(as_text=True)
