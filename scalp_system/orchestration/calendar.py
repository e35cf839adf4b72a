"""Trading calendar: configured MOEX sessions (Moscow time) and the broker's trading status.

Entries are allowed only inside a session and in a status that admits limit orders
(NORMAL_TRADING, or DEALER_NORMAL_TRADING when enabled); positions are flattened
``strategy.flatten_before_close_s`` before a session ends.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from scalp_system.config import SessionsConfig
from scalp_system.core.clock import NS_PER_S

NORMAL_TRADING = 5
DEALER_NORMAL_TRADING = 14


def _parse(hhmm: str) -> time:
    hours, minutes = hhmm.split(":")
    return time(int(hours), int(minutes))


class TradingCalendar:
    """Answers "is this a trading moment?" and "is the session about to close?"."""

    def __init__(self, sessions: SessionsConfig, *, allow_dealer: bool = False) -> None:
        self._config = sessions
        self._zone = ZoneInfo(sessions.timezone)
        windows = [sessions.main] + ([sessions.evening] if sessions.evening_enabled else [])
        self._windows = [(_parse(start), _parse(end)) for start, end in windows]
        self._allowed_status = {NORMAL_TRADING} | ({DEALER_NORMAL_TRADING} if allow_dealer else set())

    def _local(self, ts_ns: int) -> datetime:
        return datetime.fromtimestamp(ts_ns / NS_PER_S, tz=UTC).astimezone(self._zone)

    def session_end_ns(self, ts_ns: int) -> int | None:
        """End of the session containing ``ts_ns`` (UTC ns), or None outside every session."""
        if not self._config.enforce:
            return None
        local = self._local(ts_ns)
        if local.weekday() >= 5:
            return None
        for start, end in self._windows:
            if start <= local.time() < end:
                end_dt = datetime.combine(local.date(), end, tzinfo=self._zone)
                return int(end_dt.timestamp() * NS_PER_S)
        return None

    def in_session(self, ts_ns: int) -> bool:
        """True inside a configured session (always true when enforcement is off)."""
        return not self._config.enforce or self.session_end_ns(ts_ns) is not None

    def closing(self, ts_ns: int, margin_s: float) -> bool:
        """True in the last ``margin_s`` seconds of a session, or outside sessions (flatten time)."""
        if not self._config.enforce:
            return False
        end = self.session_end_ns(ts_ns)
        return end is None or end - ts_ns <= int(margin_s * NS_PER_S)

    def status_allows_entries(self, status: int | None) -> bool:
        """A broker trading status that admits limit orders (unknown status: allowed until told)."""
        return status is None or status in self._allowed_status
