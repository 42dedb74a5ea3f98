"""The PostgreSQL event store: eventsourcing's, with every libpq option of the configured URL,
and psycopg preparing statements only where the library asks for it.

eventsourcing.postgres takes a database, host, port, user and password; a URL may also carry
options for libpq (`sslmode`, `sslrootcert`, `application_name`…). This factory hands them to
the connection pool as well, so the event store connects exactly as the read models do.

psycopg prepares a statement on the server implicitly, on its sixth execution on a connection.
Inside a pipeline — eventsourcing saves in one: the save's snapshots, the table lock, NOTIFY,
the events' INSERT — psycopg (3.3.9) records that preparation as done before the server has
answered, and never checks it. When a statement before it fails (a concurrent writer of the
same pathway inserted the same snapshot first), the server skips the preparation; the library
catches the error inside its transaction, so psycopg does not roll back and forget its
statements either, and from then on every save on that connection fails with `prepared
statement "_pg3_…" does not exist` (tests/test_concurrent_saves.py, bench/README.md "threads").
A statement the library asks to prepare (`prepare=True`: its reads of an aggregate and of the
log, its table lock) is prepared on first use, and that preparation psycopg does check against
the server's answer: those stay prepared, the others are never prepared.
"""

import json
import sys

from eventsourcing.postgres import PostgresFactory

#: The environment key (JSON object) of the extra libpq connection options.
LIBPQ_OPTIONS = "LIBPQ_OPTIONS"

#: psycopg's `prepare_threshold` of the event store's connections: executions never reach it,
#: so no statement is prepared implicitly (None would also drop the library's `prepare=True`).
NEVER_IMPLICITLY = sys.maxsize


class ConfiguredPostgresFactory(PostgresFactory):
    """eventsourcing's PostgreSQL factory whose connections also get the URL's query options,
    and prepare only the statements the library asks to prepare (see the module docstring)."""

    def __init__(self, env):
        super().__init__(env)
        options = json.loads(self.env.get(LIBPQ_OPTIONS) or "{}")
        self.datastore.pool.kwargs.update(options, prepare_threshold=NEVER_IMPLICITLY)
