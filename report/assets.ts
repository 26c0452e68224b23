// The report's inline stylesheet and script. Both are constants: nothing from the cluster or the
// history is ever spliced into them (data travels in the JSON block and is read as text).

export const REPORT_CSS = `
:root { --ok:#2f8f46; --bad:#c0392b; --unknown:#b7791f; --ink:#1d2329; --muted:#5f6b76; --line:#d9dee3; --bg:#f6f7f9; --card:#fff; --mark:#fde2e0; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: var(--bg); }
main { max-width: 1180px; margin: 0 auto; padding: 12px 20px 48px; }
header.top { background: #1d2329; color: #eef1f4; }
header.top .inner { max-width: 1180px; margin: 0 auto; padding: 14px 20px 10px; }
header.top h1 { margin: 0; font-size: 20px; font-weight: 600; }
header.top .sub { color: #aab4be; font-size: 13px; margin-top: 2px; }
header.top nav { margin-top: 8px; display: flex; gap: 16px; flex-wrap: wrap; }
header.top nav a { color: #cfe3ff; text-decoration: none; font-size: 13px; }
header.top nav a:hover { text-decoration: underline; }
h2 { font-size: 17px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; }
a { color: #1f5fae; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }
pre { background: #f0f2f5; border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin: 12px 0; }
.muted { color: var(--muted); }
.cluster-views td.bad { background: var(--mark); }
.cluster-views td { font-size: 12px; }
.small { font-size: 12px; }
.empty { color: var(--muted); font-style: italic; margin: 8px 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid var(--line); }
th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.verdict { border-left: 8px solid var(--unknown); }
.verdict.valid { border-left-color: var(--ok); }
.verdict.invalid { border-left-color: var(--bad); }
.verdict .word { font-size: 30px; font-weight: 700; letter-spacing: .04em; }
.verdict.valid .word { color: var(--ok); }
.verdict.invalid .word { color: var(--bad); }
.verdict.unknown .word { color: var(--unknown); }
.verdict .line { font-size: 15px; margin: 2px 0 8px; }
.pill { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12.5px; margin: 2px 4px 2px 0; text-decoration: none; border: 1px solid transparent; }
.pill.bad { background: var(--mark); color: #8d2318; border-color: #f2b8b1; }
.pill.info { background: #eef1f4; color: #45515c; border-color: var(--line); }
.facts { display: flex; flex-wrap: wrap; gap: 8px 28px; margin-top: 10px; }
.facts div { min-width: 110px; }
.facts b { display: block; font-size: 18px; font-variant-numeric: tabular-nums; }
.facts span { color: var(--muted); font-size: 12px; }
dl.kv { display: grid; grid-template-columns: 200px 1fr; gap: 4px 14px; margin: 0; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
table.settings { width: auto; }
table.settings td { border: 0; padding: 1px 18px 1px 0; }
table.settings td:first-child { color: var(--muted); white-space: nowrap; }
table.load { width: auto; margin: 6px 0 10px; }
table.load td, table.load th { padding: 2px 12px 2px 0; }
table.load tr.bad td { color: var(--bad); }
section.anomaly { border-left: 5px solid #9aa5b1; }
section.anomaly.bad { border-left-color: var(--bad); }
section.anomaly h3 { margin-top: 0; display: flex; align-items: baseline; gap: 10px; flex-wrap: wrap; }
section.anomaly h3 .name { font-family: ui-monospace, Menlo, Consolas, monospace; }
.badge { font-size: 12px; font-weight: 600; padding: 1px 8px; border-radius: 10px; }
.badge.bad { background: var(--bad); color: #fff; }
.badge.info { background: #dfe4e9; color: #3b4650; }
.meaning { margin: 4px 0 10px; max-width: 900px; }
.example { border-top: 1px dashed var(--line); padding-top: 10px; margin-top: 10px; }
.example .explanation { font-weight: 500; margin-bottom: 6px; }
.example details.extra { display: inline; }
.example details.extra pre { margin: 4px 0 6px; font-size: 11.5px; }
.example table.ops td { font-size: 12.5px; }
.example table.ops td.value { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; overflow-wrap: anywhere; }
mark { background: #f7c5c0; color: #7a1a10; border-radius: 2px; padding: 0 1px; }
mark.witness { background: #f9e3a6; color: #5c4300; }
.mop { display: block; }
.k { color: #6b4fa0; }
.hl-key { font-weight: 700; }
.t-ok { color: var(--ok); } .t-fail { color: var(--bad); } .t-info { color: #b35c00; } .t-invoke { color: var(--muted); }
.offset-diagram { overflow-x: auto; margin: 8px 0 4px; }
.offset-diagram svg { display: block; font: 11px ui-monospace, Menlo, Consolas, monospace; }
.offset-diagram .head { fill: var(--muted); }
.offset-diagram .head.mark { fill: var(--bad); font-weight: 700; }
.offset-diagram .gap { fill: var(--muted); font-size: 16px; }
.offset-diagram .row-bg { fill: transparent; }
.offset-diagram .row.involved .row-bg { fill: #fff6d9; }
.offset-diagram .row-label { fill: #333; }
.offset-diagram .row.involved .row-label { font-weight: 700; }
.offset-diagram .cell rect { fill: #e3ecf7; stroke: #b7c9de; }
.offset-diagram .cell.send rect { fill: #e4f2e7; stroke: #a9d2b3; }
.offset-diagram .cell.mismatch rect { stroke: #d98c00; stroke-width: 2; }
.offset-diagram .cell.bad rect { fill: #e45b4f; stroke: #a72d22; }
.offset-diagram .cell.witness rect { fill: #f6d88a; stroke: #b98500; }
.offset-diagram .cell.bad text { fill: #fff; font-weight: 700; }
.offset-diagram .cell.multi rect { stroke-dasharray: 3 2; }
.diagram-legend { font-size: 12px; color: var(--muted); }
.diagram-legend i { display: inline-block; width: 12px; height: 10px; border-radius: 2px; vertical-align: -1px; margin: 0 3px 0 10px; border: 1px solid #999; }
figure.plot { margin: 10px 0 18px; }
figure.plot figcaption { font-size: 14px; margin-bottom: 4px; display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; }
figure.plot .readout { margin-left: auto; font: 12px ui-monospace, Menlo, Consolas, monospace; color: var(--muted); min-height: 1em; }
figure.plot svg { width: 100%; height: auto; display: block; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
figure.plot svg text { font: 11px system-ui, sans-serif; fill: #4a5560; }
figure.plot svg .axis line { stroke: #8a949e; }
figure.plot svg .axis-label { fill: var(--muted); font-size: 11px; }
figure.plot svg .grid line { stroke: #eceff2; }
figure.plot svg .row-line { stroke: #eceff2; }
figure.plot svg .row-label { font-size: 11.5px; fill: #333; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 12px; color: var(--muted); margin-top: 4px; }
.swatch { display: inline-block; width: 12px; height: 10px; margin-right: 5px; vertical-align: -1px; border-radius: 2px; }
.swatch.dot { width: 9px; height: 9px; border-radius: 50%; }
.swatch.bar { height: 3px; vertical-align: 3px; }
.swatch.band { opacity: .55; }
details > summary { cursor: pointer; color: #1f5fae; margin: 6px 0; }
.files li { margin: 2px 0; }
td.nowrap { white-space: nowrap; }
.op-link { font-variant-numeric: tabular-nums; }
dialog#op-dialog { max-width: min(900px, 92vw); width: 900px; border: 1px solid var(--line); border-radius: 10px; padding: 0; box-shadow: 0 12px 40px rgba(0,0,0,.25); }
dialog#op-dialog::backdrop { background: rgba(20,25,30,.35); }
dialog#op-dialog header { display: flex; justify-content: space-between; align-items: center; padding: 10px 14px; border-bottom: 1px solid var(--line); }
dialog#op-dialog .body { padding: 10px 14px 14px; max-height: 70vh; overflow: auto; }
dialog#op-dialog h4 { margin: 8px 0 4px; font-size: 13px; color: var(--muted); }
button { font: inherit; border: 1px solid var(--line); background: #f3f5f7; border-radius: 6px; padding: 2px 10px; cursor: pointer; }
footer { color: var(--muted); font-size: 12px; margin-top: 36px; }
@media print { header.top nav, dialog { display: none; } .card { break-inside: avoid; } }
`;

