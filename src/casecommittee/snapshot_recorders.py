"""Event-store recorders that store a save's snapshots in the save's own transaction.

The library takes an application's automatic snapshots after the save, and puts them in the
snapshot store in a transaction (and a commit) of their own. These recorders take them as a
keyword of the save (`Application.save` hands its keywords down to the recorder's
`_insert_events`, inside the transaction that inserts the events, as it does for a process
application's tracking record) and insert them with the same cursor: a write that reaches a
snapshot interval commits once. `CaseCommittee` gives them its snapshot store's recorder.
"""

from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

#: The keyword of `Application.save` that carries the stored snapshots down to the recorder.
SNAPSHOTS = "snapshots_with_events"


class SQLiteRecorderWithSnapshots(SQLiteApplicationRecorder):
    """The SQLite application recorder, inserting a save's snapshots with its events."""

    snapshots_recorder = None

    def _insert_events(self, c, stored_events, **kwargs):
        """Inserts the events, then the snapshots handed down, with the same cursor."""
        snapshots = kwargs.pop(SNAPSHOTS, None)
        notification_ids = super()._insert_events(c, stored_events, **kwargs)
        if snapshots:
            self.snapshots_recorder._insert_events(c, snapshots)
        return notification_ids


class PostgresRecorderWithSnapshots(PostgresApplicationRecorder):
    """The PostgreSQL application recorder, inserting a save's snapshots with its events.

    The snapshots go first in the save's pipeline: a concurrent writer of the same pathway
    that inserted the same snapshot makes the save fail there, before the table lock, the
    NOTIFY and the events' INSERT (why `event_store.py` lets psycopg prepare no statement
    implicitly)."""

    snapshots_recorder = None

    def _insert_events(self, curs, stored_events, **kwargs):
        """Inserts the snapshots handed down in the events' transaction (the events follow)."""
        snapshots = kwargs.pop(SNAPSHOTS, None)
        super()._insert_events(curs, stored_events, **kwargs)
        if snapshots:
            self.snapshots_recorder._insert_stored_events(curs, snapshots)


def takes_snapshots_with_events(recorder) -> bool:
    """Whether `recorder` stores snapshots handed down with the events (PostgreSQL's database
    functions insert events without calling `_insert_events`: not with them)."""
    if isinstance(recorder, SQLiteRecorderWithSnapshots):
        return True
    return (isinstance(recorder, PostgresRecorderWithSnapshots)
            and not recorder.datastore.enable_db_functions)
