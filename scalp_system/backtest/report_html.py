"""report.html: one self-contained page a trader reads after a backtest.

Summary cards, equity and drawdown curves, PnL by instrument and by hour, fills against the book,
the trades table, latency per stage, feature importance, the breaker timeline and the reject and
denial counts. Everything is inline (CSS, a small script, SVG charts drawn in Python): the page
opens offline and references nothing outside itself. All text from the result is escaped; series
are downsampled and tables capped so the file stays small for long runs; an empty section says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from scalp_system.backtest import report_format as fmt
from scalp_system.backtest.report_assets import CSS, SCRIPT
from scalp_system.backtest.report_stats import ReportSummary, summarise
from scalp_system.backtest.report_svg import (
    MAX_MARKERS,
    Line,
    Markers,
    horizontal_bars,
    time_chart,
    timeline,
    vertical_bars,
)
from scalp_system.backtest.result import BacktestResult, FillRecord, RoundTripRecord

MAX_TABLE_ROWS = 500
TOP_FEATURES = 20
NS_PER_S = 1_000_000_000

EQUITY_COLOR = "#2563eb"
DRAWDOWN_COLOR = "#dc2626"
MID_COLOR = "#64748b"
BUY_COLOR = "#16a34a"
SELL_COLOR = "#dc2626"
BID_COLOR = "#2563eb"
ASK_COLOR = "#ea580c"
IMPORTANCE_COLOR = "#4f6bed"


@dataclass(frozen=True, slots=True)
class _Column:
    """A table column: header, numeric (right-aligned, sorts by number) or text."""

    title: str
    numeric: bool = False


@dataclass(frozen=True, slots=True)
class _Cell:
    """One table cell: escaped display HTML plus an optional raw sort value."""

    html: str
    sort: str | None = None
    css: str = ""


def render_html(result: BacktestResult) -> str:
    """The complete report page for ``result`` as one HTML string."""
    summary = summarise(result)
    page = _Page(result, summary)
    body = "".join(
        [
            page.header(),
            page.cards(),
            page.equity_section(),
            '<div class="row">',
            page.pnl_by_instrument_section(),
            page.pnl_by_hour_section(),
            "</div>",
            page.fills_section(),
            page.trades_section(),
            '<div class="row">',
            page.latency_section(),
            page.importance_section(),
            "</div>",
            page.breaker_section(),
            '<div class="row">',
            page.counts_section("Rejects", "broker rejects by reason", result.rejects, "no rejects"),
            page.counts_section("Denials", "pre-trade denials by reason code", result.denials, "no denials"),
            "</div>",
            page.details_section(),
        ]
    )
    title = "Backtest report — " + (", ".join(result.instruments) or "no instruments")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body><main>{body}<footer>scalp_system backtest report · all times UTC · self-contained, "
        f"works offline</footer></main><script>{SCRIPT}</script></body></html>\n"
    )


class _Page:
    """Builds the page's sections from one result (each method returns escaped HTML)."""

    def __init__(self, result: BacktestResult, summary: ReportSummary) -> None:
        self.result = result
        self.summary = summary
        currency = result.extra.get("currency")
        self.unit = f" {currency}" if isinstance(currency, str) and currency else ""
        span = result.end_ns - result.start_ns
        self.multi_day = span > 86400 * NS_PER_S or (
            result.start_ns // (86400 * NS_PER_S) != result.end_ns // (86400 * NS_PER_S)
        )
        self.x_range = (result.start_ns, result.end_ns) if result.end_ns > result.start_ns > 0 else None

    # ---------------------------------------------------------------- header and cards

    def header(self) -> str:
        r = self.result
        instruments = ", ".join(r.instruments) or "no instruments"
        if r.end_ns > r.start_ns > 0:
            period = (
                f"{escape(fmt.time_of_day(r.start_ns, with_date=True, with_ms=False))} → "
                f"{escape(fmt.time_of_day(r.end_ns, with_date=self.multi_day, with_ms=False))} UTC "
                f"({escape(fmt.duration(self.summary.duration_s))})"
            )
        else:
            period = "no market data replayed"
        model = escape(r.model) if r.model else "none"
        return (
            f'<header class="top"><h1>Backtest report</h1><div class="meta"><b>{escape(instruments)}</b>'
            f" · {period} · model <b>{model}</b></div></header>"
        )

    def cards(self) -> str:
        r, s, unit = self.result, self.summary, self.unit
        cards = [
            _money_card("Net PnL", r.net_pnl, unit, "after commission", signed=True),
            _money_card("Gross PnL", r.gross_pnl, unit, "realised + unrealised", signed=True),
            _money_card("Commission", r.commission, unit, f"{fmt.count(r.fills)} fills", css=""),
            _card("Orders", fmt.count(r.orders), "", _fill_ratio(r.orders, r.fills)),
            _card("Fills", fmt.count(r.fills), "", f"{fmt.count(len(r.fill_records))} recorded"),
            _card(
                "Round trips",
                fmt.count(s.round_trips),
                "",
                f"{fmt.count(s.wins)} won · {fmt.count(s.losses)} lost",
            ),
            _card(
                "Win rate",
                fmt.percent(s.win_rate) if s.win_rate is not None else "–",
                "",
                f"profit factor {_ratio(s.profit_factor)}",
            ),
            _money_card("Avg trade", s.avg_trade, unit, f"avg hold {_hold(s.avg_hold_s)}", signed=True),
            _money_card(
                "Max drawdown",
                s.max_drawdown,
                unit,
                _drawdown_share(s.max_drawdown_pct),
                css="neg" if s.max_drawdown > 0 else "",
            ),
            _card("Messages", fmt.count(r.messages), "", "book updates + trades"),
            _card(
                "Throughput",
                fmt.number(s.messages_per_s, 0) if s.messages_per_s else "–",
                "",
                f"replay {fmt.number(r.elapsed_s, 2)} s wall",
                unit="msg/s" if s.messages_per_s else "",
            ),
            _card("Model", r.model or "none", "small", f"{len(r.feature_importance)} features ranked"),
        ]
        return '<div class="cards">' + "".join(cards) + "</div>"

    # ---------------------------------------------------------------- curves

    def equity_section(self) -> str:
        points = self.result.equity
        if not points:
            return _panel("Equity and drawdown", "", _empty("no equity samples"))
        xs = [p.ts_ns for p in points]
        equity = time_chart(
            "equity",
            "Equity curve",
            [
                Line(
                    "equity" + self.unit,
                    xs,
                    [float(p.equity) for p in points],
                    EQUITY_COLOR,
                    1.8,
                    area_to=min((float(p.equity) for p in points), default=0.0),
                    step=True,
                )
            ],
            x_range=self.x_range,
            height=280,
            empty_message="no equity samples",
        )
        drawdown = time_chart(
            "drawdown",
            "Drawdown",
            [
                Line(
                    "drawdown from peak" + self.unit,
                    xs,
                    [-float(p.drawdown) for p in points],
                    DRAWDOWN_COLOR,
                    1.4,
                    area_to=0.0,
                    step=True,
                )
            ],
            x_range=self.x_range,
            height=150,
            include_zero=True,
            empty_message="no equity samples",
        )
        return _panel("Equity and drawdown", f"{fmt.count(len(points))} samples", equity + drawdown)

    # ---------------------------------------------------------------- PnL breakdowns

    def pnl_by_instrument_section(self) -> str:
        items = sorted(self.result.pnl_by_instrument.items(), key=lambda kv: kv[1], reverse=True)
        if not items:
            return _panel("PnL by instrument", "", _empty("no closed trades"))
        chart = horizontal_bars(
            "pnl-by-instrument",
            "PnL by instrument",
            [k for k, _ in items],
            [float(v) for _, v in items],
            value_format=lambda v: fmt.money(Decimal(repr(v)), signed=True),
            empty_message="no closed trades",
        )
        return _panel(
            "PnL by instrument", "closed round trips, after commission", chart + self._instrument_table()
        )

    def _instrument_table(self) -> str:
        """Per instrument: round trips, win rate, PnL, commission and lots traded."""
        trips_by: dict[str, list[RoundTripRecord]] = {}
        for trip in self.result.round_trips:
            trips_by.setdefault(trip.instrument, []).append(trip)
        if not trips_by:
            return ""
        columns = [
            _Column("Instrument"),
            _Column("Trips", True),
            _Column("Win rate", True),
            _Column("PnL", True),
            _Column("Commission", True),
            _Column("Lots", True),
        ]
        rows = []
        for ticker, trips in sorted(trips_by.items()):
            pnl = sum((t.pnl for t in trips), Decimal(0))
            commission = sum((t.commission for t in trips), Decimal(0))
            wins = sum(1 for t in trips if t.pnl > 0) / len(trips)
            lots = sum(t.lots for t in trips)
            rows.append(
                [
                    _Cell(escape(ticker)),
                    _Cell(fmt.count(len(trips)), str(len(trips))),
                    _Cell(fmt.percent(wins), repr(wins)),
                    _Cell(escape(fmt.money(pnl, signed=True)), fmt.plain_decimal(pnl), _sign_class(pnl)),
                    _Cell(escape(fmt.money(commission)), fmt.plain_decimal(commission)),
                    _Cell(fmt.count(lots), str(lots)),
                ]
            )
        return '<div class="gap"></div>' + _table(columns, rows)

    def pnl_by_hour_section(self) -> str:
        by_hour = self.result.pnl_by_hour
        if not by_hour:
            return _panel("PnL by hour", "", _empty("no closed trades"))
        hours = list(range(min(by_hour), max(by_hour) + 1))
        labels = [f"{h:02d}:00" for h in hours]
        values = [float(by_hour.get(h, Decimal(0))) for h in hours]
        chart = vertical_bars(
            "pnl-by-hour",
            "PnL by hour",
            labels,
            values,
            value_format=lambda v: fmt.money(Decimal(repr(v)), signed=True),
            empty_message="no closed trades",
        )
        return _panel("PnL by hour", "UTC hour of exit", chart)

    # ---------------------------------------------------------------- fills vs book

    def fills_section(self) -> str:
        r = self.result
        tickers = list(
            dict.fromkeys([*r.instruments, *r.mid_prices, *(f.instrument for f in r.fill_records)])
        )
        if not tickers:
            return _panel("Fills vs book", "", _empty("no market data and no fills"))
        blocks = []
        for ticker in tickers:
            fills = [f for f in r.fill_records if f.instrument == ticker]
            mids = r.mid_prices.get(ticker, [])
            blocks.append(f"<h3>{escape(ticker)}</h3>" + self._fills_chart(ticker, fills, mids))
            notes = []
            if not fills:
                notes.append("no fills")
            elif len(fills) > MAX_MARKERS:
                notes.append(
                    f"showing {fmt.count(MAX_MARKERS)} of {fmt.count(len(fills))} fills (evenly sampled)"
                )
            if not mids:
                notes.append("no mid prices recorded")
            if notes:
                blocks.append(f'<p class="note">{escape("; ".join(notes))}</p>')
        return _panel(
            "Fills vs book", "mid price; fills with the best bid and ask at the fill", "".join(blocks)
        )

    def _fills_chart(
        self, ticker: str, fills: Sequence[FillRecord], mids: Sequence[tuple[int, Decimal]]
    ) -> str:
        buys = [f for f in fills if f.side.lower() == "buy"]
        sells = [f for f in fills if f.side.lower() != "buy"]
        bids = [f for f in fills if f.best_bid is not None]
        asks = [f for f in fills if f.best_ask is not None]
        return time_chart(
            "fills-" + ticker,
            f"Fills vs book for {ticker}",
            [Line("mid", [t for t, _ in mids], [float(m) for _, m in mids], MID_COLOR, 1.2)],
            [
                Markers(
                    "best bid at fill",
                    [f.ts_ns for f in bids],
                    [float(f.best_bid or 0) for f in bids],
                    BID_COLOR,
                    "dash",
                ),
                Markers(
                    "best ask at fill",
                    [f.ts_ns for f in asks],
                    [float(f.best_ask or 0) for f in asks],
                    ASK_COLOR,
                    "dash",
                ),
                Markers(
                    "buy fill",
                    [f.ts_ns for f in buys],
                    [float(f.price) for f in buys],
                    BUY_COLOR,
                    "up",
                    [self._fill_title(f) for f in buys],
                ),
                Markers(
                    "sell fill",
                    [f.ts_ns for f in sells],
                    [float(f.price) for f in sells],
                    SELL_COLOR,
                    "down",
                    [self._fill_title(f) for f in sells],
                ),
            ],
            x_range=self.x_range,
            height=280,
            empty_message="no mid prices and no fills",
        )

    def _fill_title(self, fill: FillRecord) -> str:
        bid = fmt.plain_decimal(fill.best_bid) if fill.best_bid is not None else "–"
        ask = fmt.plain_decimal(fill.best_ask) if fill.best_ask is not None else "–"
        return (
            f"{fill.side.upper()} {fill.lots} @ {fmt.plain_decimal(fill.price)} · "
            f"{self._time(fill.ts_ns)} · bid {bid} / ask {ask} · order {fill.order_id}"
        )

    # ---------------------------------------------------------------- trades

    def trades_section(self) -> str:
        trips = self.result.round_trips
        if not trips:
            return _panel("Trades", "", _empty("no trades"))
        columns = [
            _Column("#", True),
            _Column("Instrument"),
            _Column("Side"),
            _Column("Entry (UTC)"),
            _Column("Exit (UTC)"),
            _Column("Held", True),
            _Column("Lots", True),
            _Column("Entry px", True),
            _Column("Exit px", True),
            _Column("PnL", True),
            _Column("Commission", True),
            _Column("Exit reason"),
        ]
        rows = []
        for i, t in enumerate(trips[:MAX_TABLE_ROWS], start=1):
            held_s = (t.exit_ts_ns - t.entry_ts_ns) / NS_PER_S
            side = escape(t.side)
            rows.append(
                [
                    _Cell(str(i), str(i)),
                    _Cell(escape(t.instrument)),
                    _Cell(f'<span class="tag {side.lower()}">{side}</span>', t.side),
                    _Cell(escape(self._time(t.entry_ts_ns)), str(t.entry_ts_ns)),
                    _Cell(escape(self._time(t.exit_ts_ns)), str(t.exit_ts_ns)),
                    _Cell(escape(fmt.duration(held_s)), repr(held_s)),
                    _Cell(fmt.count(t.lots), str(t.lots)),
                    _Cell(escape(fmt.plain_decimal(t.entry_price)), fmt.plain_decimal(t.entry_price)),
                    _Cell(escape(fmt.plain_decimal(t.exit_price)), fmt.plain_decimal(t.exit_price)),
                    _Cell(
                        escape(fmt.money(t.pnl, signed=True)), fmt.plain_decimal(t.pnl), _sign_class(t.pnl)
                    ),
                    _Cell(escape(fmt.money(t.commission)), fmt.plain_decimal(t.commission)),
                    _Cell(escape(t.exit_reason)),
                ]
            )
        note = _cap_note(len(trips), "trades")
        hint = f"{fmt.count(len(trips))} round trips · click a header to sort"
        return _panel("Trades", hint, _table(columns, rows, scroll=True) + note)

    # ---------------------------------------------------------------- latency and features

    def latency_section(self) -> str:
        latency = self.result.latency_us
        if not latency:
            return _panel("Latency per stage", "", _empty("no latency samples"))
        columns = [
            _Column("Stage"),
            _Column("p50", True),
            _Column("p90", True),
            _Column("p99", True),
            _Column("max", True),
            _Column("count", True),
        ]
        rows = []
        for stage, q in latency.items():
            cells = [_Cell(escape(stage))]
            for key in ("p50", "p90", "p99", "max"):
                value = q.get(key)
                cells.append(
                    _Cell(fmt.number(value, 1), repr(value)) if value is not None else _Cell("–", "0")
                )
            n = q.get("count")
            cells.append(_Cell(fmt.count(int(n)), str(int(n))) if n is not None else _Cell("–", "0"))
            rows.append(cells)
        stages = [stage for stage, q in latency.items() if q.get("p99") is not None]
        chart = horizontal_bars(
            "latency-p99",
            "p99 latency per stage",
            stages,
            [float(latency[stage]["p99"]) for stage in stages],
            value_format=lambda v: fmt.number(v, 1) + " µs",
            color="#8b5cf6",
        )
        inner = _table(columns, rows) + "<h3>p99 by stage</h3>" + chart if stages else _table(columns, rows)
        return _panel("Latency per stage", "microseconds, over the whole run", inner)

    def importance_section(self) -> str:
        ranked = sorted(self.result.feature_importance.items(), key=lambda kv: kv[1], reverse=True)
        if not ranked:
            return _panel("Feature importance", "", _empty("no feature importance reported"))
        top = ranked[:TOP_FEATURES]
        largest = max((abs(v) for _, v in top), default=0.0)
        value_format: Callable[[float], str] = (
            (lambda v: f"{v:.3f}") if largest <= 1 else (lambda v: fmt.number(v, 0))
        )
        chart = horizontal_bars(
            "feature-importance",
            "Feature importance",
            [k for k, _ in top],
            [v for _, v in top],
            value_format=value_format,
            color=IMPORTANCE_COLOR,
            empty_message="no feature importance reported",
        )
        return _panel("Feature importance", f"top {len(top)} of {len(ranked)}", chart)

    # ---------------------------------------------------------------- breakers

    def breaker_section(self) -> str:
        events = self.result.breaker_timeline
        if not events:
            return _panel("Breakers and trading state", "", _empty("no breaker trips or state changes"))
        kinds = sorted({e.kind for e in events}, key=lambda k: (k.upper() != "STATE", k))
        lane = {k: i for i, k in enumerate(kinds)}
        chart = timeline(
            "breakers",
            "Breaker timeline",
            kinds,
            [(e.ts_ns, lane[e.kind], f"{self._time(e.ts_ns)} {e.kind}: {e.detail}") for e in events],
            x_range=self.x_range,
        )
        rows = [
            [
                _Cell(escape(self._time(e.ts_ns)), str(e.ts_ns)),
                _Cell(escape(e.kind)),
                _Cell(escape(e.detail), css="wrap"),
            ]
            for e in events[:MAX_TABLE_ROWS]
        ]
        table = _table([_Column("Time (UTC)"), _Column("Kind"), _Column("Detail")], rows, scroll=True)
        hint = f"{fmt.count(len(events))} events"
        return _panel("Breakers and trading state", hint, chart + table + _cap_note(len(events), "events"))

    # ---------------------------------------------------------------- counts and details

    def counts_section(self, title: str, hint: str, counts: dict[str, int], empty_text: str) -> str:
        if not counts:
            return _panel(title, hint, _empty(empty_text))
        items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        total = sum(counts.values())
        rows = [
            [
                _Cell(escape(reason)),
                _Cell(fmt.count(n), str(n)),
                _Cell(fmt.percent(n / total) if total else "–", str(n)),
            ]
            for reason, n in items[:MAX_TABLE_ROWS]
        ]
        table = _table([_Column("Reason"), _Column("Count", True), _Column("Share", True)], rows)
        return _panel(title, f"{hint} · {fmt.count(total)} in all", table + _cap_note(len(items), "reasons"))

    def details_section(self) -> str:
        r, s = self.result, self.summary
        pairs: list[tuple[str, str]] = [
            ("start", _instant(r.start_ns)),
            ("end", _instant(r.end_ns)),
            ("replay wall time", f"{fmt.number(r.elapsed_s, 3)} s"),
            ("messages", fmt.count(r.messages)),
            ("messages per second", fmt.number(s.messages_per_s, 0) if s.messages_per_s else "–"),
            ("start equity", fmt.money(s.start_equity) + self.unit if s.start_equity is not None else "–"),
            ("end equity", fmt.money(s.end_equity) + self.unit if s.end_equity is not None else "–"),
            ("avg win / avg loss", f"{_money_or_dash(s.avg_win)} / {_money_or_dash(s.avg_loss)}"),
        ]
        for key, value in r.extra.items():
            shown = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
            pairs.append((str(key), shown))
        rows = [[_Cell(escape(k)), _Cell(escape(v), css="wrap")] for k, v in pairs]
        return _panel("Run details", "", _table([_Column("Item"), _Column("Value")], rows))

    def _time(self, ts_ns: int) -> str:
        return fmt.time_of_day(ts_ns, with_date=self.multi_day)


