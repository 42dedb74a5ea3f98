"""What the views share for the lifetime of the app: the system and the web's own stores."""

from dataclasses import dataclass

from ..auth import Tokens
from ..bootstrap import System
from ..queries.statistics import StatisticsCache
from ..stores.access_log import AccessLog
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
    """The current app's web context."""
    from flask import current_app

    return current_app.extensions["casecommittee"]
