"""Les immersions enregistrées avant l'objectif : version 1 of `ImmersionStarted` had no
`objective`; reading such an event upcasts it to a discovery immersion ("discover")."""

from datetime import date

from eventsourcing.persistence import StoredEvent

from casecommittee.domain.pathway import Pathway


def _decode(app, stored: StoredEvent) -> dict:
    state = stored.state
    if app.mapper.cipher:
        state = app.mapper.cipher.decrypt(state)
    if app.mapper.compressor:
        state = app.mapper.compressor.decompress(state)
    return app.mapper.transcoder.decode(state)


def _encode(app, state: dict) -> bytes:
    data = app.mapper.transcoder.encode(state)
    if app.mapper.compressor:
        data = app.mapper.compressor.compress(data)
    if app.mapper.cipher:
        data = app.mapper.cipher.encrypt(data)
    return data


def test_une_immersion_enregistree_en_version_1_se_relit_comme_une_decouverte(
    system, identify, log, pmsmp, app_without_snapshots
):
    app = system.app
    pathway = identify(date(2024, 3, 4))
    log(pathway.id, "oriented", date(2024, 3, 18), scheme="PLIE")

    # The event as the aggregate would record it today (version 2, objective "confirm")...
    pathway = app.get_pathway(pathway.id)
    pathway.record("immersion_started", occurred_on=date(2024, 4, 2), actor=pathway.steps[0].actor,
                   today=date(2024, 4, 2), **pmsmp(date(2024, 4, 12), objective="confirm"))
    (event,) = pathway.collect_events()
    assert isinstance(event, Pathway.ImmersionStarted)
    current = app.mapper.to_stored_event(event)
    v2_state = _decode(app, current)
    assert v2_state["class_version"] == 2 and v2_state["objective"] == "confirm"

    # ...written as the first release stored it: no objective, no class_version (i.e. 1).
    v1_state = {k: v for k, v in v2_state.items() if k not in ("objective", "class_version")}
    v1 = StoredEvent(originator_id=current.originator_id,
                     originator_version=current.originator_version,
                     topic=current.topic, state=_encode(app, v1_state))
    app.recorder.insert_events([v1])
    (stored,) = app.recorder.select_events(pathway.id, gt=2)
    assert "objective" not in _decode(app, stored)
    assert "class_version" not in _decode(app, stored)

    for reader in (app, app_without_snapshots):
        reloaded = reader.get_pathway(pathway.id)
        assert reloaded.version == 3
        assert reloaded.state.stage == "in_immersion"
        assert reloaded.state.immersion["objective"] == "discover"
        assert reloaded.steps[-1].data["objective"] == "discover"
        assert reloaded.steps[-1].data["host"]["name"] == "Boulangerie du Lion"

    # The upcast event carries on like any other: the immersion ends and is remembered.
    ended = log(pathway.id, "immersion_ended", date(2024, 4, 12), status="completed",
                led_to_hire=False)
    assert ended.state.immersions[-1]["objective"] == "discover"
    assert ended.state.stage == "oriented"
