// The guide's tablet: who is next at every counter, who needs help, what needs a person.
// Every change arrives over Socket.IO and triggers one read of /api/floor, so the tablet is
// right again after any reconnect without replaying what it missed.
(function () {
  "use strict";
  const Hall = window.Hall;
  const { CFG, t } = Hall;
  const root = document.getElementById("floor");
  const $ = (s, el) => (el || root).querySelector(s);
  const $$ = (s, el) => Array.from((el || root).querySelectorAll(s));
  let board = null;
  const seenArrivals = new Set();
  const seenHelp = new Set();
  let firstPaint = true;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function button(text, onClick, attrs) {
    const b = el("button", null, text);
    b.type = "button";
    Object.assign(b.dataset, attrs || {});
    b.addEventListener("click", onClick);
    return b;
  }
  const minutes = (s) => Math.floor(s / 60);
  const bn = (p) => (p.business ? Hall.bname(p.business) : "") || p.business_name || "";

  const api = (path, method, body) => Hall.api(root, path, method, body);
  let toastTimer = null;
  function toast(msg) {
    const e = $(".toast");
    e.textContent = msg;
    e.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { e.hidden = true; }, 6000);
  }

  async function refresh() {
    const d = await api("/api/floor");
    if (!d) return;
    board = d;
    Hall.syncTime(d.now_ts);
    tickClock();
    paint();
  }

  function personRow(p, role, deck) {
    const row = el("div", "person");
    row.dataset.ticket = p.id;
    row.dataset.number = p.number;
    if (deck) row.dataset.deck = deck;
    if (deck === 1) row.dataset.onDeckTicket = p.number;
    row.appendChild(el("span", "role", t(role)));
    const num = el("span", "num", p.number);
    if (p.priority) num.appendChild(el("span", "badge", t("priority")));
    row.appendChild(num);
    if (deck && p.id_required) {
      const b = button(p.prechecked ? t("precheck") : t("precheck_needed"), () => precheck(p, b),
                       { precheck: p.id });
      b.className = "precheck";
      b.setAttribute("aria-pressed", p.prechecked ? "true" : "false");
      row.appendChild(b);
    } else {
      row.appendChild(el("span"));
    }
    const info = [bn(p), p.masked_name ? `${p.masked_name} ${p.age_band || ""}` : "",
                  deck ? t("waited", { m: minutes(p.waited_s) }) : ""].filter(Boolean).join(" · ");
    row.appendChild(el("span", "info", info));
    return row;
  }

  async function precheck(p, b) {
    const checked = b.getAttribute("aria-pressed") !== "true";
    b.disabled = true;
    const r = await api(`/api/tickets/${encodeURIComponent(p.id)}/precheck`, "POST", { checked });
    b.disabled = false;
    if (r) {
      // The same customer may be next at two counters: every toggle of that ticket follows.
      $$(`[data-precheck="${CSS.escape(p.id)}"]`).forEach((x) => {
        x.setAttribute("aria-pressed", r.prechecked ? "true" : "false");
        x.textContent = r.prechecked ? t("precheck") : t("precheck_needed");
      });
    }
  }

  function paintCounters() {
    const box = $(".counters");
    box.innerHTML = "";
    for (const c of board.counters) {
      const card = el("article", "counter");
      card.dataset.counter = c.id;
      card.dataset.state = c.state;
      const head = el("header");
      head.appendChild(el("span", null, c.name));
      const st = t("state_" + c.state) + (c.waiting != null ? " · " + t("waiting_n", { n: c.waiting }) : "");
      head.appendChild(el("span", "state", st));
      card.appendChild(head);
      const serving = el("div", "serving", `${t("serving")} `);
      serving.appendChild(el("b", "current", c.current ? c.current.number : t("nobody")));
      card.appendChild(serving);
      if (c.on_deck) card.appendChild(personRow(c.on_deck, "on_deck", 1));
      if (c.third) card.appendChild(personRow(c.third, "third", 2));
      box.appendChild(card);
    }
  }

  function paintList(sel, items, render) {
    const ul = $(`.${sel}-list`);
    ul.innerHTML = "";
    items.forEach((x) => ul.appendChild(render(x)));
    ul.closest(".panel").querySelector(".empty").hidden = items.length > 0;
    const count = ul.closest(".panel").querySelector(".count");
    if (count) count.textContent = items.length ? String(items.length) : "";
  }

  function paint() {
    if (!board) return;
    paintCounters();
    paintList("help", board.help, (h) => {
      const li = el("li");
      li.dataset.help = h.id;
      li.dataset.state = h.state;
      const what = el("span", "what", `${h.kiosk_name}${h.business ? " · " + Hall.bname(h.business) : ""} · ${h.at.slice(11, 16)}`);
      if (h.state === "accepted") what.appendChild(el("div", "muted", t("accepted_by", { name: h.accepted_by })));
      li.appendChild(what);
      li.appendChild(h.state === "open"
        ? button(t("accept"), () => api(`/api/help/${h.id}/accept`, "POST").then(refresh), { act: "accept" })
        : button(t("close_help"), () => api(`/api/help/${h.id}/close`, "POST").then(refresh), { act: "close" }));
      if (!firstPaint && !seenHelp.has(h.id) && h.state === "open") toast(t("new_help", { kiosk: h.kiosk_name }));
      seenHelp.add(h.id);
      return li;
    });
    paintList("alert", board.alerts, (a) => {
      const li = el("li");
      li.dataset.alert = a.id;
      li.dataset.cleared = a.cleared ? "true" : "false";
      const what = el("span", "what", a.message);
      what.appendChild(el("div", "muted", a.at.slice(11, 16) + (a.cleared ? " · " + t("cleared") : "")));
      li.appendChild(what);
      li.appendChild(button(t("ack"), () => api(`/api/alerts/${a.id}/ack`, "POST").then(refresh), { action: "ack" }));
      return li;
    });
    $(".long-title").textContent = t("long_waits", { m: Math.round(board.wait_threshold_s / 60) });
    paintList("long", board.long_waits, (p) => {
      const li = el("li");
      li.dataset.ticket = p.id;
      li.appendChild(el("span", null, `${p.number} · ${bn(p)}`));
      li.appendChild(el("b", null, t("waited", { m: minutes(p.waited_s) })));
      return li;
    });
    paintList("follow", board.follow_ups, (f) => {
      const li = el("li");
      li.dataset.followUp = f.id;
      li.dataset.overdue = f.overdue ? "true" : "false";
      const what = el("span", "what", `${f.number || ""} ${f.business ? Hall.bname(f.business) : ""}:${f.question}`);
      const due = el("div", "muted due", `${f.contact || ""} · ${f.overdue ? t("overdue") : t("due_today")} · ${t("due", { d: f.due_date })}`);
      what.appendChild(due);
      li.appendChild(what);
      li.appendChild(button(t("answer"), () => openAnswer(f), { act: "answer" }));
      return li;
    });
    const ul = $(".arrival-list");
    ul.innerHTML = "";
    for (const a of board.arrivals) {
      const li = el("li");
      li.dataset.arrival = a.id;
      li.appendChild(el("span", null, `${a.at.slice(11, 16)}  ${a.number} · ${Hall.bname(a.business)}` +
        (a.masked_name ? ` · ${a.masked_name} ${a.age_band || ""}` : "") + (a.priority ? ` · ${t("priority")}` : "")));
      li.appendChild(el("span", "muted", a.kiosk_name || ""));
      if (!firstPaint && !seenArrivals.has(a.id)) li.classList.add("fresh");
      seenArrivals.add(a.id);
      ul.appendChild(li);
    }
    firstPaint = false;
    root.dataset.painted = String(Date.now());
  }

  let answering = null;
  function openAnswer(f) {
    answering = f;
    $(".answer-question").textContent = f.question;
    $(".answer-text").value = "";
    $(".answer-dialog").showModal();
  }
  $(".answer-cancel").addEventListener("click", () => $(".answer-dialog").close());
  $(".answer-ok").addEventListener("click", async () => {
    const text = $(".answer-text").value.trim();
    if (!text || !answering) return;
    $(".answer-dialog").close();
    if (await api(`/api/follow-ups/${answering.id}/answer`, "POST", { answer: text })) refresh();
  });

  function translate() {
    Hall.translate(root);
    $(".who").textContent = CFG.me.name;
    paint();
  }
  root.addEventListener("click", (ev) => {
    const l = ev.target.closest("[data-lang]");
    if (l) { Hall.setLang(l.dataset.lang); translate(); }
  });
  function tickClock() { $(".clock").textContent = Hall.hhmm(); }
  setInterval(tickClock, 10000);
  tickClock();
  // Waits grow without any event: read the board again every half minute.
  setInterval(refresh, 30000);

  let pending = null;
  const soon = () => { clearTimeout(pending); pending = setTimeout(refresh, 100); };
  Hall.socket(root, {
    connect: refresh, ticket_issued: soon,
    ticket_called(c) {                  // the number at once; the lineup follows with the read
      const cur = $(`article.counter[data-counter="${CSS.escape(c.counter)}"] .current`);
      if (cur) cur.textContent = c.number;
      soon();
    }, queue_changed: soon,
    counter_changed: soon, service_finished: soon, help_changed: soon, alert_changed: soon,
    follow_up_changed: soon, ticket_prechecked: soon, device_status: soon,
  });
  translate();
  refresh();
})();
