// Report charts: each .report-chart holds its ECharts option as JSON (app/reports/charts.py
// builds it; the PDF renders the same option as SVG). Data only, no functions.
(function () {
  "use strict";
  function draw() {
    document.querySelectorAll(".report-chart[data-option]").forEach(function (el) {
      var chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption(JSON.parse(el.dataset.option));
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
