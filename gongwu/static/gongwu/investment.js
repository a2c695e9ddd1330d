/* The investment pages' cumulative curves (ECharts): plan, schedule, confirmed actual and payments by month.
 *
 * An element `<div data-gw-curves="ID">` draws the JSON of `<script type="application/json" id="ID">`:
 * {labels, unit, series: [{name, kind, values}]}. The plan is a dashed line, the schedule a line, the actual
 * an area; the months not yet reported are simply absent from the actual and payment series.
 */
(function () {
  "use strict";

  var esc = window.gongwuCharts.escape;
  var COLOURS = { plan: "#667382", schedule: "#066fd1", actual: "#2fb344", paid: "#f76707" };

  function option(data, element) {
    var small = element.clientWidth < 480;
    return {
      textStyle: { fontFamily: "inherit" },
      tooltip: {
        trigger: "axis", confine: true,
        valueFormatter: function (v) { return v === undefined || v === null ? "—" : esc(v.toLocaleString() + " " + data.unit); },
      },
      // On a phone the legend wraps onto two lines (no paging: every series stays visible) above the grid.
      legend: small
        ? { top: 0, left: 0, right: 0, itemWidth: 14, itemHeight: 8, itemGap: 8, textStyle: { fontSize: 11 } }
        : { top: 0, left: "center" },
      grid: { left: 8, right: small ? 12 : 24, top: small ? 52 : 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.labels, boundaryGap: false, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", axisLabel: { formatter: function (v) { return v.toLocaleString(); } } },
      series: data.series.map(function (s) {
        var line = {
          name: s.name, type: "line", data: s.values, showSymbol: !small, symbolSize: 5,
          itemStyle: { color: COLOURS[s.kind] }, lineStyle: { color: COLOURS[s.kind], width: 2 },
        };
        if (s.kind === "plan") { line.lineStyle.type = "dashed"; line.showSymbol = false; }
        if (s.kind === "actual") { line.areaStyle = { opacity: 0.12 }; }
        return line;
      }),
    };
  }

  function draw(element) {
    var node = document.getElementById(element.getAttribute("data-gw-curves"));
    if (!node || typeof window.echarts === "undefined") return;
    var data;
    try { data = JSON.parse(node.textContent); } catch (e) { return; }
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(option(data, element), true);
    var wasSmall = element.clientWidth < 480;
    var resize = function () {
      chart.resize();
      var small = element.clientWidth < 480;
      if (small !== wasSmall) { wasSmall = small; chart.setOption(option(data, element), true); }
    };
    if (typeof ResizeObserver !== "undefined") new ResizeObserver(resize).observe(element);
    else window.addEventListener("resize", resize);
  }

  // The review queue: a month's "all" box ticks that month's reports (not those the user may not confirm).
  function checkAll(box) {
    box.addEventListener("change", function () {
      var month = box.getAttribute("data-gw-check-all");
      document.querySelectorAll('input[name="actual"][data-month="' + month + '"]:not(:disabled)').forEach(function (item) {
        item.checked = box.checked;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-gw-curves]").forEach(draw);
    document.querySelectorAll("[data-gw-check-all]").forEach(checkAll);
  });
})();
