// The manager's statistics: /api/stats for a date range, as tiles, three charts (Chart.js, served
// by the hall) and the tables beside them, each with its CSV.
(function () {
  "use strict";
  const Hall = window.Hall;
  const { CFG, t } = Hall;
  const root = document.getElementById("stats");
  const $ = (s, el) => (el || root).querySelector(s);
  const form = $(".range");
  const charts = {};
  let result = null;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  const pct = (v) => (v == null ? "—" : `${Math.round(v * 1000) / 10}%`);
  const mins = (s) => (s == null ? "—" : t("minutes_short", { m: Math.round(s / 6) / 10 }));
  const num = (v) => (v == null ? "—" : String(v));
  const lineName = (code) => {
    const b = Hall.business(code);
    return b ? `${t(b.line === "fixed" ? "line_fixed" : "line_mobile")}·${Hall.bname(code)}` : code;
  };
  const clerkName = (u) => CFG.names[u] || u;

  function range() {
    return { from: form.elements.from.value, to: form.elements.to.value };
  }
  async function load() {
    const { from, to } = range();
    const r = await fetch(`/api/stats?from=${from}&to=${to}`);
    const data = await r.json().catch(() => ({}));
    if (!r.ok) {
      if (r.status === 401) location.href = "/login?next=/manager/stats";
      const e = $(".error");
      e.textContent = (data.error || {}).message || r.statusText;
      e.hidden = false;
      return;
    }
    $(".error").hidden = true;
    result = data;
    paint();
  }

  function tiles() {
    const box = $(".tiles");
    box.textContent = "";
    const tot = result.total;
    const items = [
      ["issued", num(tot.issued)], ["served", num(tot.served)], ["no_show", num(tot.no_show)],
      ["wait_mean", mins(tot.wait_mean_s)], ["wait_p90", mins(tot.wait_p90_s)], ["wait_ok", pct(tot.wait_within_target)],
      ["service_ok", pct(tot.within_target)], ["rating", result.ratings.mean == null ? "—" : `${result.ratings.mean} / 4`],
      ["uptake", pct(result.recommendations.uptake)], ["retention", pct(result.churn.retention)],
      ["overdue", num(result.follow_ups.overdue)],
    ];
    for (const [key, value] of items) {
      const tile = el("div", "tile");
      tile.dataset.figure = key;
      tile.appendChild(el("b", null, value));
      tile.appendChild(el("span", null, t(key)));
      box.appendChild(tile);
    }
  }

  function chart(name, config) {
    if (typeof Chart === "undefined") return;
    if (charts[name]) charts[name].destroy();
    config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false }, config.options || {});
    charts[name] = new Chart($(`canvas[data-chart="${name}"]`), config);
    $(`canvas[data-chart="${name}"]`).dataset.drawn = "true";
  }

  function paintCharts() {
    const hours = hourKeys();
    chart("hours", {
      data: {
        labels: hours.map((h) => `${h}:00`),
        datasets: [
          { type: "bar", label: t("arrivals"), data: hours.map((h) => result.hours[h].issued), backgroundColor: "#7b6aa8", yAxisID: "y" },
          { type: "line", label: t("wait_mean"), data: hours.map((h) => result.hours[h].wait_mean_s == null ? null : Math.round(result.hours[h].wait_mean_s / 6) / 10),
            borderColor: "#b5121b", backgroundColor: "#b5121b", yAxisID: "y1" },
        ],
      },
      options: { scales: { y: { beginAtZero: true, position: "left" }, y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } } } },
    });
    const codes = Object.keys(result.businesses).filter((c) => result.businesses[c].issued > 0);
    chart("compliance", {
      type: "bar",
      data: {
        labels: codes.map(lineName),
        datasets: [
          { label: t("wait_ok"), data: codes.map((c) => (result.businesses[c].wait_within_target ?? 0) * 100), backgroundColor: "#1b7f3b" },
          { label: t("service_ok"), data: codes.map((c) => (result.businesses[c].within_target ?? 0) * 100), backgroundColor: "#3a2a5c" },
        ],
      },
      options: { indexAxis: "y", scales: { x: { min: 0, max: 100 }, y: { ticks: { autoSkip: false, font: { size: 11 } } } } },
    });
    const clerks = Object.keys(result.clerks).filter((u) => result.clerks[u].ratings > 0);
    chart("clerks", {
      type: "bar",
      data: { labels: clerks.map(clerkName),
              datasets: [{ label: t("rating"), data: clerks.map((u) => result.clerks[u].rating_mean), backgroundColor: "#b26a00" }] },
      options: { scales: { y: { min: 0, max: 4 } } },
    });
  }

  const FIGURES = [["issued", "issued"], ["served", "served"], ["no_show", "no_show"], ["transferred_out", "transferred_out"],
                   ["wait_mean", "wait_mean_s", mins], ["wait_median", "wait_median_s", mins], ["wait_p90", "wait_p90_s", mins],
                   ["wait_ok", "wait_within_target", pct], ["service_mean", "service_mean_s", mins],
                   ["service_p90", "service_p90_s", mins], ["service_ok", "within_target", pct],
                   ["rating", "rating_mean"], ["ratings_n", "ratings"]];

  function table(title, csvTable, headers, rows) {
    const sec = el("section", "panel");
    sec.dataset.table = csvTable;
    const h = el("h2", null, t(title));
    const { from, to } = range();
    const a = el("a", null, t("csv"));
    a.href = `/api/stats.csv?from=${from}&to=${to}&table=${csvTable}`;
    a.dataset.csv = csvTable;
    h.appendChild(a);
    sec.appendChild(h);
    const tbl = el("table");
    const head = el("tr");
    headers.forEach((x) => head.appendChild(el("th", null, x)));
    tbl.appendChild(el("thead")).appendChild(head);
    const body = el("tbody");
    for (const row of rows) {
      const tr = el("tr");
      row.forEach((x, i) => tr.appendChild(el("td", i ? "num" : null, x)));
      body.appendChild(tr);
    }
    if (!rows.length) body.appendChild(el("tr")).appendChild(el("td", null, t("none")));
    tbl.appendChild(body);
    sec.appendChild(tbl);
    return sec;
  }
  // Tickets are issued to a queue; a counter or a clerk is measured by the tickets it called.
  const PEOPLE_FIGURES = [["called", "called"]].concat(FIGURES.slice(1));
  // "09" … "17": JavaScript would list "10" … "17" before "09" (integer-like keys first).
  const hourKeys = () => Object.keys(result.hours).sort((a, b) => Number(a) - Number(b));

  function figureRows(group, label, figures = FIGURES, keys = Object.keys(group)) {
    return keys.map((k) => [label(k)].concat(figures.map(([, key, fmt]) => (fmt || num)(group[k][key]))));
  }

  function paintTables() {
    const box = $(".tables");
    box.textContent = "";
    const heads = FIGURES.map(([k]) => t(k));
    const used = Object.fromEntries(Object.entries(result.businesses).filter(([, f]) => f.issued || f.served));
    box.appendChild(table("by_business", "businesses", [t("business")].concat(heads), figureRows(used, lineName)));
    const peopleHeads = PEOPLE_FIGURES.map(([k]) => t(k));
    box.appendChild(table("by_counter", "counters", [t("counter")].concat(peopleHeads),
      figureRows(result.counters, Hall.counterName, PEOPLE_FIGURES)));
    box.appendChild(table("by_clerk", "clerks", [t("clerk")].concat(peopleHeads),
      figureRows(result.clerks, clerkName, PEOPLE_FIGURES)));
    box.appendChild(table("by_hour", "hours", [t("hour")].concat(heads),
      figureRows(result.hours, (h) => `${h}:00`, FIGURES, hourKeys())));
    box.appendChild(table("recommendations", "recommendations", [t("business"), t("offered"), t("accepted"), t("uptake")],
      Object.entries(result.recommendations.by_what).map(([w, r]) => [w, num(r.offered), num(r.accepted), pct(r.uptake)])));
    box.appendChild(table("churn", "churn", [t("reason"), t("asked"), t("stayed"), t("retention")],
      Object.entries(result.churn.by_reason).map(([w, c]) => [w, num(c.asked), num(c.stayed), pct(c.retention)])));
    box.appendChild(table("hand", "hand", [t("hand_what"), t("hand_name"), t("hand_n"), t("hand_of")], handRows()));
  }

  // The counter's hand: who called out of order and why, no-shows brought back, parked
  // customers, second businesses, priority given and by whom.
  function handRows() {
    const h = result.counter_hand;
    if (!h) return [];
    const who = (k) => (k === "crm" ? t("hand_crm") : clerkName(k));
    const rows = [];
    for (const [k, n] of Object.entries(h.out_of_order.by_clerk)) rows.push([t("hand_ooo_clerk"), who(k), num(n), ""]);
    for (const [k, n] of Object.entries(h.out_of_order.by_reason)) rows.push([t("hand_ooo_reason"), k, num(n), ""]);
    if (h.requeued.requeued) rows.push([t("hand_requeued"), "", num(h.requeued.requeued), t("hand_requeued_served", { n: h.requeued.served })]);
    if (h.parked.parked) {
      rows.push([t("hand_parked"), "", num(h.parked.parked), t("hand_parked_of", {
        a: h.parked.called_back, b: h.parked.returned_by_itself,
        m: h.parked.away_mean_s == null ? "—" : mins(h.parked.away_mean_s) })]);
    }
    for (const [k, v] of Object.entries(h.second_businesses)) rows.push([t("hand_second"), lineName(k), num(v.added), t("hand_second_of", { n: v.served_at_once })]);
    for (const [k, n] of Object.entries(h.priority_given.by)) rows.push([t("hand_priority"), who(k), num(n), ""]);
    return rows;
  }

  function paint() {
    if (!result) return;
    tiles();
    paintCharts();
    paintTables();
    root.dataset.painted = String(Date.now());
  }

  form.addEventListener("submit", (ev) => { ev.preventDefault(); load(); });
  root.addEventListener("click", (ev) => {
    const l = ev.target.closest("[data-lang]");
    if (l) { Hall.setLang(l.dataset.lang); Hall.translate(root); paint(); }
  });
  const params = new URLSearchParams(location.search);
  const today = new Date(CFG.today + "T00:00:00");
  const monthAgo = new Date(today.getTime() - 29 * 86400000);
  const ymd = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  form.elements.from.value = params.get("from") || ymd(monthAgo);
  form.elements.to.value = params.get("to") || CFG.today;
  Hall.translate(root);
  load();
})();
