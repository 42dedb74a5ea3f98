"""The PostgreSQL event store: eventsourcing's, with every libpq option of the configured URL.

eventsourcing.postgres takes a database, host, port, user and password; a URL may also carry
options for libpq (`sslmode`, `sslrootcert`, `application_name`…). This factory hands them to
the connection pool as well, so the event store connects exactly as the read models do.
"""

import json

from eventsourcing.postgres import PostgresFactory

#: The environment key (JSON object) of the extra libpq connection options.
LIBPQ_OPTIONS = "LIBPQ_OPTIONS"


class ConfiguredPostgresFactory(PostgresFactory):
    """eventsourcing's PostgreSQL factory whose connections also get the URL's query options."""

    def __init__(self, env):
        super().__init__(env)
        options = json.loads(self.env.get(LIBPQ_OPTIONS) or "{}")
        self.datastore.pool.kwargs.update(options)
