/**
 * The report page's stylesheet (inlined; allowed by its hash in the page's
 * Content Security Policy). System fonts, one card per experiment, the claim
 * in a callout, a verdict badge, charts sized for reading, tables with units.
 * Nothing is wider than its box at any width down to a phone's: grids shrink
 * their tracks, table headers wrap, and a table that still cannot fit scrolls
 * inside its box under a visible cue, its first column kept in view.
 */
export const REPORT_CSS = `
:root { --fg: #1d2330; --muted: #5b6475; --bg: #f5f6f8; --card: #fff; --line: #dde1e8; --accent: #2f5bd3;
  --ok: #1b7f43; --ok-bg: #e3f4ea; --bad: #b3261e; --bad-bg: #fbe6e4; }
* { box-sizing: border-box; }
html { font-size: 16px; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; line-height: 1.55; }
main { max-width: 1180px; margin: 0 auto; padding: 32px 20px 64px; }
h1 { font-size: 2rem; margin: 0 0 8px; letter-spacing: -0.01em; }
h1 span { font-weight: 400; color: var(--muted); font-size: 1.2rem; margin-left: 8px; }
h2 { font-size: 1.35rem; margin: 0; }
h2 .num { display: inline-block; min-width: 1.7em; height: 1.7em; line-height: 1.7em; text-align: center; border-radius: 50%;
  background: var(--accent); color: #fff; font-size: 0.9rem; margin-right: 6px; vertical-align: 2px; }
h3 { font-size: 0.85rem; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); margin: 0 0 6px; }
.lead { font-size: 1.05rem; color: var(--muted); margin: 0 0 18px; max-width: 60em; }
.top, .experiment { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 24px 28px; margin-bottom: 24px; }
.env { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 250px), 1fr)); gap: 8px 24px; margin: 0 0 16px; }
.env div { border-left: 3px solid var(--line); padding-left: 10px; }
.env dt { font-size: 0.75rem; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); }
.env dd { margin: 0; font-weight: 500; word-break: break-word; }
nav ol { margin: 0; padding-left: 1.4em; columns: 2; column-gap: 32px; }
nav li { margin: 2px 0; break-inside: avoid; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.experiment > header { display: flex; align-items: center; justify-content: space-between; gap: 12px; flex-wrap: wrap; margin-bottom: 14px; }
.badge { display: inline-block; padding: 4px 12px; border-radius: 999px; font-weight: 600; font-size: 0.9rem; white-space: nowrap; }
.badge.small { padding: 0 8px; font-size: 0.75rem; }
.badge.held { background: var(--ok-bg); color: var(--ok); }
.badge.failed { background: var(--bad-bg); color: var(--bad); }
.claim { margin: 0 0 16px; padding: 12px 16px; background: #eef2fc; border-left: 4px solid var(--accent); border-radius: 0 6px 6px 0; font-size: 1.02rem; }
.checks { list-style: none; margin: 0 0 16px; padding: 0; }
.checks li { display: flex; gap: 10px; padding: 8px 12px; border-radius: 6px; margin-bottom: 6px; }
.checks li.ok { background: #f3faf5; }
.checks li.bad { background: #fdf3f2; }
.checks .mark { font-weight: 700; font-size: 1.1rem; line-height: 1.4; }
.checks li.ok .mark { color: var(--ok); }
.checks li.bad .mark { color: var(--bad); }
.measured { color: var(--muted); font-variant-numeric: tabular-nums; }
.notes p { margin: 0 0 8px; color: #333b4a; max-width: 62em; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 460px), 1fr)); gap: 20px; margin: 18px 0; }
.chart { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; background: #fff; min-width: 0; }
.chart.wide { grid-column: 1 / -1; }
.chart figcaption { font-weight: 600; margin-bottom: 6px; }
.canvas-box { position: relative; height: 340px; min-width: 0; }
.chart.wide .canvas-box { height: 380px; }
.panels { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 250px), 1fr)); gap: 12px 16px; }
.panel { min-width: 0; }
.panels .canvas-box { height: 260px; }
.key { margin: 0 0 8px; font-size: 0.85rem; color: var(--muted); }
.swatch { display: inline-block; width: 24px; margin: 0 6px 0 2px; vertical-align: middle; border-top: 2.5px solid #d3d7de; }
.swatch.reference { border-top: 2.5px dashed #16181d; }
.caption { color: var(--muted); font-size: 0.9rem; margin: 8px 0 0; }
.table-block { margin: 16px 0; min-width: 0; }
.table-wrap { overflow-x: auto; }
.table-head { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: 0 12px; margin: 0 0 6px; }
.table-title { margin: 0; font-weight: 600; min-width: 0; }
.scroll-cue { margin: 0 0 0 auto; font-size: 0.8rem; color: var(--accent); font-weight: 600; white-space: nowrap; }
.scroll-cue[hidden] { display: none; }
.table-wrap[data-scrolls] { border-right: 3px solid #c5cde0; box-shadow: inset -12px 0 10px -10px rgba(29, 35, 48, 0.35); }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; background: #fff; }
td.num { white-space: nowrap; }
th { background: #f0f2f6; font-weight: 600; vertical-align: bottom; line-height: 1.3; }
td:first-child { white-space: nowrap; }
td.num, th.num { text-align: right; }
tbody tr:nth-child(even) td { background: #fafbfc; }
.table-wrap[data-scrolls] td:first-child, .table-wrap[data-scrolls] th:first-child { position: sticky; left: 0; z-index: 1; box-shadow: 1px 0 0 var(--line); }
.timing { color: var(--muted); font-size: 0.85rem; margin: 8px 0 0; }
footer { color: var(--muted); text-align: center; font-size: 0.9rem; }
code { font-family: ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace; background: #eceff4; padding: 1px 5px; border-radius: 4px; }
@media (max-width: 700px) { .charts { grid-template-columns: minmax(0, 1fr); } nav ol { columns: 1; } main { padding: 16px 8px 40px; } .top, .experiment { padding: 14px 12px; }
  .chart { padding: 10px 8px; } .panels { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 10px 8px; } h1 { font-size: 1.6rem; } h1 span { display: block; margin-left: 0; }
  table { font-size: 0.78rem; } th, td { padding: 4px 5px; } td:first-child { white-space: normal; min-width: 6em; } }
@media (max-width: 480px) { main { padding: 12px 0 32px; } .env { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 6px 12px; } .top, .experiment { border-radius: 0; border-left: none; border-right: none; padding: 14px 10px; }
  table { font-size: 0.75rem; } th, td { padding: 3px 4px; } }
@media print { body { background: #fff; } .top, .experiment { break-inside: avoid-page; border: none; } }
`;
