"""Accounts of the local exchange: cash, positions, blocked funds, commission and PnL, all exact.

Sandbox-style: an account is opened empty and funded with pay-ins (RUB). Every fill moves cash by
its value (price × lots × lot × point value; futures are treated as fully funded, without variation
margin or initial-margin accounting) and by its commission. Commission of a fill is
``commission_rate × fill value``, rounded half-up to whole kopecks per fill (so the sum over an
order's fills can differ by under a kopeck per fill from the rate applied to the order total —
exactly what a broker statement shows). Working buy orders block cash for their remaining lots
at their limit price plus commission; working sells block lots. Realised PnL excludes commission,
which is accumulated separately.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from scalp_system.core.instrument import Instrument, InstrumentKind
from scalp_system.core.orders import Position, Side
from scalp_system.exchange.errors import ExchangeReject, RejectCode
from scalp_system.exchange.reports import (
    AccountInfo,
    PortfolioLine,
    PortfolioView,
    PositionsView,
    PositionView,
)

KOPECK = Decimal("0.01")
_ACCOUNT_NAMESPACE = uuid.UUID("6f1d2c3e-5a4b-4c7d-9e8f-0a1b2c3d4e5f")


def commission_for(value: Decimal, rate: Decimal) -> Decimal:
    """Commission of one fill of ``value`` money: ``|value| × rate`` rounded half-up to kopecks."""
    return (abs(value) * rate).quantize(KOPECK, rounding=ROUND_HALF_UP)


def units_per_lot(instrument: Instrument) -> Decimal:
    """Money per one price unit per lot: lot size × point value."""
    return instrument.lot * instrument.point_value


@dataclass(slots=True)
class Account:
    """One account's mutable state (owned by ``AccountBook``)."""

    account_id: str
    name: str
    opened_ns: int
    currency: str = "rub"
    cash: Decimal = Decimal(0)
    blocked_cash: Decimal = Decimal(0)
    positions: dict[str, Position] = field(default_factory=dict)
    blocked_lots: dict[str, int] = field(default_factory=dict)

    @property
    def free_cash(self) -> Decimal:
        """Cash not blocked by working buy orders."""
        return self.cash - self.blocked_cash

    def position(self, instrument_uid: str) -> Position:
        """The position in one instrument (flat when never traded)."""
        return self.positions.get(instrument_uid) or Position(instrument_uid)

    def sellable_lots(self, instrument_uid: str) -> int:
        """Long lots not already promised to working sell orders."""
        return max(self.position(instrument_uid).lots, 0) - self.blocked_lots.get(instrument_uid, 0)


