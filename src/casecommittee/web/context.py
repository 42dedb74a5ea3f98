"""The one way into the app and the request: `web()` (the system and the web's own stores,
for the lifetime of the app) and `current_principal()` (the caller of the request)."""

from dataclasses import dataclass

from flask import current_app, g

from ..bootstrap import System
from ..queries.statistics import StatisticsCache
from ..stores.access_log import AccessLog
from ..stores.auth import Principal, Tokens
from .pseudonyms import Pseudonyms


@dataclass
class WebContext:
    """The system plus tokens, access log, pseudonyms and a statistics cache."""

    system: System
    tokens: Tokens
    access_log: AccessLog
    pseudonyms: Pseudonyms
    #: Statistics documents per (query, day, projection position) for this process.
    statistics: StatisticsCache

    @classmethod
    def of(cls, system: System) -> "WebContext":
        """The web stores on the system's engine."""
        key = system.settings.resolved_key("personal_data_key", "personal-data.key")
        return cls(system, Tokens(system.engine), AccessLog(system.engine),
                   Pseudonyms(key), StatisticsCache())


def web() -> WebContext:
    """The current app's web context (the one way to the system and the web's stores)."""
    return current_app.extensions["casecommittee"]


def current_principal() -> Principal | None:
    """The caller of the current request (None on the public paths): the one way to it."""
    return g.principal


def set_principal(principal: Principal | None) -> None:
    """Remembers the caller of the current request (`security.authenticate` does it first)."""
    g.principal = principal
