"""A write that reaches the snapshot interval stores the snapshot with its events, in one
transaction: no put of its own, and a reload from it gives the pathway a full replay gives."""

from casecommittee.snapshot_recorders import takes_snapshots_with_events


def test_the_tenth_step_stores_its_snapshot_with_its_event(system, identify, log,
                                                           app_without_snapshots, monkeypatch):
    pathway = identify()
    for n in range(8):  # corrections of the identification's channel: versions 2 to 9
        log(pathway.id, "corrected", corrects_version=1,
            changes={"channel": ("event", "permanence")[n % 2]}, reason="saisie erronée")
    assert takes_snapshots_with_events(system.app.recorder)
    put = []
    monkeypatch.setattr(system.app.snapshots, "put", lambda *args, **kwargs: put.append(args))
    tenth = log(pathway.id, "committee_referral", reason="à étudier")
    assert tenth.version == 10 and put == []  # no transaction of its own
    assert [s.originator_version for s in system.app.snapshots.get(pathway.id)] == [10]
    reloaded = system.app.get_pathway(pathway.id)
    assert reloaded.state == app_without_snapshots.get_pathway(pathway.id).state == tenth.state
    assert reloaded.steps == tenth.steps


def test_a_pathway_reloads_the_same_with_the_events_applied_in_turn_as_with_the_library(
        system, identify, log):
    from eventsourcing.application import project_aggregate

    pathway = identify()
    for n in range(11):  # past a snapshot: the reload starts from it, then the later events
        log(pathway.id, "corrected", corrects_version=1,
            changes={"channel": ("event", "permanence")[n % 2]}, reason="saisie erronée")
    repository = system.app.repository
    for version in (None, 1, 7, 10, 12):
        ours = repository.get(pathway.id, version=version)
        library = repository.get(pathway.id, version=version, projector_func=project_aggregate)
        assert (ours.version, ours.state, ours.steps) == (library.version, library.state, library.steps)
    assert repository.get(pathway.id).version == 12
