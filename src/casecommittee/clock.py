"""The clock: "today" and "now" come from here, so rules and reminders are testable without sleeping."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta


class SystemClock:
    """The real time: business dates in the server's calendar, recorded times in UTC."""

    def now(self) -> datetime:
        """The current UTC time."""
        return datetime.now(UTC)

    def today(self) -> date:
        """Today's date."""
        return date.today()


@dataclass
class FixedClock:
    """A clock that stands still until told to move (tests, demo generation)."""

    current: date

    def now(self) -> datetime:
        """Noon UTC on the current day."""
        return datetime(self.current.year, self.current.month, self.current.day, 12, tzinfo=UTC)

    def today(self) -> date:
        """The current day."""
        return self.current

    def advance(self, days: int) -> None:
        """Moves the clock on by a number of days."""
        self.current += timedelta(days=days)