# -------------------------------------------------------------------- small builders


def _panel(title: str, hint: str, inner: str) -> str:
    hint_html = f'<span class="hint">{escape(hint)}</span>' if hint else ""
    return f'<section class="panel"><h2>{escape(title)}{hint_html}</h2>{inner}</section>'


def _empty(text: str) -> str:
    return f'<p class="empty-note">{escape(text)}</p>'


def _card(label: str, value: str, css: str, sub: str, *, unit: str = "", exact: str = "") -> str:
    unit_html = f'<span class="unit">{escape(unit.strip())}</span>' if unit.strip() else ""
    hover = exact or value
    return (
        f'<div class="card"><div class="label">{escape(label)}</div>'
        f'<div class="value {css}" title="{escape(hover)}">{escape(value)}{unit_html}</div>'
        f'<div class="sub">{escape(sub)}</div></div>'
    )


def _money_card(
    label: str, value: Decimal | None, unit: str, sub: str, *, signed: bool = False, css: str | None = None
) -> str:
    """A card for an amount: up to 4 decimals shown, the exact value on hover."""
    if value is None:
        return _card(label, "–", "", sub)
    shown = fmt.money(value, signed=signed, max_places=4)
    exact = fmt.plain_decimal(value) + unit
    return _card(label, shown, _sign_class(value) if css is None else css, sub, unit=unit, exact=exact)