class AccountBook:
    """All accounts, their cash and positions; applies fills and answers position/portfolio queries."""

    def __init__(self, commission_rate: Decimal) -> None:
        if not Decimal(0) <= commission_rate < Decimal(1):
            raise ValueError(f"commission rate must be in [0, 1), got {commission_rate}")
        self.commission_rate = commission_rate
        self._accounts: dict[str, Account] = {}

    def open(self, name: str, ts_ns: int) -> str:
        """Open an empty account; ids are deterministic UUIDs (the n-th account of a run)."""
        account_id = str(uuid.uuid5(_ACCOUNT_NAMESPACE, f"account-{len(self._accounts) + 1}"))
        self._accounts[account_id] = Account(account_id, name, ts_ns)
        return account_id

    def get(self, account_id: str) -> Account:
        """The account, or ExchangeReject 50004 when unknown."""
        account = self._accounts.get(account_id)
        if account is None:
            raise ExchangeReject(RejectCode.ACCOUNT_NOT_FOUND, f"account {account_id!r} not found")
        return account

    def accounts(self) -> list[AccountInfo]:
        """Every open account, in opening order."""
        return [AccountInfo(a.account_id, a.name, a.opened_ns) for a in self._accounts.values()]

    def pay_in(self, account_id: str, amount: Decimal, currency: str = "rub") -> Decimal:
        """Add money (RUB only, positive); returns the new cash balance."""
        account = self.get(account_id)
        if currency.lower() != account.currency:
            raise ValueError(f"pay-in is {account.currency.upper()} only, got {currency!r}")
        if amount <= 0:
            raise ValueError(f"pay-in amount must be positive, got {amount}")
        account.cash += amount
        return account.cash

    def commission(self, value: Decimal) -> Decimal:
        """Commission of one fill of ``value`` at this book's rate."""
        return commission_for(value, self.commission_rate)

    def buy_cost(self, instrument: Instrument, fills: list[tuple[Decimal, int]]) -> Decimal:
        """Cash a buy needs for the given (price, lots) executions, commission included."""
        per_lot = units_per_lot(instrument)
        total = Decimal(0)
        for price, lots in fills:
            value = price * lots * per_lot
            total += value + self.commission(value)
        return total

    def check_buy(self, account: Account, cost: Decimal) -> None:
        """Reject 30034 when free cash does not cover ``cost``."""
        if cost > account.free_cash:
            raise ExchangeReject(
                RejectCode.NOT_ENOUGH_BALANCE, f"not enough balance: need {cost}, free {account.free_cash}"
            )

    def check_sell(self, account: Account, instrument: Instrument, lots: int, price: Decimal) -> None:
        """Reject 30042 when the sell exceeds the sellable position and shorting is not allowed (or
        the short part's notional is not covered by free cash)."""
        short_lots = lots - max(account.sellable_lots(instrument.uid), 0)
        if short_lots <= 0:
            return
        if not instrument.short_enabled:
            raise ExchangeReject(
                RejectCode.NOT_ENOUGH_ASSETS,
                f"not enough assets: {instrument.ticker} sellable "
                f"{max(account.sellable_lots(instrument.uid), 0)} lots, asked {lots}",
            )
        collateral = price * short_lots * units_per_lot(instrument)
        if collateral > account.free_cash:
            raise ExchangeReject(
                RejectCode.NOT_ENOUGH_ASSETS,
                f"not enough assets for a margin trade: short {short_lots} lots of "
                f"{instrument.ticker} needs {collateral}, free {account.free_cash}",
            )

    def apply_fill(
        self, account: Account, instrument: Instrument, side: Side, lots: int, price: Decimal
    ) -> Decimal:
        """Move cash and the position by one fill; returns the fill's commission."""
        per_lot = units_per_lot(instrument)
        value = price * lots * per_lot
        fee = self.commission(value)
        account.cash -= side.sign * value + fee
        account.positions[instrument.uid] = account.position(instrument.uid).apply_fill(
            side, lots, price, per_lot, fee
        )
        return fee

    def positions_view(self, account: Account, instruments: dict[str, Instrument]) -> PositionsView:
        """GetPositions for one account (flat positions left out)."""
        lines = []
        for uid, pos in account.positions.items():
            if pos.lots == 0 and not account.blocked_lots.get(uid):
                continue
            inst = instruments[uid]
            lines.append(
                PositionView(
                    uid,
                    pos.lots,
                    inst.lot * pos.lots,
                    pos.avg_price,
                    pos.realized_pnl,
                    pos.commission_paid,
                    account.blocked_lots.get(uid, 0),
                )
            )
        return PositionsView(
            account.account_id, account.currency, account.free_cash, account.blocked_cash, tuple(lines)
        )

    def portfolio_view(
        self, account: Account, instruments: dict[str, Instrument], last_prices: dict[str, Decimal]
    ) -> PortfolioView:
        """GetPortfolio: positions valued at last prices (average price when nothing printed yet)."""
        lines = []
        shares = futures = realized = unrealized = fees = Decimal(0)
        for uid, pos in account.positions.items():
            realized += pos.realized_pnl
            fees += pos.commission_paid
            if pos.lots == 0:
                continue
            inst = instruments[uid]
            per_lot = units_per_lot(inst)
            last = last_prices.get(uid, pos.avg_price)
            value = last * pos.lots * per_lot
            upnl = pos.unrealized_pnl(last, per_lot)
            unrealized += upnl
            is_futures = inst.kind is InstrumentKind.FUTURES
            if is_futures:
                futures += value
            else:
                shares += value
            lines.append(
                PortfolioLine(
                    uid,
                    pos.lots,
                    inst.lot * pos.lots,
                    pos.avg_price,
                    last,
                    value,
                    upnl,
                    pos.realized_pnl,
                    is_futures,
                )
            )
        return PortfolioView(
            account.account_id,
            account.currency,
            account.cash,
            tuple(lines),
            shares,
            futures,
            account.cash + shares + futures,
            realized,
            unrealized,
            fees,
        )
