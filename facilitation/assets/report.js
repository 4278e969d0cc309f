// The report's behaviour: draw the figures, play the years in step across scenarios, presentation mode, print.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("casim-data").textContent);
  const years = data.years;
  // width (CSS px) a chart may take on paper: A4 less 2 x 12 mm margins (Letter is wider)
  const PRINT_WIDTH_PX = 700;
  const STEP_MS = 800;
  const FONT = { page: 14, present: 18 };
  let yearIndex = 0;
  let timer = null;

  for (const [id, fig] of Object.entries(data.figures)) {
    Plotly.newPlot(document.getElementById(id), fig.data, fig.layout, data.config);
  }

  // the latest of a scenario's own years that is not after the calendar year shown
  function frameOf(own, year) {
    let k = 0;
    for (let i = 0; i < own.length; i++) if (own[i] <= year) k = i;
    return k;
  }

  function showYear(i) {
    yearIndex = Math.max(0, Math.min(years.length - 1, i));
    const year = years[yearIndex];
    for (const n of data.networks) {
      const frame = n.frames[frameOf(n.years, year)];
      Plotly.restyle(n.div, { "marker.color": [Array.from(frame, (c) => n.colours[+c])] }, [1]);
    }
    for (const m of data.maps) {
      Plotly.restyle(m.div, { fillcolor: m.colours[frameOf(m.years, year)] }, m.traces);
    }
    document.querySelectorAll(".year-slider").forEach((s) => { s.value = yearIndex; });
    document.querySelectorAll("output.year").forEach((o) => { o.textContent = year; });
  }

  function setButtons(playing) {
    document.querySelectorAll("button.play").forEach((b) => {
      b.textContent = playing ? "❚❚ " + b.dataset.pause : "▶ " + b.dataset.play;
    });
  }

  function pause() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    setButtons(false);
  }

  function play() {
    if (yearIndex >= years.length - 1) showYear(0);
    timer = setInterval(() => {
      if (yearIndex >= years.length - 1) { pause(); return; }
      showYear(yearIndex + 1);
    }, STEP_MS);
    setButtons(true);
  }

  document.querySelectorAll("button.play").forEach((b) => b.addEventListener("click", () => (timer === null ? play() : pause())));
  document.querySelectorAll(".year-slider").forEach((s) => s.addEventListener("input", () => { pause(); showYear(+s.value); }));

  // presentation mode: one section per screen
  const slides = Array.from(document.querySelectorAll("section.slide"));
  const pager = document.querySelector(".pager");
  let current = 0;

  function plotsIn(element) { return Array.from(element.querySelectorAll(".js-plotly-plot")); }

  function fit(element, size) {
    for (const div of plotsIn(element)) {
      Plotly.relayout(div, { "font.size": size }).then(() => Plotly.Plots.resize(div));
    }
  }

  function goTo(i) {
    current = Math.max(0, Math.min(slides.length - 1, i));
    slides.forEach((s, k) => s.classList.toggle("current", k === current));
    pager.textContent = data.strings.slide.replace("{current}", current + 1).replace("{total}", slides.length)
      + " · " + data.strings.exit;
    fit(slides[current], FONT.present);
  }

  function presenting() { return document.body.classList.contains("present"); }

  function present(on) {
    document.body.classList.toggle("present", on);
    if (on) {
      goTo(current);
      if (document.documentElement.requestFullscreen && !document.fullscreenElement) {
        document.documentElement.requestFullscreen().catch(() => {});
      }
    } else {
      slides.forEach((s) => s.classList.remove("current"));
      if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
      fit(document, FONT.page);
    }
  }

  document.addEventListener("fullscreenchange", () => {
    if (!document.fullscreenElement && presenting()) present(false);
  });

  const NEXT = ["ArrowRight", "ArrowDown", "PageDown", " ", "Enter"];
  const PREVIOUS = ["ArrowLeft", "ArrowUp", "PageUp", "Backspace"];
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (!presenting()) {
      if ((e.key === "p" || e.key === "P") && e.target.tagName !== "INPUT") { e.preventDefault(); present(true); }
      return;
    }
    let handled = true;
    if (NEXT.includes(e.key)) goTo(current + 1);
    else if (PREVIOUS.includes(e.key)) goTo(current - 1);
    else if (e.key === "Home") goTo(0);
    else if (e.key === "End") goTo(slides.length - 1);
    else if (e.key === "Escape" || e.key === "p" || e.key === "P") present(false);
    else handled = false;
    if (handled) e.preventDefault();
  }, true);

  document.querySelectorAll("button.present").forEach((b) => b.addEventListener("click", () => present(true)));
  document.querySelectorAll("button.print").forEach((b) => b.addEventListener("click", () => window.print()));

  // on paper a chart keeps its screen drawing, scaled to the page's width
  function printZoom() {
    for (const div of document.querySelectorAll(".plot.chart")) {
      const width = div.getBoundingClientRect().width;
      if (width > 0) div.style.setProperty("--print-zoom", Math.min(1, PRINT_WIDTH_PX / width).toFixed(3));
    }
  }
  window.addEventListener("resize", printZoom);
  printZoom();

  // the yearly numbers as a CSV file, made in the browser (no network)
  document.querySelectorAll("button.download").forEach((b) => b.addEventListener("click", () => {
    const csv = JSON.parse(document.getElementById("casim-csv").textContent);
    const blob = new Blob([csv], { type: "text/csv" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = b.dataset.file;
    link.click();
  }));

  showYear(0);
})();
