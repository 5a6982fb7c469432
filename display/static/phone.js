// A customer's ticket on their phone: where they stand, get ready, where to go, then a rating.
(function () {
  "use strict";
  const { CFG, t, translate, setLang, socket, bname, counterName, hhmm } = window.Hall;
  const missing = document.getElementById("phone-missing");
  if (missing) {                  // an unknown ticket link: the page says so, in either language
    missing.addEventListener("click", (ev) => {
      const l = ev.target.closest("[data-lang]");
      if (l) setLang(l.dataset.lang, missing);
    });
    translate(missing);
    return;
  }
  const root = document.getElementById("phone");
  const $ = (s) => root.querySelector(s);
  let ticket = null;
  let last = {};
  let recalled = false;           // the latest call of this ticket was a recall (重呼)
  let issuing = null;             // the manager's emergency mode, with its message
  const buzz = (p) => { if (navigator.vibrate) navigator.vibrate(p); };

  function paint() {
    if (!ticket) return;
    const st = ticket.status;
    root.dataset.status = st;
    root.dataset.ahead = String(ticket.ahead);
    root.dataset.onDeck = String(!!ticket.on_deck);
    $(".number").textContent = ticket.number;
    $(".business").textContent = bname(ticket.business);
    $(".status-text").textContent = t("status_" + st);
    const queued = st === "waiting" || st === "transferred";
    $(".deck-text").hidden = !(queued && ticket.on_deck);
    const called = st === "called" || st === "serving";
    $(".called").hidden = !called;
    const c = $(".counter-name");
    if (called && ticket.counter) {
      c.dataset.counter = ticket.counter;
      c.textContent = ticket.counter_name || counterName(ticket.counter);
    } else {
      c.removeAttribute("data-counter");
      c.textContent = "";
    }
    $(".ahead-text").textContent = queued ? t("ahead", { n: ticket.ahead }) : "";
    const est = ticket.estimated_wait_s || 0;
    $(".wait-text").textContent = !queued ? "" : est < 60 ? t("wait_soon")
      : t("wait_range", { a: Math.max(1, Math.floor(est * 0.8 / 60)), b: Math.ceil(est * 1.25 / 60) });
    $(".prepare").hidden = !(CFG.id_required && (queued || st === "called"));
    $(".no-show-text").hidden = st !== "no_show";
    const parked = $(".parked-text");       // stepped away: come back to that window
    parked.hidden = st !== "parked";
    parked.textContent = st === "parked" ? t("parked_help", {
      counter: ticket.counter_name || counterName(ticket.counter),
      time: ticket.parked_until ? hhmm(Date.parse(ticket.parked_until)) : "" }) : "";
    // 重呼 only while the customer is still expected at the window.
    $(".recall-text").hidden = !(st === "called" && recalled);
    $(".rating").hidden = !(st === "done" && !ticket.rated);
    $(".rated").hidden = !(st === "done" && ticket.rated);
    if (ticket.on_deck && !last.on_deck && queued) buzz([200, 100, 200]);
    if (called && last.status !== st && st === "called") buzz([400, 150, 400, 150, 400]);
    last = { ...ticket };
  }

  // A queue in `places` is runs [prefix, first, count, ahead, ahead_step, wait, wait_step]: the
  // j-th ticket of a run (prefix + (first + j)) is ahead + ahead_step·j ahead and waits
  // max(0, floor(wait + wait_step·j + 0.5)) s (core/presenters.py writes them).
  function placeIn(p, business, number) {
    const m = /^(.*?)(\d+)$/.exec(number);
    if (!m) return null;
    const n = parseInt(m[2], 10);
    for (const [px, first, count, a0, da, w0, dw] of ((p.queues || {})[business] || [])) {
      if (px !== m[1] || n < first || n >= first + count) continue;
      const j = n - first;
      const deck = (p.deck || {})[number] || 0;
      return { ahead: a0 + da * j, estimated_wait_s: w0 === null ? null : Math.max(0, Math.floor(w0 + dw * j + 0.5)),
        on_deck: deck > 0, deck_position: deck || null };
    }
    return null;
  }

  function paintNotice() {
    const on = !!(issuing && issuing.mode !== "normal" && issuing.message);
    $(".hall-notice").hidden = !on;
    $(".hall-notice-text").textContent = on ? issuing.message : "";
  }

  // What the hall says of this ticket (its answer or a `ticket_update`); a recall (重呼) is told
  // by its count going up.
  function seen(u) {
    const before = ticket ? ticket.recalls || 0 : 0;
    ticket = { ...(ticket || {}), ...u };
    if (typeof u.recalls === "number") {
      recalled = u.recalls > 0;
      if (u.recalls > before && u.status === "called") buzz([400, 150, 400]);
    }
  }

  async function load() {
    const r = await fetch(`/api/tickets/${encodeURIComponent(CFG.ticket)}`).catch(() => null);
    if (r && r.ok) { seen(await r.json()); paint(); }
  }
  const s = socket(root, {
    connect() { s.emit("track", { ticket: CFG.ticket, places: true }); load(); },
    hall_state(state) {
      issuing = state.issuing || null;
      paintNotice();
      const mine = (state.last_calls || []).find((c) => c.ticket_id === CFG.ticket_public);
      recalled = !!(mine && mine.recall);
      paint();
    },
    issuing_changed(i) { issuing = i; paintNotice(); },
    hall_changed() { paint(); },        // a business or window renamed in the settings
    ticket_update(u) { seen(u); paint(); },
    // Every queue's places after each change (docs/API.md): this ticket's, while it waits.
    places(p) {
      if (!ticket || !(ticket.status === "waiting" || ticket.status === "transferred")) return;
      const mine = placeIn(p, ticket.business, ticket.number);
      if (!mine) return;
      ticket = { ...ticket, ...mine };
      paint();
    },
    ticket_called(c) {
      if (c.ticket_id !== CFG.ticket_public) return;
      recalled = !!c.recall;
      if (c.recall) buzz([400, 150, 400]);
      paint();
    },
  });
  root.querySelectorAll("[data-rating]").forEach((b) => b.addEventListener("click", async () => {
    const body = { score: Number(b.dataset.rating) };
    const comment = $(".comment").value.trim();
    if (comment) body.comment = comment;
    const r = await fetch(`/api/tickets/${encodeURIComponent(CFG.ticket)}/rating`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    }).catch(() => null);
    if (r && (r.status === 201 || r.status === 409)) { ticket.rated = true; paint(); }
  }));
  root.addEventListener("click", (ev) => {
    const l = ev.target.closest("[data-lang]");
    if (l) { setLang(l.dataset.lang, root); paint(); }
  });
  translate(root);
  load();
})();
