// The screen at a counter: its number, its clerk, 暂停服务; after service, the rating pad.
(function () {
  "use strict";
  const { CFG, t, translate, socket } = window.Hall;
  const root = document.getElementById("counter");
  const $ = (s) => root.querySelector(s);
  let ratingTimer = null;

  async function refresh() {
    const r = await fetch(`/api/counters/${encodeURIComponent(CFG.counter)}/screen`).catch(() => null);
    if (!r || !r.ok) return;
    const c = await r.json();
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
  socket(root, {
    hall_state: refresh,
    // The next call does not take the pad from the customer who just left ("done, next" on the
    // call pad finishes and calls at once); the pad goes after a rating or its time.
    ticket_called(c) { if (c.counter === CFG.counter) refresh(); },
    counter_changed(c) { if (c.id === CFG.counter) refresh(); },
    service_finished(f) { if (f.counter === CFG.counter) { refresh(); askRating(); } },
  }, ["counter:" + CFG.counter]);
  translate(root);
  refresh();
})();
