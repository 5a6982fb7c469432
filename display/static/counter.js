// The screen at a counter: its number, its clerk, 暂停服务; after service, the rating pad.
(function () {
  "use strict";
  const { CFG, t, translate, socket } = window.Hall;
  const root = document.getElementById("counter");
  const $ = (s) => root.querySelector(s);
  let ratingTimer = null;
  let shown = -1;             // the hall's version painted: an older state never overwrites it

  // Pushed (`screen`, topic counter:<id>) after every change; asked for (one GET) only on
  // (re)connecting, when pushes may have been missed. A push paints only if newer.
  async function refresh() {
    const r = await fetch(`/api/counters/${encodeURIComponent(CFG.counter)}/screen`).catch(() => null);
    if (!r || !r.ok) return;
    show(await r.json(), false);
  }
  function show(c, pushed) {
    if (!c || c.id !== CFG.counter) return;
    if (typeof c.v === "number" && (pushed ? c.v <= shown : c.v < shown)) return;
    if (typeof c.v === "number") shown = c.v;
    root.dataset.state = c.state;
    $(".cs-name").textContent = c.name;
    $("[data-current-ticket]").textContent = c.state === "open" ? (c.current || "") : "";
    $(".cs-clerk").hidden = !c.clerk_name;
    $(".cs-clerk-name").textContent = c.clerk_name || "";
    $(".cs-staff-no").textContent = c.staff_no || "";
  }
  function askRating() {
    $(".rating").hidden = false;
    $(".thanks").hidden = true;
    clearTimeout(ratingTimer);
    ratingTimer = setTimeout(() => { $(".rating").hidden = true; }, CFG.rate_s * 1000);
  }
  root.querySelectorAll("[data-rating]").forEach((b) => b.addEventListener("click", async () => {
    clearTimeout(ratingTimer);
    await fetch(`/api/counters/${encodeURIComponent(CFG.counter)}/rating`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ score: Number(b.dataset.rating) }),
    }).catch(() => null);
    $(".rating").hidden = true;
    $(".thanks").hidden = false;
    setTimeout(() => { $(".thanks").hidden = true; }, 4000);
  }));
  const live = socket(root, {
    connect: refresh,                   // the first read, and after any time away
    screen(c) { show(c, true); },
    // The next call does not take the pad from the customer who just left ("done, next" on the
    // call pad finishes and calls at once); the pad goes after a rating or its time.
    service_finished(f) { if (f.counter === CFG.counter) askRating(); },
  }, ["counter:" + CFG.counter]);
  translate(root);
  if (!live) refresh();
})();
