// The report's behaviour: draw the figures, play the years in step across scenarios, presentation mode, print.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("casim-data").textContent);
  const years = data.years;
  // width (CSS px) a chart may take on paper: A4 less 2 x 12 mm margins (Letter is wider)
  const PRINT_WIDTH_PX = 700;
  const STEP_MS = 800;
  const FONT = { page: 14, present: 18 };
  // presentation mode: what a screenful starts or ends with; the space kept above or below it (px); how much of a
  // screen a block taller than the screen moves by; the mark of a section that goes on below the screen
  const BLOCKS = "h1, h2, h3, p, li, tr, figure, figcaption, .plot, .controls";
  const MARGIN_PX = 12;
  const PAGE = 0.85;
  const MORE = "▼";
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
    for (const m of data.maps) {  // its shades and the year in its corner (annotation 0: report_figures.map_figure)
      const k = frameOf(m.years, year);
      Plotly.update(m.div, { fillcolor: m.colours[k] }, { "annotations[0].text": "<b>" + m.years[k] + "</b>" }, m.traces);
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

  // a network view's region headings go one word to a line where their two lines run into one another (a phone's
  // ~120 px panels: referee 50 m7), checked after every drawing; back on two lines when the view grows wider again
  function overlapping(div) {
    const boxes = Array.from(div.querySelectorAll(".annotation")).map((a) => a.getBoundingClientRect())
      .filter((r) => r.width > 0).sort((a, b) => a.left - b.left);
    return boxes.some((r, i) => i > 0 && boxes[i - 1].right > r.left);
  }

  function setHeadings(n, narrow) {
    const div = document.getElementById(n.div);
    n.narrowAt = narrow ? div.getBoundingClientRect().width : null;
    const update = { "margin.t": n.top + (narrow ? n.narrow.extra : 0) };
    n.wide.forEach((text, i) => { update["annotations[" + i + "].text"] = narrow ? n.narrow.texts[i] : text; });
    Plotly.relayout(div, update);
  }

  for (const n of data.networks) {
    const div = document.getElementById(n.div);
    n.wide = div.layout.annotations.map((a) => a.text);
    n.top = div.layout.margin.t;
    n.narrowAt = null;
    const check = () => { if (n.narrowAt === null && overlapping(div)) setHeadings(n, true); };
    div.on("plotly_afterplot", check);
    check();
  }
  window.addEventListener("resize", () => {
    for (const n of data.networks) {
      if (n.narrowAt !== null && document.getElementById(n.div).getBoundingClientRect().width > n.narrowAt) {
        setHeadings(n, false);
      }
    }
  });

  document.querySelectorAll("button.play").forEach((b) => b.addEventListener("click", () => (timer === null ? play() : pause())));
  document.querySelectorAll(".year-slider").forEach((s) => s.addEventListener("input", () => { pause(); showYear(+s.value); }));

  // presentation mode: one section per screen
  const slides = Array.from(document.querySelectorAll("section.slide"));
  const pager = document.querySelector(".pager");
  let current = 0;

  function plotsIn(element) { return Array.from(element.querySelectorAll(".js-plotly-plot")); }

  // the figures' type at ``size`` and their drawing at their boxes' size; then the pager's mark (referee 40 m2: set
  // before, it said "more below" of a section the resized figures no longer made overflow)
  function fit(element, size) {
    for (const div of plotsIn(element)) {
      Plotly.relayout(div, { "font.size": size }).then(() => Plotly.Plots.resize(div))
        .then(() => { if (presenting()) showPage(); });
    }
  }

  // "2 of 15", with a mark while the section goes on below the screen
  function showPage() {
    const slide = slides[current];
    const more = slide.scrollTop + slide.clientHeight < slide.scrollHeight - 1;
    pager.textContent = data.strings.slide.replace("{current}", current + 1).replace("{total}", slides.length)
      + (more ? " " + MORE : "") + " · " + data.strings.exit;
  }

  // section i, at its top (or at its end, coming back from the next one)
  function goTo(i, atEnd) {
    current = Math.max(0, Math.min(slides.length - 1, i));
    slides.forEach((s, k) => s.classList.toggle("current", k === current));
    const slide = slides[current];
    stickUnder(slide);
    slide.scrollTop = atEnd ? slide.scrollHeight : 0;
    fit(slide, FONT.present);
    showPage();
  }

  // the section's heading, which stays at the top of the screen while the section scrolls (CSS: sticky)
  function heading(slide) { return slide.querySelector(":scope > header, :scope > h2"); }

  // where a table's header row sticks: under the heading (whose height changes with the screen's width)
  function stickUnder(slide) {
    const head = heading(slide);
    slide.style.setProperty("--head", (head ? head.offsetHeight : 0) + "px");
  }

  // what stays at the top of the screen while the section scrolls (CSS: sticky): its heading, a table's header row
  function stickies(slide) {
    const head = heading(slide);
    return [...(head ? [head] : []), ...slide.querySelectorAll("thead")];
  }

  // the blocks a screenful starts or ends with, so that no line is cut between two screens
  function blocks(slide) {
    const fixed = stickies(slide);
    return Array.from(slide.querySelectorAll(BLOCKS))
      .filter((e) => !e.querySelector(BLOCKS) && !fixed.some((f) => f.contains(e)))
      .map((e) => e.getBoundingClientRect()).filter((r) => r.height > 0);
  }

  // the part of the section's box that shows its text, below what is stuck at its top (px from the viewport's top)
  function shown(slide) {
    const box = slide.getBoundingClientRect();
    let top = box.top;
    for (const f of stickies(slide)) {
      const r = f.getBoundingClientRect();
      if (r.height > 0 && r.top <= top + 1) top = Math.max(top, r.bottom);
    }
    return [top, box.top + slide.clientHeight];
  }

  // the foot of what will be stuck at the top once the section has scrolled (a table's header row, if any)
  function stuckFoot(slide) {
    const head = heading(slide);
    const foot = slide.getBoundingClientRect().top + (head ? head.offsetHeight : 0);
    const thead = Array.from(slide.querySelectorAll("thead")).find((t) => t.getBoundingClientRect().height > 0);
    return foot + (thead ? thead.offsetHeight : 0);  // the screen's table: the page's is hidden
  }

  // Next: the section's next screenful, starting with the first block the screen cuts or leaves below it; false at
  // the section's end (a block taller than the screen moves by most of a screen)
  function screenDown(slide) {
    const last = slide.scrollHeight - slide.clientHeight;
    if (slide.scrollTop >= last - 1) return false;
    const [top, bottom] = shown(slide);
    const cut = blocks(slide).filter((r) => r.bottom > bottom + 1).map((r) => r.top);
    const first = cut.length ? Math.min(...cut) - stuckFoot(slide) - MARGIN_PX : 0;
    const step = first > 1 ? first : (bottom - top) * PAGE;
    slide.scrollTop = Math.min(last, slide.scrollTop + step);
    return true;
  }

  // Previous: the screenful before, ending with the last block the screen cuts or leaves above it
  function screenUp(slide) {
    if (slide.scrollTop <= 0) return false;
    const [top, bottom] = shown(slide);
    const cut = blocks(slide).filter((r) => r.top < top - 1).map((r) => r.bottom);
    const last = cut.length ? bottom - Math.max(...cut) - MARGIN_PX : 0;
    const step = last > 1 ? last : (bottom - top) * PAGE;
    slide.scrollTop = Math.max(0, slide.scrollTop - step);
    return true;
  }

  function next() { if (!screenDown(slides[current])) goTo(current + 1); else showPage(); }
  function previous() {
    if (!screenUp(slides[current])) { if (current > 0) goTo(current - 1, true); } else showPage();
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

  document.addEventListener("scroll", () => { if (presenting()) showPage(); }, true);  // the wheel scrolls too
  window.addEventListener("resize", () => { if (presenting()) { stickUnder(slides[current]); showPage(); } });

  document.addEventListener("fullscreenchange", () => {
    if (!document.fullscreenElement && presenting()) present(false);
  });

  const NEXT = ["ArrowRight", "ArrowDown", "PageDown", " ", "Enter"];
  const PREVIOUS = ["ArrowLeft", "ArrowUp", "PageUp", "Backspace"];
  // keys a focused year slider keeps (it moves the year); a clicker's PageDown/PageUp still change screens
  const SLIDER_KEYS = ["ArrowRight", "ArrowDown", "ArrowLeft", "ArrowUp", "Home", "End"];
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (!presenting()) {
      if ((e.key === "p" || e.key === "P") && e.target.tagName !== "INPUT") { e.preventDefault(); present(true); }
      return;
    }
    if (e.target.tagName === "INPUT" && SLIDER_KEYS.includes(e.key)) return;
    let handled = true;
    if (NEXT.includes(e.key)) next();
    else if (PREVIOUS.includes(e.key)) previous();
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

  // the wide table's headers: their length, from which report.css sets their width
  document.querySelectorAll(".table:not(.present-only) thead th").forEach((th) => {
    th.style.setProperty("--chars", th.textContent.length);
  });

  showYear(0);
})();
