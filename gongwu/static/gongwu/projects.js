/* Charts of the project pages and the portfolio summary (ECharts), and the summary's filter form.
 *
 * A chart is an element `<div class="gw-chart" data-gw-chart="ID">` whose data is the JSON of the
 * `<script type="application/json" id="ID">` written by Django's json_script. A data point that carries
 * a URL opens the list of the projects behind it when clicked.
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

  function narrow(element) {
    return element.clientWidth < 480;
  }

  function baseOption(element) {
    var small = narrow(element);
    return {
      color: PALETTE,
      textStyle: { fontFamily: "inherit" },
      grid: { left: 8, right: small ? 8 : 16, top: 32, bottom: 8, containLabel: true },
      tooltip: { trigger: "item", confine: true },
    };
  }

  function lineOption(data, element) {
    var option = baseOption(element);
    option.tooltip = { trigger: "axis", confine: true, valueFormatter: function (v) { return esc(v) + "%"; } };
    option.grid.top = 16;
    option.xAxis = { type: "category", data: data.labels, boundaryGap: false, axisLabel: { hideOverlap: true } };
    option.yAxis = { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } };
    option.series = [{
      name: data.name, type: "line", data: data.values, smooth: false, symbolSize: 6, showSymbol: data.values.length <= 24,
      areaStyle: { opacity: 0.12 }, label: { show: data.values.length <= 12 && !narrow(element), position: "top", formatter: "{c}%" },
    }];
    return option;
  }

  function barOption(data, element) {
    var option = baseOption(element);
    option.grid.top = 16;
    option.grid.right = 40; // room for the value labels at the bars' ends
    option.xAxis = { type: "value", minInterval: 1 };
    option.yAxis = { type: "category", data: data.labels, inverse: true, axisTick: { show: false } };
    option.series = [{
      name: data.name, type: "bar", data: data.values, barMaxWidth: 22, cursor: "pointer",
      label: { show: true, position: "right" },
    }];
    return option;
  }

  function pieOption(data, element) {
    var option = baseOption(element);
    var small = narrow(element);
    option.legend = { type: "scroll", bottom: 0, left: "center" };
    option.series = [{
      type: "pie", radius: small ? ["35%", "62%"] : ["40%", "68%"], center: ["50%", "45%"], cursor: "pointer",
      data: data.items.map(function (item) { return { name: item.name, value: item.value }; }),
      label: { show: !small, formatter: "{b}\n{c}" },
      avoidLabelOverlap: true,
    }];
    return option;
  }

  // How many lines a plain (wrapping) legend of these names takes in `width` pixels, ECharts' default sizes.
  var measure = document.createElement("canvas").getContext("2d");
  function legendLines(names, width) {
    measure.font = "12px " + (getComputedStyle(document.body).fontFamily || "sans-serif");
    var lines = 1, used = 0;
    names.forEach(function (name) {
      var item = 25 + 5 + Math.ceil(measure.measureText(name).width);
      if (used > 0 && used + 10 + item > width) {
        lines += 1;
        used = item;
      } else {
        used += (used > 0 ? 10 : 0) + item;
      }
    });
    return lines;
  }

  function stackedOption(data, element) {
    var option = baseOption(element);
    option.tooltip = { trigger: "axis", axisPointer: { type: "shadow" }, confine: true };
    var shown = data.series.filter(function (s) { return s.values.some(function (v) { return v > 0; }); });
    // Every kind stays visible: a legend that wraps, and the bars start below it.
    option.legend = { type: "plain", top: 0, left: "center", width: "96%" };
    option.grid.top = 24 * legendLines(shown.map(function (s) { return s.name; }), element.clientWidth * 0.96 - 10) + 12;
    option.xAxis = { type: "category", data: data.labels, axisTick: { show: false } };
    option.yAxis = { type: "value", minInterval: 1 };
    option.series = shown
      .map(function (s) {
        return { name: s.name, type: "bar", stack: "total", data: s.values, barMaxWidth: 48, cursor: "pointer", emphasis: { focus: "series" } };
      });
    return option;
  }

  var BUILDERS = { line: lineOption, bar: barOption, pie: pieOption, stacked: stackedOption };

  function urlOf(data, params) {
    if (data.kind === "pie") {
      var item = data.items[params.dataIndex];
      return item && item.url;
    }
    if (data.kind === "stacked") {
      var series = data.series.filter(function (s) { return s.name === params.seriesName; })[0];
      return series && series.urls[params.dataIndex];
    }
    return data.urls && data.urls[params.dataIndex];
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
    var wasWidth = element.clientWidth;
    var resize = function () {
      chart.resize();
      // the stacked chart's legend wraps with the width; the others change only between desk and phone
      var changed = data.kind === "stacked" ? element.clientWidth !== wasWidth : narrow(element) !== wasNarrow;
      wasWidth = element.clientWidth;
      wasNarrow = narrow(element);
      if (changed) build();
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
      // a new year replaces any custom period (core/_selection.html); another agency keeps it
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
