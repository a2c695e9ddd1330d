/* What every chart script shares. ECharts shows a tooltip formatter's result as HTML: any text from the data
 * that goes into one (a project's name, a unit) goes through `gongwuCharts.escape` first, so a name such as
 * `<img src=x onerror=…>` shows as written and never becomes an element. Labels and axis labels are drawn on
 * the canvas as text and need no escaping. Loaded on every page by base.html.
 */
(function () {
  "use strict";

  var ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

  window.gongwuCharts = {
    escape: function (value) {
      if (value === undefined || value === null) return "";
      return String(value).replace(/[&<>"']/g, function (c) { return ENTITIES[c]; });
    },
  };
})();