def _table(columns: Sequence[_Column], rows: Sequence[Sequence[_Cell]], *, scroll: bool = False) -> str:
    head = "".join(
        f'<th class="num" data-type="num">{escape(c.title)}</th>'
        if c.numeric
        else f"<th>{escape(c.title)}</th>"
        for c in columns
    )
    body = []
    for row in rows:
        cells = []
        for column, cell in zip(columns, row, strict=True):
            classes = " ".join(x for x in ("num" if column.numeric else "", cell.css) if x)
            attrs = f' class="{classes}"' if classes else ""
            if cell.sort is not None:
                attrs += f' data-v="{escape(cell.sort)}"'
            cells.append(f"<td{attrs}>{cell.html}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    table = (
        f'<table class="data sortable"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )
    return f'<div class="scroll">{table}</div>' if scroll else table


def _cap_note(total: int, noun: str) -> str:
    if total <= MAX_TABLE_ROWS:
        return ""
    return (
        f'<p class="note">showing the first {fmt.count(MAX_TABLE_ROWS)} of {fmt.count(total)} '
        f"{escape(noun)}; report.json has them all</p>"
    )


def _sign_class(value: Decimal | None) -> str:
    if value is None or value == 0:
        return ""
    return "pos" if value > 0 else "neg"


def _drawdown_share(fraction: float | None) -> str:
    """The drawdown as a share of its peak, with enough decimals to not read 0.00 % for a small one."""
    if fraction is None:
        return "–"
    places = 2 if fraction == 0 or fraction >= 0.001 else 4
    return f"{fmt.percent(fraction, places)} of peak"


def _instant(ts_ns: int) -> str:
    """ISO UTC with the raw ns beside it, or a dash for the unset 0."""
    return f"{fmt.iso_utc(ts_ns)}  ({ts_ns} ns)" if ts_ns else "–"


def _ratio(value: float | None) -> str:
    return "–" if value is None else fmt.number(value, 2)


def _hold(seconds: float | None) -> str:
    return "–" if seconds is None else fmt.duration(seconds)


def _money_or_dash(value: Decimal | None) -> str:
    return "–" if value is None else fmt.money(value, signed=True)


def _fill_ratio(orders: int, fills: int) -> str:
    return f"{fills / orders:.2f} fills per order" if orders else "no orders"
