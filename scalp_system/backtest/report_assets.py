"""The inline stylesheet and script of report.html (static text; the page must work offline).

The script is small and hand-written: it makes tables sortable by clicking a header, and after
layout it marks every chart the browser actually drew (``data-rendered="true"``, its box in
``data-box``, each series' drawn length in ``data-length``) so a headless-browser test can check
that the charts rendered. The page reads fine with scripts disabled.
"""

from __future__ import annotations

CSS = """
:root { --ink:#1f2933; --muted:#6b7280; --line:#e3e6ea; --bg:#f4f5f7; --card:#fff;
  --pos:#15803d; --neg:#c2410c; --accent:#2563eb; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-variant-numeric: tabular-nums; }
main { max-width: 1320px; margin: 0 auto; padding: 20px 24px 40px; }
header.top { display:flex; align-items:baseline; justify-content:space-between; flex-wrap:wrap;
  gap: 8px 24px; margin-bottom: 14px; }
h1 { font-size: 20px; margin: 0; font-weight: 650; letter-spacing: -0.01em; }
.meta { color: var(--muted); font-size: 13px; }
.meta b { color: var(--ink); font-weight: 600; }
.cards { display:grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 10px; margin-bottom: 14px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .label { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: .05em; }
.card .value { font-size: 20px; font-weight: 650; margin-top: 2px; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.card .value .unit { font-size: 12px; font-weight: 500; color: var(--muted); margin-left: 4px; }
.card .value.small { font-size: 14px; line-height: 1.25; padding-top: 3px; white-space: normal;
  display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; }
.card .sub { color: var(--muted); font-size: 12px; margin-top: 1px; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.pos { color: var(--pos); } .neg { color: var(--neg); }
section.panel { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 12px 16px 14px; margin-bottom: 14px; min-width: 0; }
section.panel h2 { font-size: 14px; font-weight: 650; margin: 0 0 8px; display:flex; gap: 10px;
  align-items: baseline; }
section.panel h2 .hint { color: var(--muted); font-weight: 400; font-size: 12px; }
section.panel h3 { font-size: 13px; font-weight: 600; margin: 12px 0 4px; }
.row { display:grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 14px; }
.row > section.panel { margin-bottom: 14px; }
svg.chart { display:block; width:100%; height:auto; overflow: visible; }
.note { color: var(--muted); font-size: 12px; margin: 6px 0 0; }
.gap { height: 10px; }
.empty-note { color: var(--muted); font-size: 13px; text-align: center; margin: 0; padding: 22px 0;
  background: #fafbfc; border: 1px dashed #d9dde3; border-radius: 6px; }
.scroll { max-height: 460px; overflow: auto; border: 1px solid var(--line); border-radius: 6px; }
table.data { border-collapse: collapse; width: 100%; font-size: 12.5px; }
table.data th { position: sticky; top: 0; background: #f8f9fb; text-align: left; font-weight: 600;
  color: #4b5563; padding: 6px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
table.data td { padding: 4px 10px; border-bottom: 1px solid #f0f1f3; white-space: nowrap; }
table.data td.num, table.data th.num { text-align: right; }
table.data td.wrap { white-space: normal; }
table.data tbody tr:hover { background: #f5f8ff; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th[data-dir="asc"]::after { content: " \\25B2"; font-size: 9px; }
table.sortable th[data-dir="desc"]::after { content: " \\25BC"; font-size: 9px; }
.tag { display:inline-block; padding: 0 6px; border-radius: 4px; font-size: 11.5px; font-weight: 600; }
.tag.long, .tag.buy { background: #e7f5ec; color: var(--pos); }
.tag.short, .tag.sell { background: #fdeee6; color: var(--neg); }
footer { color: var(--muted); font-size: 12px; text-align: center; margin-top: 18px; }
@media (max-width: 1000px) { .cards { grid-template-columns: repeat(3, minmax(0, 1fr)); }
  .row { grid-template-columns: minmax(0, 1fr); } }
@media print { body { background: #fff; } .scroll { max-height: none; overflow: visible; } }
"""

SCRIPT = """
(function () {
  "use strict";
  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) { return ""; }
    var v = cell.getAttribute("data-v");
    return v !== null ? v : cell.textContent;
  }
  function sortBy(th) {
    var table = th.closest("table");
    var body = table.tBodies[0];
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = th.getAttribute("data-type") === "num";
    var dir = th.getAttribute("data-dir") === "asc" ? "desc" : "asc";
    Array.prototype.forEach.call(th.parentNode.children, function (h) { h.removeAttribute("data-dir"); });
    th.setAttribute("data-dir", dir);
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index), y = cellValue(b, index);
      var c = numeric ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : String(x).localeCompare(String(y));
      return dir === "asc" ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable th"), function (th) {
    th.addEventListener("click", function () { sortBy(th); });
  });
  function markRendered() {
    var drawn = 0;
    Array.prototype.forEach.call(document.querySelectorAll("svg.chart"), function (svg) {
      var box = svg.getBoundingClientRect();
      var shapes = svg.querySelectorAll("path, rect, line").length;
      var left = Math.round(box.left + window.scrollX), top = Math.round(box.top + window.scrollY);
      svg.setAttribute("data-box", [left, top, Math.round(box.width), Math.round(box.height)].join(","));
      Array.prototype.forEach.call(svg.querySelectorAll("path.series"), function (p) {
        p.setAttribute("data-length", String(Math.round(p.getTotalLength())));
      });
      if (box.width > 0 && box.height > 0 && shapes > 0) {
        svg.setAttribute("data-rendered", "true");
        drawn += 1;
      }
    });
    document.body.setAttribute("data-charts-rendered", String(drawn));
  }
  if (document.readyState === "complete") { markRendered(); }
  else { window.addEventListener("load", markRendered); }
})();
"""
