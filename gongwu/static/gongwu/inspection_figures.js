/* The JGJ 59 score trend of the inspection figures page (ECharts): one line per project, a point per scored
 * inspection. Its data is the JSON of `<script type="application/json" id="chart-trend">` (kind "trend");
 * projects.js draws the page's other charts and skips this one. Clicking a line opens the project's inspections.
 */
(function () {
  "use strict";

  var esc = window.gongwuCharts.escape;
  var PALETTE = ["#066fd1", "#2fb344", "#f76707", "#ae3ec9", "#17a2b8", "#f59f00", "#d63939", "#4263eb", "#0ca678", "#667382"];

  function readData(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  function option(data, element) {
    var small = element.clientWidth < 480;
    return {
      color: PALETTE,
      textStyle: { fontFamily: "inherit" },
      tooltip: {
        trigger: "item", confine: true,
        formatter: function (p) { return esc(p.seriesName) + "<br>" + esc(p.value[0]) + ": " + esc(p.value[1]); },
      },
      legend: { type: "scroll", bottom: 0, left: "center" },
      grid: { left: 8, right: small ? 8 : 16, top: 16, bottom: 36, containLabel: true },
      xAxis: { type: "time", axisLabel: { hideOverlap: true } },
      // the grade thresholds of JGJ 59-2011 §5.0.2: 80 (优良) and 70 (合格)
      yAxis: { type: "value", min: function (v) { return Math.max(0, Math.floor(v.min / 10) * 10 - 10); }, max: 100 },
      series: data.series.map(function (s, i) {
        var line = { name: s.name, type: "line", data: s.points, symbolSize: 6, cursor: "pointer" };
        if (i === 0) {
          line.markLine = {
            silent: true, symbol: "none", label: { formatter: "{c}" },
            lineStyle: { type: "dashed", color: "#667382" }, data: [{ yAxis: 80 }, { yAxis: 70 }],
          };
        }
        return line;
      }),
    };
  }

  function draw(element) {
    var data = readData(element.getAttribute("data-gw-chart"));
    if (!data || data.kind !== "trend" || typeof window.echarts === "undefined") return;
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(option(data, element), true);
    chart.on("click", function (params) {
      var series = data.series[params.seriesIndex];
      if (series && series.url) window.location.assign(series.url);
    });
    if (typeof ResizeObserver !== "undefined") {
      new ResizeObserver(function () { chart.resize(); }).observe(element);
    } else {
      window.addEventListener("resize", function () { chart.resize(); });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-gw-chart]").forEach(draw);
  });
})();
