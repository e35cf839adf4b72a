"""The circuit-breaker board (SPEC §1.4): every breaker's trigger, hold and reset, and the trading state.

The board knows nothing of orders or prices: the RiskEngine feeds it facts (a round trip's PnL, a
reject, a latency figure, a connectivity change, a drift status, an equity breach) and asks it
what is allowed. The trading state is derived from the holds in force: an emergency halt or a
critical drift → HALTED; a reject-rate, latency or connectivity hold → REDUCING; else ACTIVE.
Every trip, reset and state change is published as an event (``BreakerTripped``,
``BreakerReset``, ``TradingStateChanged``). Deadlines are wall-clock UTC ns, so they survive a
restart through :meth:`BreakerBoard.snapshot` / :meth:`BreakerBoard.restore`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from scalp_system.config import RiskConfig
from scalp_system.core.clock import NS_PER_S
from scalp_system.core.events import BreakerReset, BreakerTripped, TradingStateChanged
from scalp_system.core.state import BreakerKind, TradingState
from scalp_system.risk.checks import SlidingWindow

RiskEvent = BreakerTripped | BreakerReset | TradingStateChanged
NS_PER_DAY = 86_400 * NS_PER_S
MSK_OFFSET_S = 3 * 3600
_NEVER = 2**63 - 1


def trading_day_end_ns(now_ns: int, utc_offset_s: int = MSK_OFFSET_S) -> int:
    """The UTC ns at which the trading day containing ``now_ns`` ends (local midnight, MSK default)."""
    offset_ns = utc_offset_s * NS_PER_S
    return ((now_ns + offset_ns) // NS_PER_DAY + 1) * NS_PER_DAY - offset_ns


@dataclass(frozen=True, slots=True)
class Halt:
    """An emergency halt in force: why, since when, and when it lapses (the next trading day)."""

    reason: str
    breaker: BreakerKind | None
    since_ns: int
    until_ns: int


class BreakerBoard:
    """Holds, cooldowns and counters of every circuit breaker; derives the trading state."""

    def __init__(
        self, cfg: RiskConfig, emit: Callable[[RiskEvent], None], *, utc_offset_s: int = MSK_OFFSET_S
    ) -> None:
        self._cfg = cfg
        self._emit = emit
        self._utc_offset_s = utc_offset_s
        self.halt: Halt | None = None
        self.drift_halted = False
        self.reducing: dict[BreakerKind, int | None] = {}  # breaker → until ns (None: until cleared)
        self.global_cooldown_until = 0
        self.cooldowns: dict[str, int] = {}
        self.global_losses = 0
        self.losses: dict[str, int] = {}
        self.rejects = SlidingWindow(int(cfg.reject_rate_window_s * NS_PER_S))
        self.latency_last_bad_ns: int | None = None
        self.conn_down_since: int | None = None
        self.conn_endpoint = ""
        self.conn_reason = ""
        self.unavailable_count = 0
        self.stale: set[str] = set()
        # The trading state derived from the holds as of the last advance (a plain attribute: the
        # decision path reads it on every entry and order).
        self.state = TradingState.ACTIVE
        self.next_deadline_ns = _NEVER

    # --- the state ------------------------------------------------------------------------------

    def _derive(self) -> TradingState:
        if self.halt is not None or self.drift_halted:
            return TradingState.HALTED
        if self.reducing:
            return TradingState.REDUCING
        return TradingState.ACTIVE

    def _sync(self, now_ns: int, reason: str) -> None:
        current = self._derive()
        if current is not self.state:
            previous, self.state = self.state, current
            self._emit(TradingStateChanged(previous, current, reason, now_ns))
        self._recompute_deadline()

    def _recompute_deadline(self) -> None:
        deadline = _NEVER
        if self.halt is not None:
            deadline = min(deadline, self.halt.until_ns)
        for until in self.reducing.values():
            if until is not None:
                deadline = min(deadline, until)
        if BreakerKind.LATENCY in self.reducing and self.latency_last_bad_ns is not None:
            deadline = min(deadline, self.latency_last_bad_ns + int(self._cfg.latency_recover_s * NS_PER_S))
        if self.conn_down_since is not None and BreakerKind.CONNECTIVITY not in self.reducing:
            deadline = min(deadline, self.conn_down_since + int(self._cfg.connectivity_down_s * NS_PER_S) + 1)
        if self.global_cooldown_until:
            deadline = min(deadline, self.global_cooldown_until)
        for until in self.cooldowns.values():
            deadline = min(deadline, until)
        self.next_deadline_ns = deadline

    def advance(self, now_ns: int) -> None:
        """Apply every deadline that has passed: cooldown ends, timed holds, halt lapse, down timer."""
        if now_ns < self.next_deadline_ns:
            return
        if self.global_cooldown_until and now_ns >= self.global_cooldown_until:
            self.global_cooldown_until = 0
            self._emit(BreakerReset(now_ns, BreakerKind.CONSECUTIVE_LOSSES, None, "global cooldown ended"))
        for instrument_id, until in sorted(self.cooldowns.items()):
            if now_ns >= until:
                del self.cooldowns[instrument_id]
                self._emit(
                    BreakerReset(now_ns, BreakerKind.CONSECUTIVE_LOSSES, instrument_id, "cooldown ended")
                )
        reject_until = self.reducing.get(BreakerKind.REJECT_RATE)
        if reject_until is not None and now_ns >= reject_until:
            del self.reducing[BreakerKind.REJECT_RATE]
            self._emit(BreakerReset(now_ns, BreakerKind.REJECT_RATE, None, "reject-rate hold ended"))
        last_bad = self.latency_last_bad_ns
        if (
            BreakerKind.LATENCY in self.reducing
            and last_bad is not None
            and now_ns - last_bad >= int(self._cfg.latency_recover_s * NS_PER_S)
        ):
            del self.reducing[BreakerKind.LATENCY]
            self.latency_last_bad_ns = None
            self._emit(BreakerReset(now_ns, BreakerKind.LATENCY, None, "latency back under limits"))
        down_since = self.conn_down_since
        if (
            down_since is not None
            and BreakerKind.CONNECTIVITY not in self.reducing
            and now_ns - down_since > int(self._cfg.connectivity_down_s * NS_PER_S)
        ):
            self._trip_connectivity(now_ns, f"stream down > {self._cfg.connectivity_down_s:g} s")
        if self.halt is not None and now_ns >= self.halt.until_ns:
            halt, self.halt = self.halt, None
            if halt.breaker is not None:
                self._emit(BreakerReset(now_ns, halt.breaker, None, "next trading day"))
        self._sync(now_ns, "breaker deadline passed")

    # --- consecutive losses -----------------------------------------------------------------

    def record_round_trip(self, instrument_id: str, pnl: Decimal, now_ns: int) -> None:
        """Count a closed round trip (net PnL): a loss adds to both streaks (per instrument and global),
        a win resets both, exactly zero changes nothing; reaching ``consecutive_losses_for_cooldown``
        starts that cooldown (and restarts its streak)."""
        limit = self._cfg.consecutive_losses_for_cooldown
        cooldown_ns = int(self._cfg.cooldown_s * NS_PER_S)
        if pnl > 0:
            self.losses[instrument_id] = 0
            self.global_losses = 0
            return
        if pnl == 0:
            return
        count = self.losses.get(instrument_id, 0) + 1
        self.global_losses += 1
        if count >= limit:
            count = 0
            until = now_ns + cooldown_ns
            self.cooldowns[instrument_id] = until
            self._emit(
                BreakerTripped(
                    now_ns,
                    BreakerKind.CONSECUTIVE_LOSSES,
                    instrument_id,
                    f"{limit} consecutive losing round trips (last {pnl})",
                    until,
                )
            )
        self.losses[instrument_id] = count
        if self.global_losses >= limit:
            self.global_losses = 0
            self.global_cooldown_until = now_ns + cooldown_ns
            self._emit(
                BreakerTripped(
                    now_ns,
                    BreakerKind.CONSECUTIVE_LOSSES,
                    None,
                    f"{limit} consecutive losing round trips across instruments",
                    self.global_cooldown_until,
                )
            )
        self._recompute_deadline()

    def cooldown_until(self, instrument_id: str | None, now_ns: int) -> int | None:
        """When the cooldown affecting entries on ``instrument_id`` ends (None: no cooldown)."""
        until = max(self.global_cooldown_until, self.cooldowns.get(instrument_id, 0) if instrument_id else 0)
        return until if until > now_ns else None

    # --- reject rate ------------------------------------------------------------------------

    def record_reject(self, now_ns: int) -> None:
        """Count a broker reject; ``reject_rate_count`` within the window → REDUCING for a while."""
        if self.rejects.add(now_ns) < self._cfg.reject_rate_count:
            return
        self.rejects.clear()
        until = now_ns + int(self._cfg.reject_reducing_s * NS_PER_S)
        self.reducing[BreakerKind.REJECT_RATE] = until
        self._emit(
            BreakerTripped(
                now_ns,
                BreakerKind.REJECT_RATE,
                None,
                f">= {self._cfg.reject_rate_count} rejects in {self._cfg.reject_rate_window_s:g} s",
                until,
            )
        )
        self._sync(now_ns, "reject rate")

    # --- latency ----------------------------------------------------------------------------

    def record_latency(self, now_ns: int, *, p99_ms: float | None = None, ack_s: float | None = None) -> None:
        """A decision-latency p99 (over the last window) or an order-ack latency measurement."""
        bad = (p99_ms is not None and p99_ms > self._cfg.latency_p99_limit_ms) or (
            ack_s is not None and ack_s > self._cfg.ack_timeout_s
        )
        if not bad:
            self.advance(now_ns)
            return
        self.latency_last_bad_ns = now_ns
        if BreakerKind.LATENCY not in self.reducing:
            self.reducing[BreakerKind.LATENCY] = None
            detail = f"decision p99 {p99_ms} ms" if p99_ms is not None else f"order ack {ack_s} s"
            self._emit(BreakerTripped(now_ns, BreakerKind.LATENCY, None, detail))
            self._sync(now_ns, "latency")
        else:
            self._recompute_deadline()

    # --- connectivity -----------------------------------------------------------------------

    def _trip_connectivity(self, now_ns: int, detail: str) -> None:
        self.reducing[BreakerKind.CONNECTIVITY] = None
        self._emit(
            BreakerTripped(
                now_ns,
                BreakerKind.CONNECTIVITY,
                None,
                f"{detail}; endpoint {self.conn_endpoint or '?'}: {self.conn_reason}",
            )
        )
        self._sync(now_ns, "connectivity")

    @property
    def connectivity_tripped(self) -> bool:
        """True while the connectivity hold is in force (until reconciliation succeeds)."""
        return BreakerKind.CONNECTIVITY in self.reducing

    def connectivity_down(self, now_ns: int, endpoint: str, reason: str) -> None:
        """A stream went down; it trips after ``connectivity_down_s`` unless it comes back."""
        if self.conn_down_since is None:
            self.conn_down_since = now_ns
        self.conn_endpoint, self.conn_reason = endpoint, reason
        self._recompute_deadline()

    def connectivity_up(self, now_ns: int) -> None:
        """The stream is back (the hold, if tripped, stays until reconciliation)."""
        self.conn_down_since = None
        self._recompute_deadline()

    def record_unavailable(self, now_ns: int, endpoint: str, reason: str) -> None:
        """A call failed with UNAVAILABLE; the ``connectivity_unavailable_count``-th in a row trips."""
        self.unavailable_count += 1
        self.conn_endpoint, self.conn_reason = endpoint, reason
        if (
            self.unavailable_count >= self._cfg.connectivity_unavailable_count
            and not self.connectivity_tripped
        ):
            self._trip_connectivity(now_ns, f"{self.unavailable_count} consecutive UNAVAILABLE")

    def record_call_succeeded(self) -> None:
        """A call succeeded: the consecutive-UNAVAILABLE count restarts."""
        self.unavailable_count = 0

    def reconciled(self, now_ns: int) -> None:
        """Reconnected, resubscribed and reconciled: the connectivity hold is lifted."""
        self.unavailable_count = 0
        self.conn_down_since = None
        if BreakerKind.CONNECTIVITY in self.reducing:
            del self.reducing[BreakerKind.CONNECTIVITY]
            self._emit(BreakerReset(now_ns, BreakerKind.CONNECTIVITY, None, "reconciled after reconnect"))
        self._sync(now_ns, "reconciled")

    # --- drift ------------------------------------------------------------------------------

    def record_drift(self, now_ns: int, level: str, critical_features: int) -> None:
        """A drift check result; "critical" on ``drift_critical_features`` or more → HALTED for entries."""
        if level != "critical" or critical_features < self._cfg.drift_critical_features:
            return
        if not self.drift_halted:
            self.drift_halted = True
            self._emit(
                BreakerTripped(
                    now_ns, BreakerKind.MODEL_DRIFT, None, f"critical drift on {critical_features} features"
                )
            )
            self._sync(now_ns, "model drift")

    def recalibrated(self, now_ns: int) -> None:
        """The model was recalibrated: the drift halt is lifted."""
        if self.drift_halted:
            self.drift_halted = False
            self._emit(BreakerReset(now_ns, BreakerKind.MODEL_DRIFT, None, "recalibrated"))
            self._sync(now_ns, "recalibrated")

    # --- emergency halt ---------------------------------------------------------------------

    def trip_halt(self, now_ns: int, breaker: BreakerKind | None, reason: str) -> bool:
        """Enter an emergency halt until the next trading day (or resume); False if already halted."""
        if self.halt is not None:
            return False
        until = trading_day_end_ns(now_ns, self._utc_offset_s)
        self.halt = Halt(reason, breaker, now_ns, until)
        if breaker is not None:
            self._emit(BreakerTripped(now_ns, breaker, None, reason, until))
        self._sync(now_ns, f"emergency halt: {reason}")
        return True

    def resume(self, now_ns: int, actor: str) -> bool:
        """Lift an emergency halt (operator, ``scalp resume``); False when none was in force."""
        if self.halt is None:
            return False
        halt, self.halt = self.halt, None
        if halt.breaker is not None:
            self._emit(BreakerReset(now_ns, halt.breaker, None, f"resumed by {actor}"))
        self._sync(now_ns, f"resumed by {actor}")
        return True

    # --- stale data events ------------------------------------------------------------------

    def mark_stale(self, instrument_id: str, now_ns: int, age_s: float) -> None:
        """Publish a stale-data trip for the instrument (once until it is fresh again)."""
        if instrument_id not in self.stale:
            self.stale.add(instrument_id)
            self._emit(
                BreakerTripped(
                    now_ns, BreakerKind.STALE_DATA, instrument_id, f"no valid book for {age_s:.1f} s"
                )
            )

    def mark_fresh(self, instrument_id: str, now_ns: int) -> None:
        """Publish the reset of a stale-data trip when a valid book arrives."""
        if instrument_id in self.stale:
            self.stale.discard(instrument_id)
            self._emit(BreakerReset(now_ns, BreakerKind.STALE_DATA, instrument_id, "valid book received"))

    # --- persistence ------------------------------------------------------------------------

    def snapshot(self) -> dict[str, object]:
        """The board's whole state, JSON-able (deadlines are wall-clock ns)."""
        halt = None
        if self.halt is not None:
            breaker = self.halt.breaker.value if self.halt.breaker else None
            halt = {
                "reason": self.halt.reason,
                "breaker": breaker,
                "since_ns": self.halt.since_ns,
                "until_ns": self.halt.until_ns,
            }
        return {
            "state": self.state.value,
            "halt": halt,
            "drift_halted": self.drift_halted,
            "reducing": {kind.value: until for kind, until in self.reducing.items()},
            "global_cooldown_until": self.global_cooldown_until,
            "cooldowns": dict(self.cooldowns),
            "global_losses": self.global_losses,
            "losses": dict(self.losses),
            "rejects": self.rejects.to_json(),
            "latency_last_bad_ns": self.latency_last_bad_ns,
            "conn_down_since": self.conn_down_since,
            "conn_endpoint": self.conn_endpoint,
            "conn_reason": self.conn_reason,
            "unavailable_count": self.unavailable_count,
            "stale": sorted(self.stale),
        }

    def restore(self, raw: dict[str, object]) -> None:
        """Load a :meth:`snapshot` (no events are published for the restored state)."""
        halt = raw.get("halt")
        if isinstance(halt, dict):
            breaker = halt.get("breaker")
            self.halt = Halt(
                str(halt["reason"]),
                BreakerKind(breaker) if breaker else None,
                int(halt["since_ns"]),
                int(halt["until_ns"]),
            )
        else:
            self.halt = None
        self.drift_halted = bool(raw.get("drift_halted", False))
        reducing = raw.get("reducing", {})
        assert isinstance(reducing, dict)
        self.reducing = {BreakerKind(k): (None if v is None else int(v)) for k, v in reducing.items()}
        self.global_cooldown_until = int(str(raw.get("global_cooldown_until", 0)))
        cooldowns = raw.get("cooldowns", {})
        assert isinstance(cooldowns, dict)
        self.cooldowns = {str(k): int(v) for k, v in cooldowns.items()}
        self.global_losses = int(str(raw.get("global_losses", 0)))
        losses = raw.get("losses", {})
        assert isinstance(losses, dict)
        self.losses = {str(k): int(v) for k, v in losses.items()}
        rejects = raw.get("rejects", [])
        assert isinstance(rejects, list)
        self.rejects.load(rejects)
        bad = raw.get("latency_last_bad_ns")
        self.latency_last_bad_ns = None if bad is None else int(str(bad))
        down = raw.get("conn_down_since")
        self.conn_down_since = None if down is None else int(str(down))
        self.conn_endpoint = str(raw.get("conn_endpoint", ""))
        self.conn_reason = str(raw.get("conn_reason", ""))
        self.unavailable_count = int(str(raw.get("unavailable_count", 0)))
        stale = raw.get("stale", [])
        assert isinstance(stale, list)
        self.stale = {str(s) for s in stale}
        self.state = TradingState(str(raw.get("state", self._derive().value)))
        self._recompute_deadline()
