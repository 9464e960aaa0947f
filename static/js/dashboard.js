// The service dashboard's charts, drawn from the JSON the page embeds
// (json_script "dashboard-data"). The charts are decoration: each sits beside a
// table carrying the same figures, and the canvas is hidden from screen readers.
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var charts = JSON.parse(source.textContent);
    document.querySelectorAll("canvas.kpi-chart").forEach(function (canvas) {
      var data = charts[canvas.dataset.chart];
      if (!data) {
        return;
      }
      var datasets = [
        {
          type: "bar",
          label: data.label,
          data: data.values,
          backgroundColor: "#0d6efd",
        },
      ];
      if (data.target !== null) {
        datasets.push({
          type: "line",
          label: "Target",
          data: data.labels.map(function () { return data.target; }),
          borderColor: "#dc3545",
          borderDash: [6, 4],
          pointRadius: 0,
          fill: false,
        });
      }
      new window.Chart(canvas, {
        data: { labels: data.labels, datasets: datasets },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: true,
          scales: { y: { beginAtZero: true } },
        },
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
