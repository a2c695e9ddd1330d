/* The leader's board: its two charts (ECharts) and the period form.
 *
 * A chart is `<div class="gw-chart" data-gw-chart="ID">` whose data is the JSON of the
 * `<script type="application/json" id="ID">` written by json_script. Clicking a slice or a bar opens
 * the list of the cases behind it.
 */
(function () {
  "use strict";

  var LEVEL_COLOURS = { red: "#d63939", orange: "#f76707", yellow: "#f59f00", blue: "#066fd1" };

  function readData(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  function narrow(element) {
    return element.clientWidth < 480;
  }

  function pieOption(data, element) {
    var small = narrow(element);
    return {
      textStyle: { fontFamily: "inherit" },
      tooltip: { trigger: "item", confine: true },
      legend: { type: "scroll", bottom: 0, left: "center" },
      series: [{
        type: "pie", radius: small ? ["35%", "62%"] : ["40%", "68%"], center: ["50%", "45%"], cursor: "pointer",
        avoidLabelOverlap: true,
        label: { show: true, formatter: small ? "{c}" : "{b}\n{c}" },
        data: data.items.map(function (item) {
          return { name: item.name, value: item.value, itemStyle: { color: LEVEL_COLOURS[item.colour] || "#667382" } };
        }),
      }],
    };
  }

  function barsOption(data, element) {
    var small = narrow(element);
    return {
      color: ["#066fd1", "#2fb344"],
      textStyle: { fontFamily: "inherit" },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
      legend: { top: 0, left: "center" },
      grid: { left: 8, right: small ? 8 : 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.labels, axisTick: { show: false }, axisLabel: { interval: 0, width: small ? 56 : 110, overflow: "break" } },
      yAxis: { type: "value", minInterval: 1 },
      series: data.series.map(function (s) {
        return { name: s.name, type: "bar", data: s.values, barMaxWidth: 36, cursor: "pointer", label: { show: !small, position: "top" } };
      }),
    };
  }

  var BUILDERS = { pie: pieOption, bars: barsOption };

  function urlOf(data, params) {
    if (data.kind === "pie") {
      var item = data.items[params.dataIndex];
      return item && item.url;
    }
    var series = data.series[params.seriesIndex];
    return series && series.urls[params.dataIndex];
  }

  function draw(element) {
    var data = readData(element.getAttribute("data-gw-chart"));
    if (!data || !BUILDERS[data.kind] || typeof window.echarts === "undefined") return;
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    var build = function () { chart.setOption(BUILDERS[data.kind](data, element), true); };
    build();
    chart.on("click", function (params) {
      var url = urlOf(data, params);
      if (url) window.location.assign(url);
    });
    var wasNarrow = narrow(element);
    var resize = function () {
      chart.resize();
      if (narrow(element) !== wasNarrow) {
        wasNarrow = narrow(element);
        build();
      }
    };
    if (typeof ResizeObserver !== "undefined") {
      new ResizeObserver(resize).observe(element);
    } else {
      window.addEventListener("resize", resize);
    }
  }

  function autosubmit(form) {
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (!target || !target.matches("select")) return;
      // a new year replaces any custom period; another agency keeps it
      if (target.name === "year") {
        form.querySelectorAll("input[type=date]").forEach(function (input) { input.disabled = true; });
      }
      form.submit();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-gw-chart]").forEach(draw);
    document.querySelectorAll("form[data-gw-autosubmit]").forEach(autosubmit);
  });
})();
