/**
 * The report page's own script (inlined; allowed by its hash in the page's
 * Content Security Policy): reads the chart specs from the JSON block and
 * draws each with Chart.js — axes titled with their units, a legend, tooltips
 * with units, references dashed and on top, no animation (so a screenshot or
 * a printout shows the final chart). Plain ES2017, no imports.
 *
 * Layout rules it keeps at every width: log axes are ticked 1-2-5 (or in
 * powers of ten when that would crowd); an axis title longer than its axis
 * wraps onto more lines; the canvas grows until its legend fits inside it and
 * the plot keeps its height; a table wider than its box gets a visible
 * "scroll sideways" cue (its first column stays in view, by CSS).
 */
export const REPORT_SCRIPT = `
(function () {
  'use strict';
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
  function tickLabel(v) { return v >= 1000 ? v.toLocaleString('en-US') : String(Number(v.toPrecision(3))); }
  // 1-2-5 values (or powers of ten) from lo to hi inclusive.
  function logSteps(lo, hi, mantissas) {
    var out = [];
    for (var e = Math.floor(Math.log10(lo)) - 1; e <= Math.ceil(Math.log10(hi)) + 1; e++) {
      mantissas.forEach(function (m) { var v = Number((m * Math.pow(10, e)).toPrecision(6)); if (v >= lo * 0.9999 && v <= hi * 1.0001) out.push(v); });
    }
    return out;
  }
  // Bounds of a log axis on nice values around the data: the largest 1-2-5 value at or below the smallest point, the smallest at or above the largest.
  function logBounds(values, a) {
    var pos = values.filter(function (v) { return v > 0; });
    var lo = Math.min.apply(null, pos), hi = Math.max.apply(null, pos);
    var steps = logSteps(lo / 10, hi * 10, [1, 2, 5]);
    var min = a.min !== undefined ? a.min : steps.filter(function (v) { return v <= lo * 1.0001; }).pop();
    var max = a.max !== undefined ? a.max : steps.filter(function (v) { return v >= hi * 0.9999; })[0];
    return { min: min, max: max };
  }
  // Ticks of a log axis: 1-2-5 when their labels are at least minGapPx apart on this axis, else powers of ten.
  function logTicks(scale, minGapPx) {
    var length = scale.isHorizontal() ? scale.width : scale.height;
    var decades = Math.log10(scale.max / scale.min);
    var closest = length * Math.log10(2) / Math.max(decades, 1e-9);
    var ticks = logSteps(scale.min, scale.max, closest >= minGapPx ? [1, 2, 5] : [1]);
    if (ticks.length < 2) ticks = logSteps(scale.min, scale.max, [1, 2, 5]);
    scale.ticks = ticks.map(function (v) { return { value: v }; });
  }
  function axis(a, isX, kind, values, small) {
    var o = { title: { display: true, text: axisTitle(a), font: { weight: '600', size: small ? 11 : 12 } }, grid: { color: '#eceef2' }, ticks: { font: { size: small ? 11 : 12 } } };
    if (kind === 'bar' && isX) { o.type = 'category'; o.ticks.autoSkip = false; o.ticks.maxRotation = 50; o.ticks.minRotation = 0; return o; }
    o.type = a.scale === 'logarithmic' ? 'logarithmic' : 'linear';
    if (o.type === 'logarithmic') {
      var b = logBounds(values, a);
      o.min = b.min; o.max = b.max;
      o.afterBuildTicks = function (scale) { logTicks(scale, isX ? 28 : 18); };
      o.ticks.autoSkip = false; o.ticks.maxRotation = 0;
      o.ticks.callback = function (v) { return tickLabel(Number(v)); };
      return o;
    }
    if (a.min !== undefined) o.min = a.min;
    if (a.max !== undefined) o.max = a.max;
    if (!isX && a.min === undefined) o.beginAtZero = true;
    return o;
  }
  function dataset(s, series) {
    var ref = series.role === 'reference', ctx = series.role === 'context';
    var d = { label: series.label, role: series.role, borderColor: series.color, backgroundColor: s.type === 'bar' ? series.color + 'cc' : series.color,
      borderWidth: ref ? 2.5 : ctx ? 1.25 : 2 };
    if (s.type === 'line') {
      // Lower order is drawn later: references over the strategies, the grey context under them.
      d.order = ref ? 0 : ctx ? 2 : 1;
      d.data = series.points.map(function (p) { return { x: p.x, y: p.y }; });
      d.pointRadius = ctx || d.data.length > 40 ? 0 : 2.5;
      d.pointHoverRadius = ctx ? 0 : 4;
      d.tension = 0;
      if (ref) { d.borderDash = [6, 4]; d.pointRadius = 0; }
    } else {
      d.data = series.values.slice();
      if (ref) { d.backgroundColor = 'rgba(0,0,0,0)'; d.borderDash = [5, 3]; }
    }
    return d;
  }
  // Words of text in lines no wider than maxPx (a word longer than maxPx gets a line of its own).
  function wrap(ctx, text, maxPx) {
    var lines = [], line = '';
    text.split(' ').forEach(function (w) {
      var next = line ? line + ' ' + w : w;
      if (line && ctx.measureText(next).width > maxPx) { lines.push(line); line = w; } else line = next;
    });
    if (line) lines.push(line);
    return lines;
  }
  // Make the chart's legend and axis titles fit: wrap titles, shrink the legend font when an item is wider than the canvas,
  // and grow the canvas box until the legend is whole and the plot area has its planned height.
  function fit(chart, plotPx, titles) {
    for (var pass = 0; pass < 6; pass++) {
      var changed = false, ctx = chart.ctx;
      Object.keys(titles).forEach(function (id) {
        var scale = chart.scales[id], t = chart.config.options.scales[id].title;
        ctx.font = Chart.helpers.toFont(scale.options.title.font).string;
        var lines = wrap(ctx, titles[id], (scale.isHorizontal() ? scale.width : scale.height) - 4);
        var text = lines.length === 1 ? lines[0] : lines;
        if (String(text) !== String(t.text)) { t.text = text; changed = true; }
      });
      var lg = chart.legend, labels = chart.config.options.plugins.legend.labels;
      var boxes = lg.legendHitBoxes || [];
      var tooWide = boxes.some(function (b) { return b.left < 0 || b.left + b.width > chart.width; });
      if (tooWide && labels.font.size > 9) { labels.font = { size: labels.font.size - 1 }; changed = true; }
      var legendBottom = boxes.reduce(function (m, b) { return Math.max(m, b.top + b.height); }, lg.bottom);
      var deficit = Math.max(0, legendBottom + 4 - lg.bottom);
      var want = Math.ceil(chart.height - chart.chartArea.height + plotPx + deficit);
      var box = chart.canvas.parentNode;
      if (Math.abs(want - box.clientHeight) > 1) { box.style.height = want + 'px'; changed = true; }
      if (!changed) return;
      chart.resize();
      chart.update();
    }
  }
  // Legends list series in the spec's order (not the drawing order, which puts references on top);
  // a small-multiple panel names only its own strategy (the figure's key explains the rest).
  function byIndex(a, b) { return a.datasetIndex - b.datasetIndex; }
  function notContext(item, data) { return data.datasets[item.datasetIndex].role !== 'context'; }
  function onlyMain(item, data) { return data.datasets[item.datasetIndex].role === 'main'; }
  var drawn = [];
  specs.forEach(function (s) {
    var canvas = document.getElementById(s.canvasId);
    if (!canvas) return;
    var small = canvas.parentNode.clientWidth < 420 || s.panel;
    var narrow = canvas.parentNode.clientWidth < 240;
    var xs = [], ys = [];
    s.series.forEach(function (series) {
      (series.points || []).forEach(function (p) { xs.push(p.x); ys.push(p.y); });
      (series.values || []).forEach(function (v) { ys.push(v); });
    });
    var chart = new Chart(canvas, {
      type: s.type,
      data: s.type === 'bar' ? { labels: s.categories, datasets: s.series.map(function (x) { return dataset(s, x); }) } : { datasets: s.series.map(function (x) { return dataset(s, x); }) },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: s.type === 'bar' ? undefined : false,
        interaction: { mode: s.type === 'bar' ? 'index' : 'nearest', intersect: false },
        scales: { x: axis(s.x, true, s.type, xs, small), y: axis(s.y, false, s.type, ys, small) },
        plugins: {
          legend: {
            position: s.panel ? 'top' : 'bottom',
            labels: s.type === 'line'
              ? { usePointStyle: true, pointStyle: 'line', pointStyleWidth: 24, boxHeight: 8, padding: 8, font: { size: small ? 11 : 12 }, sort: byIndex, filter: s.panel ? onlyMain : notContext }
              : { boxWidth: 12, boxHeight: 12, padding: 8, font: { size: small ? 11 : 12 }, sort: byIndex }
          },
          tooltip: {
            filter: function (item) { return item.dataset.role !== 'context'; },
            callbacks: { label: function (c) { return c.dataset.label + ': ' + fmt(c.parsed.y) + ' ' + s.y.unit; } }
          }
        }
      }
    });
    var plotPx = s.panel ? (narrow ? 120 : 170) : small ? 210 : canvas.closest('.wide') ? 290 : 260;
    var titles = { x: axisTitle(s.x), y: axisTitle(s.y) };
    drawn.push({ chart: chart, plotPx: plotPx, titles: titles });
    fit(chart, plotPx, titles);
  });
  // Tables wider than their box scroll inside it, and say so.
  function markScrolling() {
    document.querySelectorAll('.table-wrap').forEach(function (w) {
      var scrolls = w.scrollWidth > w.clientWidth + 1;
      if (scrolls) w.setAttribute('data-scrolls', ''); else w.removeAttribute('data-scrolls');
      var cue = w.parentNode.querySelector('.scroll-cue');
      if (cue) cue.hidden = !scrolls;
    });
  }
  markScrolling();
  var pending = 0;
  window.addEventListener('resize', function () {
    clearTimeout(pending);
    pending = setTimeout(function () { drawn.forEach(function (d) { fit(d.chart, d.plotPx, d.titles); }); markScrolling(); }, 100);
  });
  document.documentElement.setAttribute('data-charts-drawn', String(specs.length));
})();
`;
