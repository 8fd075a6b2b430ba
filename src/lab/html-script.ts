/**
 * The report page's own script (inlined; allowed by its hash in the page's
 * Content Security Policy): reads the chart specs from the JSON block and
 * draws each with Chart.js — axes titled with their units, a legend, tooltips
 * with units, reference series dashed, no animation (so a screenshot or a
 * printout shows the final chart). Plain ES2017, no imports.
 */
export const REPORT_SCRIPT = `
(function () {
  'use strict';
  var palette = ['#2f5bd3', '#e4572e', '#17a589', '#f2a541', '#8e44ad', '#c0392b', '#2c3e50', '#16a0c9', '#7f8c3a', '#d35fa0', '#6d5d4b', '#3fa34d', '#b07d2b', '#5b6dd6'];
  var specs = JSON.parse(document.getElementById('chart-data').textContent);
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 12;
  Chart.defaults.color = '#3a4252';
  // The unit in parentheses, unless the label already names it ("partitions moved" in partitions).
  function axisTitle(a) { return a.unit && a.label.toLowerCase().indexOf(a.unit.toLowerCase()) < 0 ? a.label + ' (' + a.unit + ')' : a.label; }
  function fmt(v) {
    if (typeof v !== 'number') return String(v);
    var a = Math.abs(v);
    return a >= 1000 ? v.toLocaleString('en-US', { maximumFractionDigits: 0 }) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toPrecision(3);
  }
  function axis(a, isX, kind) {
    var o = { title: { display: true, text: axisTitle(a), font: { weight: '600' } }, grid: { color: '#eceef2' } };
    if (kind === 'bar' && isX) { o.type = 'category'; o.ticks = { autoSkip: false, maxRotation: 50, minRotation: 0 }; return o; }
    o.type = a.scale === 'logarithmic' ? 'logarithmic' : 'linear';
    if (a.min !== undefined) o.min = a.min;
    if (a.max !== undefined) o.max = a.max;
    if (!isX && a.min === undefined && o.type === 'linear') o.beginAtZero = true;
    return o;
  }
  specs.forEach(function (s) {
    var canvas = document.getElementById(s.canvasId);
    if (!canvas) return;
    var grey = 0;
    var datasets = s.series.map(function (series, i) {
      var color = series.dashed ? ['#555c68', '#9aa1ad', '#333'][grey++ % 3] : palette[i % palette.length];
      var d = { label: series.label, borderColor: color, backgroundColor: s.type === 'bar' ? color + 'cc' : color, borderWidth: 2 };
      if (s.type === 'line') {
        d.data = series.points.map(function (p) { return { x: p.x, y: p.y }; });
        d.pointRadius = d.data.length > 40 ? 0 : 2.5;
        d.pointHoverRadius = 4;
        d.tension = 0;
        if (series.dashed) { d.borderDash = [6, 4]; d.pointRadius = 0; d.pointStyle = 'line'; }
      } else {
        d.data = series.values.slice();
        if (series.dashed) { d.backgroundColor = 'rgba(0,0,0,0)'; d.borderDash = [5, 3]; d.pointStyle = 'line'; }
      }
      return d;
    });
    new Chart(canvas, {
      type: s.type,
      data: s.type === 'bar' ? { labels: s.categories, datasets: datasets } : { datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: s.type === 'bar' ? undefined : false,
        interaction: { mode: s.type === 'bar' ? 'index' : 'nearest', intersect: false },
        scales: { x: axis(s.x, true, s.type), y: axis(s.y, false, s.type) },
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 14, boxHeight: 10, usePointStyle: true, pointStyleWidth: 18 } },
          tooltip: { callbacks: { label: function (c) { return c.dataset.label + ': ' + fmt(c.parsed.y) + ' ' + s.y.unit; } } }
        }
      }
    });
  });
  document.documentElement.setAttribute('data-charts-drawn', String(specs.length));
})();
`;
