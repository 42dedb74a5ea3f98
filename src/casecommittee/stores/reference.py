"""Reference data set up by the Cité's coordinator: territories, working groups, structures.

Plain SQLAlchemy rows (they are settings, not a history to replay). Ids are UUID strings.
"""

import uuid

from sqlalchemy import JSON, Column, ForeignKey, Integer, Table, bindparam, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..db import CleanText, metadata
from ..domain.rules import DEFAULT_STALLED_AFTER_DAYS

territories = Table(
    "territories", metadata,
    Column("id", CleanText(36), primary_key=True),
    Column("name", CleanText(200), nullable=False, unique=True),
)

groups = Table(
    "groups", metadata,
    Column("id", CleanText(36), primary_key=True),
    Column("territory_id", CleanText(36), ForeignKey("territories.id"), nullable=False),
    Column("name", CleanText(200), nullable=False),
    Column("target_per_year", Integer, nullable=False),
    Column("stalled_after_days", Integer, nullable=False, default=DEFAULT_STALLED_AFTER_DAYS),
)

structures = Table(
    "structures", metadata,
    Column("id", CleanText(36), primary_key=True),
    Column("territory_id", CleanText(36), ForeignKey("territories.id"), nullable=False),
    Column("name", CleanText(200), nullable=False),
    Column("kind", CleanText(32), nullable=False),
)

users = Table(
    "users", metadata,
    Column("id", CleanText(36), primary_key=True),
    Column("name", CleanText(200), nullable=False),
    Column("role", CleanText(32), nullable=False),
    Column("territory_id", CleanText(36), ForeignKey("territories.id"), nullable=True),
    Column("group_ids", JSON, nullable=False, default=list),
    Column("structure_id", CleanText(36), ForeignKey("structures.id"), nullable=True),
)


class AlreadyRecorded(Exception):
    """A row with the same unique value (a territory's name, an id) is already recorded."""


class ReferenceData:
    """Creates and reads territories, groups, structures and users."""

    #: At most this many users' names kept in memory; emptied when full.
    max_names = 10_000

    def __init__(self, engine: Engine):
        self.engine = engine
        #: user id → name, as read (`user_name`): a user's name is set when the user is added
        #: and never changed (no route, page or command changes it), nor is a user deleted.
        self._names: dict[str, str] = {}

    def _insert(self, table: Table, **values) -> dict:
        values.setdefault("id", str(uuid.uuid4()))
        try:
            with self.engine.begin() as conn:
                conn.execute(table.insert().values(**values))
        except IntegrityError as error:
            raise AlreadyRecorded(str(error.orig)) from error
        return values

    def add_territory(self, name: str, id: str | None = None) -> dict:
        """A new territory (one Cité de l'emploi)."""
        return self._insert(territories, name=name, **({"id": id} if id else {}))

    def add_group(
        self, territory_id: str, name: str, target_per_year: int,
        stalled_after_days: int = DEFAULT_STALLED_AFTER_DAYS, id: str | None = None,
    ) -> dict:
        """A new working group (groupe de travail par public prioritaire)."""
        return self._insert(
            groups, territory_id=territory_id, name=name, target_per_year=target_per_year,
            stalled_after_days=stalled_after_days, **({"id": id} if id else {}),
        )

    def add_structure(self, territory_id: str, name: str, kind: str, id: str | None = None) -> dict:
        """A new partner structure (Mission locale, PLIE, association…)."""
        return self._insert(
            structures, territory_id=territory_id, name=name, kind=kind, **({"id": id} if id else {})
        )

    def add_user(
        self, name: str, role: str, territory_id: str | None = None,
        group_ids: list[str] | None = None, structure_id: str | None = None, id: str | None = None,
    ) -> dict:
        """A new user (referent, co-pilot, auditor, admin)."""
        return self._insert(
            users, name=name, role=role, territory_id=territory_id, group_ids=group_ids or [],
            structure_id=structure_id, **({"id": id} if id else {}),
        )

    def change_user(self, user_id: str, **values) -> dict | None:
        """Changes a user's role, territory, groups or structure; the user as changed (None for
        an unknown id)."""
        with self.engine.begin() as conn:
            changed = conn.execute(users.update().where(users.c.id == user_id).values(**values))
        self._names.pop(user_id, None)
        return self.get(users, user_id) if changed.rowcount else None

    def rows(self, table: Table, **where) -> list[dict]:
        """Every row of a table matching the given column values, as dicts."""
        query = select(table)
        for column, value in where.items():
            if value is not None:
                query = query.where(table.c[column] == value)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query.order_by(table.c.id))]

    def get(self, table: Table, id: str) -> dict | None:
        """One row by id, or None."""
        with self.engine.connect() as conn:
            found = conn.execute(_BY_ID[table.name], {"id": id}).first()
        return dict(found._mapping) if found is not None else None

    def user_name(self, user_id: str) -> str | None:
        """A user's name (None for an unknown id): what a pathway's answer shows of its referent.
        Read once per process and user (a step write's answer read it each time: ~0.1 ms of
        a write's CPU, bench/README.md); an unknown id is read again each time."""
        name = self._names.get(user_id)
        if name is None:
            with self.engine.connect() as conn:
                name = conn.execute(_USER_NAME, {"id": user_id}).scalar()
            if name is not None:
                if len(self._names) >= self.max_names:
                    self._names.clear()
                self._names[user_id] = name
        return name


#: One row by id, per table: built once (a write's answer and checks read a few per request).
_BY_ID = {table.name: select(table).where(table.c.id == bindparam("id"))
          for table in (territories, groups, structures, users)}
_USER_NAME = select(users.c.name).where(users.c.id == bindparam("id"))
