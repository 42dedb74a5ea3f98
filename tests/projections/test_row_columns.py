"""A pathway's row holds each value under its own column, written live and rebuilt.

The projector builds summaries and rows as plain tuples, in the order of their columns (a
rebuild makes hundreds of thousands): a value one place off would be written live and rebuilt
alike, so this reads the columns by name against what the referent logged.
"""

from datetime import date

from sqlalchemy import event, select

from casecommittee.domain.rules import validation_due_on
from casecommittee.projections.pathways import pathway_rows


def _row(system, pid) -> dict:
    with system.engine.connect() as conn:
        return dict(conn.execute(select(pathway_rows).where(pathway_rows.c.pathway_id == str(pid)))
                    .mappings().one())


def test_a_hired_persons_row_names_each_fact_where_the_lists_and_statistics_read_it(
        system, territory, referent):
    pid = referent.identifies(date(2026, 1, 5), qpv_code="QP090001", flags=["rsa", "rqth"])
    referent.orients(pid, date(2026, 1, 20))
    referent.hires(pid, date(2026, 3, 2))

    live = _row(system, pid)
    assert {name: live[name] for name in (
        "group_id", "territory_id", "identified_on", "cohort_month", "cohort_quarter",
        "cohort_year", "sex", "qpv_code", "flags", "channel", "stage", "scheme",
        "first_oriented_on", "first_hired_on", "days_to_orientation", "days_to_first_hire",
        "exited_on", "exit_outcome", "first_rupture_on", "ruptures", "version",
        "summary_version", "stage_since", "consent_sharing", "follow_up_hired_on",
        "follow_up_contacts", "validation_due_on", "referral_on", "last_rupture_on",
        "last_event_on")} == {
        "group_id": territory["group_id"], "territory_id": territory["territory_id"],
        "identified_on": date(2026, 1, 5), "cohort_month": "2026-01", "cohort_quarter": "2026-Q1",
        "cohort_year": "2026", "sex": "F", "qpv_code": "QP090001", "flags": ",rqth,rsa,",
        "channel": "aller_vers", "stage": "employed",
        "scheme": "Contrat d'engagement jeune (CEJ)", "first_oriented_on": date(2026, 1, 20),
        "first_hired_on": date(2026, 3, 2), "days_to_orientation": 15, "days_to_first_hire": 56,
        "exited_on": None, "exit_outcome": None, "first_rupture_on": None, "ruptures": "[]",
        "version": 3, "summary_version": 3, "stage_since": date(2026, 3, 2),
        "consent_sharing": True, "follow_up_hired_on": date(2026, 3, 2),
        "follow_up_contacts": [], "validation_due_on": validation_due_on(date(2026, 3, 2)),
        "referral_on": None, "last_rupture_on": None, "last_event_on": date(2026, 3, 2)}
    assert live["follow_up_next_due_on"] is not None and live["follow_up_next_kind"]

    system.projections.rebuild(partitions=1)
    assert _row(system, pid) == live


def test_a_row_found_through_each_index_after_the_steps_that_move_it(system, territory, referent):
    """A write leaves out of its update the indexed columns its row holds already (SQLite
    would rewrite their index entries): each step that moves one of them — the stage, the
    first rupture, the identification's date corrected — is found through the index, by a
    process that had the pathway in memory and by one that had not, as a rebuild writes it."""
    pids = [referent.identifies(date(2026, 1, 5)), referent.identifies(date(2026, 1, 5))]
    for n, pid in enumerate(pids):
        if n:  # the second pathway is projected by a process that does not hold it in memory
            system.projections.projector.forget()
        referent.orients(pid, date(2026, 1, 20))
        if n:
            system.projections.projector.forget()
        referent.logs(pid, "rupture", date(2026, 2, 3), scope="pathway", kind="abandon",
                      initiated_by="beneficiary")
        if n:
            system.projections.projector.forget()
        referent.logs(pid, "corrected", date(2026, 2, 4), corrects_version=1,
                      changes={"occurred_on": date(2026, 1, 2)}, reason="erreur de saisie")

    def found_by(column, value) -> set[str]:
        with system.engine.connect() as conn:
            return set(conn.execute(select(pathway_rows.c.pathway_id)
                                    .where(pathway_rows.c[column] == value)).scalars())

    ids = {str(pid) for pid in pids}
    live = {pid: _row(system, pid) for pid in pids}
    assert {(row["stage"], row["identified_on"], row["first_rupture_on"]) for row in live.values()} \
        == {(live[pids[0]]["stage"], date(2026, 1, 2), date(2026, 2, 3))}
    assert found_by("identified_on", date(2026, 1, 2)) == ids
    assert not found_by("identified_on", date(2026, 1, 5))
    assert found_by("first_rupture_on", date(2026, 2, 3)) == ids
    assert ids <= found_by("stage", live[pids[0]]["stage"])
    assert found_by("group_id", territory["group_id"]) >= ids

    system.projections.rebuild(partitions=1)
    assert {pid: _row(system, pid) for pid in pids} == live


def test_a_step_that_moves_no_indexed_value_updates_the_row_without_its_indexed_columns(
        system, territory, referent):
    """A follow-up contact moves neither the stage, the group, the territory, the date of
    identification nor the first rupture: its update of the row names none of them, so
    SQLite leaves the four indexes' entries (and their pages) alone."""
    pid = referent.identifies(date(2026, 1, 5))
    referent.hires(pid, date(2026, 3, 2))
    statements = []

    def traced(conn, cursor, statement, *_):
        statements.append(" ".join(statement.split()))

    event.listen(system.engine, "before_cursor_execute", traced)
    try:
        system.projections.projector.forget()  # (as in a process that had not seen it)
        referent.logs(pid, "follow_up_contact", date(2026, 3, 20), contacted="beneficiary",
                      status="fine")
    finally:
        event.remove(system.engine, "before_cursor_execute", traced)
    updates = [s for s in statements if s.startswith("UPDATE pathway_rows SET")]
    assert len(updates) == 1
    named = {part.split("=")[0].strip() for part in updates[0].split(" WHERE ")[0]
             .removeprefix("UPDATE pathway_rows SET ").split(",")}
    assert {"version", "recorded_at", "follow_up_contacts", "last_event_on"} <= named
    assert not named & {"stage", "group_id", "territory_id", "identified_on", "first_rupture_on"}
    assert _row(system, pid)["follow_up_contacts"] == ["2026-03-20"]