/**
 * Op inspector (click an op number to see the op and its invocation as JSON, from the embedded
 * data) and a readout of the time/value under the pointer on plots. Text only: textContent.
 */
export const REPORT_JS = `
(function () {
  "use strict";
  var dataEl = document.getElementById("report-data");
  var data = {};
  try { data = JSON.parse(dataEl ? dataEl.textContent : "{}"); } catch (e) { data = {}; }
  var ops = data.ops || {};
  var invocations = data.invocations || {};
  var dialog = document.getElementById("op-dialog");
  function show(index) {
    if (!dialog) return;
    var op = ops[index];
    dialog.querySelector(".title").textContent = "op " + index;
    dialog.querySelector(".op-json").textContent = op ? JSON.stringify(op, null, 2) : "This op is not embedded in the report; see history.jsonl (line " + (Number(index) + 1) + ").";
    var inv = invocations[index];
    var invBlock = dialog.querySelector(".inv");
    invBlock.hidden = !inv;
    dialog.querySelector(".inv-json").textContent = inv ? JSON.stringify(inv, null, 2) : "";
    if (typeof dialog.showModal === "function" && !dialog.open) dialog.showModal();
  }
  document.addEventListener("click", function (ev) {
    var a = ev.target && ev.target.closest ? ev.target.closest("a.op-link") : null;
    if (!a) return;
    ev.preventDefault();
    show(a.getAttribute("data-op"));
  });
  if (dialog) {
    dialog.querySelector("button.close").addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("click", function (ev) { if (ev.target === dialog) dialog.close(); });
  }
  function fmt(v) { return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2); }
  Array.prototype.forEach.call(document.querySelectorAll("figure.plot svg[data-xmax]"), function (svg) {
    var fig = svg.closest("figure");
    var out = fig ? fig.querySelector(".readout") : null;
    if (!out) return;
    var vb = svg.viewBox.baseVal;
    var num = function (k) { return Number(svg.getAttribute("data-" + k)); };
    svg.addEventListener("mousemove", function (ev) {
      var r = svg.getBoundingClientRect();
      var x = (ev.clientX - r.left) * (vb.width / r.width);
      var y = (ev.clientY - r.top) * (vb.height / r.height);
      var left = num("left"), right = num("right");
      if (x < left || x > right) { out.textContent = ""; return; }
      var t = (x - left) / (right - left) * num("xmax");
      var text = "t = " + t.toFixed(1) + " s";
      if (svg.hasAttribute("data-ymax")) {
        var top = num("top"), bottom = num("bottom"), lo = num("ymin"), hi = num("ymax");
        var f = (bottom - y) / (bottom - top);
        if (f >= 0 && f <= 1) {
          var v = num("log") ? Math.pow(10, Math.log10(lo) + f * (Math.log10(hi) - Math.log10(lo))) : lo + f * (hi - lo);
          text += ", y = " + fmt(v);
        }
      }
      out.textContent = text;
    });
    svg.addEventListener("mouseleave", function () { out.textContent = ""; });
  });
})();
`;
