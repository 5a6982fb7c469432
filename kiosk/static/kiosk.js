// The kiosk at the door: welcome → (self-service suggestion | ID question → card read) → ticket.
// Every word comes from the page's catalogue (CFG.strings), in both languages.
(function () {
  "use strict";
  const Hall = window.Hall;
  const { CFG, t } = Hall;
  const root = document.getElementById("kiosk");
  const $ = (sel, el) => (el || root).querySelector(sel);
  const $$ = (sel, el) => Array.from((el || root).querySelectorAll(sel));
  let businesses = CFG.hall.businesses;
  let byCode = Object.fromEntries(businesses.map((b) => [b.code, b]));
  const HOME = ["welcome", "paused", "closed"];
  const TICKET_SETTLE_MS = Math.max(CFG.settle_ms, 1200);   // the number is seen before 完成 works

  const state = {
    screen: "welcome",
    business: null,       // the business being taken
    requestId: null,      // one per intent: a double tap or a retry never gives two tickets
    busy: false,
    flow: 0,              // bumped on every reset, so a stale loop (card polling) stops
    estimates: {},
    issuing: { mode: "normal", message: "", businesses: [] },
    hours: CFG.hours,
    ticket: null,
    read: null,           // the card read the pending ticket uses (a retry sends it again)
    retry: null,          // what the error screen's 重试 does
    helpFrom: null,       // the screen the help screen returns to
    vars: {},
  };

  // --- words --------------------------------------------------------------------------
  const bname = (b) => (Hall.lang === "en" && b.name_en) || b.name;
  const bhint = (b) => (Hall.lang === "en" && b.hint_en) || b.hint;
  const minutes = (s) => Math.max(1, Math.round(s / 60));
  const offline = () => root.dataset.connection !== "online";

  function translate() {
    $$("[data-t]").forEach((el) => {
      el.textContent = t(el.dataset.t, { age: CFG.senior_age, ...state.vars[el.dataset.t] });
    });
    $$(".lang").forEach((el) => el.classList.toggle("active", el.dataset.lang === Hall.lang));
    $(".hall").textContent = (Hall.lang === "en" && CFG.hall.name_en) || CFG.hall.name;
    document.title = $(".hall").textContent;
    $$("[data-business]").forEach(paintButton);
    $$(".business-name").forEach((el) => { if (state.business) el.textContent = bname(state.business); });
    if (!CFG.hall.wechat) $$(".wechat").forEach((el) => { el.hidden = true; });
    if (state.ticket) paintTicket();
    paintAlternatives();
    paintHours();
  }

  // --- the welcome screen's buttons ----------------------------------------------------
  function buildButtons() {
    $$(".line .buttons").forEach((box) => { box.textContent = ""; });
    $(".alternatives").textContent = "";
    for (const b of businesses) {
      const btn = document.createElement("button");
      btn.type = "button";
      btn.className = "business";
      btn.dataset.business = b.code;
      btn.innerHTML = '<span class="name"></span><span class="hint"></span><span class="queue"></span>';
      btn.addEventListener("click", (ev) => { if (ev.detail <= 1) chooseBusiness(b); });
      $(`.line[data-line="${b.line}"] .buttons`).appendChild(btn);
      if (!b.id_required) {
        const alt = document.createElement("button");
        alt.type = "button";
        alt.className = "alt";
        alt.dataset.altBusiness = b.code;
        alt.addEventListener("click", (ev) => { if (ev.detail <= 1) chooseBusiness(b); });
        $(".alternatives").appendChild(alt);
      }
    }
  }

  // What a ticket taken now would be told, never contradicting itself: the people ahead from
  // `ahead`, the time from `estimated_wait_s` (null: no open window serves the business).
  function queueText(est) {
    if (!est) return "";
    const wait = est.estimated_wait_s;
    const ahead = est.ahead != null ? est.ahead : est.waiting;
    if (wait === null) return t("no_window");
    if (ahead === 0) return wait > 0 ? t("ahead_n", { n: 0 }) + " · " + t("wait_busy", { m: minutes(wait) }) : t("wait_none");
    return t("ahead_n", { n: ahead }) + " · " + t("wait_about", { m: minutes(wait) });
  }

  function paintButton(btn) {
    const b = byCode[btn.dataset.business];
    const est = state.estimates[b.code];
    const isOpen = open(b.code);
    $(".name", btn).textContent = bname(b);
    $(".hint", btn).textContent = bhint(b);
    $(".queue", btn).textContent = isOpen ? queueText(est) : t("paused_title");
    btn.classList.toggle("no-window", isOpen && !!est && est.estimated_wait_s === null);
    btn.disabled = !isOpen;
  }

  function paintAlternatives() {
    $$("[data-alt-business]").forEach((el) => {
      const b = byCode[el.dataset.altBusiness];
      el.textContent = t(b.line === "fixed" ? "line_fixed" : "line_mobile") + " · " + bname(b);
      el.disabled = !open(b.code);
    });
  }

  const open = (code) => state.issuing.mode === "normal" ||
    (state.issuing.mode === "limited" && state.issuing.businesses.includes(code));

  // --- screens, and taps that arrive with them -------------------------------------------------
  // A tap in a screen's first moments (or just after a button appears) was meant for what was
  // there before: the screen ignores pointer events until it has settled (CSS .settling), and a
  // click whose finger came down before the change is dropped.
  let settledAt = 0;            // performance.now() when the screen last changed under the finger
  let settleUntil = 0;
  let settleTimer = null;
  let downAt = -Infinity;
  function settle(ms) {
    const now = performance.now();
    settledAt = now;
    settleUntil = Math.max(settleUntil, now + (ms || CFG.settle_ms));
    root.classList.add("settling");
    clearTimeout(settleTimer);
    settleTimer = setTimeout(function check() {
      const left = settleUntil - performance.now();
      if (left > 0) settleTimer = setTimeout(check, left);
      else root.classList.remove("settling");
    }, settleUntil - now);
  }
  const inScreen = (el) => !!(el && el.closest && el.closest(".screen"));
  root.addEventListener("pointerdown", (ev) => { downAt = performance.now(); touched(); }, true);
  root.addEventListener("click", (ev) => {
    if (!inScreen(ev.target)) return;
    const now = performance.now();
    const early = now < settleUntil;
    const before = ev.detail > 0 && downAt < settledAt;     // finger down before the change (not a key)
    if (early || before) {
      ev.preventDefault();
      ev.stopPropagation();
    }
  }, true);

  function show(screen) {
    const changed = screen !== state.screen;
    state.screen = screen;
    root.dataset.screen = screen;
    $$(".screen").forEach((s) => { s.hidden = s.dataset.screen !== screen; });
    translate();
    if (changed) settle();
  }

  function home() {
    if (!state.hours.open_now) return "closed";
    return state.issuing.mode === "paused" ? "paused" : "welcome";
  }

  // `next`: the next customer (done, idle): the kiosk speaks Chinese again.
  function reset(next) {
    state.flow += 1;
    state.business = null;
    state.requestId = null;
    state.busy = false;
    state.ticket = null;
    state.read = null;
    state.retry = null;
    state.vars = {};
    if (next && Hall.lang !== "zh") Hall.setLang("zh");
    show(home());
  }

  function newRequestId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);      // works on plain http, unlike crypto.randomUUID
    return CFG.kiosk + "-" + Array.from(bytes, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  function chooseBusiness(b) {
    if (state.busy || !open(b.code)) return;
    state.business = b;
    state.requestId = newRequestId();
    if (offline()) return failed("connection_lost", () => chooseBusiness(b));
    if (b.self_service && state.screen === "welcome") return show("self");
    afterSelfService();
  }

  function afterSelfService() {
    if (state.business.id_required) return show("id");
    issue(null);
  }

  // The error screen: what went wrong, the guide, 重试 (the same request: never a second ticket).
  function failed(key, retry) {
    state.busy = false;
    state.retry = retry || null;
    $(".error-message").dataset.t = key;
    const more = $(".error-detail");
    if (retry) more.dataset.t = "retry_hint";
    else delete more.dataset.t;
    more.textContent = "";
    $('[data-answer="retry-issue"]').hidden = !retry;
    show("error");
    translate();
  }

  // A call to the server that gives up after CFG.fetch_timeout_ms (a hung network never spins).
  async function call(path, method, body, timeoutMs) {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), timeoutMs || CFG.fetch_timeout_ms);
    try {
      const r = await fetch(path, {
        method: method || "GET", signal: ctl.signal,
        headers: body !== undefined ? { "Content-Type": "application/json" } : {},
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const data = await r.json().catch(() => ({}));
      return { ok: r.ok, status: r.status, data };
    } finally {
      clearTimeout(timer);
    }
  }

  // --- the card ----------------------------------------------------------------------------
  async function readCard() {
    const flow = state.flow;
    show("read");
    const msg = $(".read-message");
    const retry = $('[data-answer="retry"]');
    msg.dataset.t = "read_wait";
    retry.hidden = true;
    root.classList.add("reading");
    translate();
    let deadline = Date.now() + CFG.read_timeout_s * 1000;
    const fail = (key) => {
      root.classList.remove("reading");
      msg.dataset.t = key;
      retry.hidden = false;
      translate();
      settle();
    };
    while (flow === state.flow) {
      if (state.screen !== "read") {          // the help screen in between: wait for the customer
        await sleep(500);
        deadline += 500;
        continue;
      }
      let r;
      try {
        r = await call(`/api/kiosks/${encodeURIComponent(CFG.kiosk)}/read-card`, "POST");
      } catch (e) {
        if (flow !== state.flow) return;
        if (offline() || Date.now() > deadline) {
          root.classList.remove("reading");
          return failed("connection_lost", () => readCard());
        }
        await sleep(500);
        continue;
      }
      if (flow !== state.flow) return;
      if (state.screen !== "read") continue;
      if (r.ok && r.data.card) {
        root.classList.remove("reading");
        return issue(r.data);
      }
      if (!r.ok) {
        const code = (r.data.error || {}).code || "";
        return fail(code === "reader_unavailable" ? "read_unavailable" : "read_failed");
      }
      if (Date.now() > deadline) return fail("read_timeout");
      await sleep(800);
    }
  }

  // --- the ticket ----------------------------------------------------------------------------
  async function issue(read) {
    if (state.busy) return;
    state.busy = true;
    state.read = read;
    const flow = state.flow;
    state.ticket = null;
    const view = $(".ticket");
    view.dataset.printed = "pending";
    view.classList.remove("unprinted", "existing");
    $(".number").textContent = "…";
    $$(".ticket .hello, .ticket .ahead, .ticket .wait").forEach((el) => { el.textContent = ""; });
    $(".existing-note").hidden = true;
    $(".priority-note").hidden = true;
    $(".qr img").hidden = true;
    const ps = $(".print-state");
    ps.dataset.t = "printing";
    $('[data-answer="done"]').hidden = true;      // nothing to tap away until the number is there
    $('[data-answer="reprint"]').hidden = true;
    show("ticket");
    const body = { business: state.business.code, request_id: state.requestId, kiosk: CFG.kiosk };
    if (read && read.card_token) body.card_token = read.card_token;
    const retry = () => { state.busy = false; issue(read); };
    const deadline = Date.now() + CFG.fetch_timeout_ms;
    for (;;) {
      let r;
      try {
        r = await call("/api/tickets", "POST", body, Math.max(300, deadline - Date.now()));
      } catch (e) {
        if (flow !== state.flow) return;
        // A lost answer: the same request_id again is a retry, never a second ticket.
        if (!offline() && Date.now() < deadline - 800) { await sleep(300); continue; }
        return failed("connection_lost", retry);
      }
      if (flow !== state.flow) return;
      if (r.ok) {
        state.ticket = { ...r.data, read: read && read.card, reprinted: null };
        state.busy = false;
        paintTicket();
        return;
      }
      const error = r.data.error || {};
      if (error.code === "issuing_paused" || error.code === "business_closed") {
        state.busy = false;
        notify(t("error_" + error.code));     // the kiosk's own words, in the customer's language
        return reset();
      }
      if (error.code === "card_token_invalid") {        // the read went stale: read it again
        state.busy = false;
        return readCard();
      }
      if (error.code === "hall_closed") {
        state.busy = false;
        notify(t("error_hall_closed"));
        refreshHours();
        state.hours = { ...state.hours, open_now: false, next_open: error.next_open || state.hours.next_open };
        return reset();
      }
      if (r.status >= 500 || r.status === 429) return failed("issue_failed", retry);
      return failed("issue_failed", null);
    }
  }

  // The customer has paper: printed now, or printed the first time (the same card again).
  const hasPaper = (tk) => !!(tk && (tk.printed || (tk.existing && tk.printed_before)));

  function hhmmOf(isoString) { return (isoString || "").slice(11, 16); }

  function paintTicket() {
    const tk = state.ticket;
    const view = $(".ticket");
    $(".number").textContent = tk.number;
    $(".business-name", view).textContent = bname(byCode[tk.business]);
    $(".ahead").textContent = t("ticket_ahead", { n: tk.ahead });
    const wait = tk.estimated_wait_s;
    $(".wait").textContent = wait === null || wait === undefined ? t("ticket_no_window")
      : wait > 0 ? t(tk.ahead === 0 ? "ticket_wait_busy" : "ticket_wait", { m: minutes(wait) })
      : t("ticket_wait_none");
    $(".hello").textContent = tk.read ? t("hello_name", { name: tk.read.masked_name }) : "";
    $(".priority-note").hidden = !(tk.priority && tk.read && tk.read.senior);
    const note = $(".existing-note");
    note.hidden = !tk.existing;
    if (tk.existing) {
      note.textContent = tk.printed_before
        ? t("existing_printed", { number: tk.number, time: hhmmOf(tk.issued_at) })
        : t("existing_unprinted", { number: tk.number });
    }
    const img = $(".qr img");
    const src = `/api/tickets/${encodeURIComponent(tk.id)}/qr.svg`;
    if (img.getAttribute("src") !== src) img.src = src;
    img.hidden = false;
    view.dataset.printed = tk.printed ? "true" : "false";
    const ps = $(".print-state");
    ps.dataset.t = tk.reprinted === "pending" ? "printing"
      : tk.reprinted === "too_soon" ? "reprint_too_soon"
      : tk.reprinted === "ok" ? "reprinted"
      : tk.printed ? "printed"
      : tk.existing && tk.reprinted === null ? "existing_nothing_printed"
      : "not_printed";
    ps.textContent = t(ps.dataset.t);
    view.classList.toggle("existing", !!tk.existing && !tk.printed);
    view.classList.toggle("unprinted", !tk.printed && !hasPaper(tk));
    // 完成 and 再打印 appear once the number is there, and take taps only after it has been seen.
    const done = $('[data-answer="done"]');
    const reprint = $('[data-answer="reprint"]');
    const wantReprint = !tk.printed;
    reprint.dataset.t = tk.existing ? "reprint" : "print_again";
    reprint.textContent = t(reprint.dataset.t);
    reprint.disabled = tk.reprinted === "pending";
    if (done.hidden || reprint.hidden !== !wantReprint) settle(TICKET_SETTLE_MS);
    done.hidden = false;
    reprint.hidden = !wantReprint;
  }

  // Print the ticket on screen again at this kiosk (never a new ticket; once a minute).
  async function reprint() {
    const tk = state.ticket;
    if (!tk || tk.reprinted === "pending") return;
    const flow = state.flow;
    tk.reprinted = "pending";
    paintTicket();
    let r = null;
    try {
      r = await call(`/api/tickets/${encodeURIComponent(tk.id)}/print`, "POST", { kiosk: CFG.kiosk });
    } catch (e) { /* said below */ }
    if (flow !== state.flow || state.ticket !== tk) return;
    if (r && r.ok) {
      tk.printed = r.data.printed;
      tk.print_error = r.data.print_error;
      tk.reprinted = r.data.printed ? "ok" : "failed";
      if (r.data.printed) tk.printed_before = true;
    } else {
      tk.reprinted = r && r.status === 429 ? "too_soon" : "failed";
    }
    paintTicket();
  }

  // --- help, notices, idle -----------------------------------------------------------------
  let helpTimer = null;
  async function askForHelp() {
    const flow = state.flow;
    const from = state.screen === "help" ? state.helpFrom : state.screen;
    let sent = false;
    try {
      const r = await call(`/api/kiosks/${encodeURIComponent(CFG.kiosk)}/help`, "POST",
                           { business: state.business ? state.business.code : null });
      sent = r.ok;
    } catch (e) { /* said on the help screen */ }
    if (flow !== state.flow) return;
    state.helpFrom = from;
    $(".help-message").dataset.t = sent ? "help_sent" : "help_failed";
    show("help");
    clearTimeout(helpTimer);
    helpTimer = setTimeout(() => { if (flow === state.flow && state.screen === "help") helpBack(); }, 8000);
  }

  function helpBack() {
    clearTimeout(helpTimer);
    const from = state.helpFrom;
    state.helpFrom = null;
    if (!from || HOME.includes(from)) return show(home());
    show(from);       // back where the customer was (a ticket on screen stays on screen)
  }

  let noticeText = "";
  let noticeTimer = null;
  function notify(text) {
    noticeText = text;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { noticeText = ""; paintNotice(); }, 6000);
    paintNotice();
  }

  // The notice line: a passing message for a few seconds, otherwise the manager's emergency
  // message for as long as issuing is not normal.
  function paintNotice() {
    const n = $(".notice");
    const emergency = state.issuing.mode !== "normal" ? state.issuing.message : "";
    const text = noticeText || emergency;
    n.textContent = text;
    n.hidden = !text;
    n.classList.toggle("emergency", !noticeText && !!emergency);
  }

  let lastTouch = Date.now();
  const touched = () => { lastTouch = Date.now(); };
  setInterval(() => {
    if (Date.now() - lastTouch <= CFG.idle_s * 1000) return;
    if (HOME.includes(state.screen)) {
      if (Hall.lang !== "zh") { Hall.setLang("zh"); translate(); }   // someone switched and left
      return;
    }
    // An on-screen ticket that did not print stays until the customer touches it.
    if (state.screen === "ticket" && (state.busy || (state.ticket && !hasPaper(state.ticket)))) return;
    if (state.screen === "help" && state.helpFrom === "ticket" && state.ticket && !hasPaper(state.ticket)) return;
    reset(true);
  }, 1000);

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // --- answers and language --------------------------------------------------------------
  root.addEventListener("keydown", touched, true);
  root.addEventListener("click", (ev) => {
    // The second tap of a double tap lands on whatever the first one brought up: ignore it.
    if (ev.detail > 1) return;
    const answer = ev.target.closest("[data-answer]");
    if (answer) {
      if (answer.disabled) return;
      const a = answer.dataset.answer;
      if (a === "back") return reset(false);
      if (a === "done") return reset(true);
      if (a === "help") return askForHelp();
      if (a === "help-back") return helpBack();
      if (a === "counter-ticket") return afterSelfService();
      if (a === "id-yes" || a === "retry") return readCard();
      if (a === "id-no") return show("noid");
      if (a === "reprint") return reprint();
      if (a === "retry-issue" && state.retry) return state.retry();
    }
    const lang = ev.target.closest("[data-lang]");
    if (lang) {
      Hall.setLang(lang.dataset.lang);
      translate();
    }
  });

  // --- opening hours: the closed screen, switched live at closing and at opening -----------------
  function hallDate(ms) {
    return new Intl.DateTimeFormat("en-CA", { timeZone: CFG.hall.timezone || undefined,
                                              year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(ms));
  }

  function whenText(isoString) {
    const date = isoString.slice(0, 10);
    const time = isoString.slice(11, 16);
    const today = hallDate(Hall.now());
    const tomorrow = hallDate(Date.parse(today + "T12:00:00Z") + 86400000);
    if (date === today) return t("day_today", { time });
    if (date === tomorrow) return t("day_tomorrow", { time });
    const d = new Date(date + "T12:00:00Z");
    const label = Hall.lang === "en"
      ? d.toLocaleDateString("en-GB", { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" })
      : d.toLocaleDateString("zh-CN", { month: "long", day: "numeric", timeZone: "UTC" }) +
        "(" + d.toLocaleDateString("zh-CN", { weekday: "short", timeZone: "UTC" }) + ")";
    return t("day_date", { date: label, time });
  }

  function paintHours() {
    const h = state.hours;
    root.dataset.hours = h.always_open ? "always" : h.open_now ? "open" : "closed";
    $(".demo-line").hidden = !(CFG.demo && h.always_open);
    let text = t("closed_hours", { opening: h.opening, closing: h.closing });
    if (h.closed_today) text += t("closed_today");
    text += h.next_open ? t("closed_next", { when: whenText(h.next_open) }) : t("closed_no_next");
    $("[data-hours-message]").textContent = text;
  }

  let hoursTimer = null;
  const MAX_WAIT_MS = 10 * 60 * 1000;       // look again at least this often
  function applyHours(h) {
    if (!h) return;
    Hall.syncTime(h.now);
    state.hours = h;
    paintHours();
    if (!h.open_now && (state.screen === "welcome" || state.screen === "paused")) show("closed");
    else if (h.open_now && state.screen === "closed") show(home());
    scheduleHours();
  }

  function scheduleHours() {
    clearTimeout(hoursTimer);
    const h = state.hours;
    if (h.always_open) return;
    const at = Date.parse(h.open_now ? h.closes_at : h.next_open);
    const wait = isNaN(at) ? MAX_WAIT_MS : Math.min(MAX_WAIT_MS, Math.max(0, at - Hall.now()));
    hoursTimer = setTimeout(() => {
      if (!isNaN(at) && Hall.now() >= at) {
        // The switch is due: make it now, then ask the server what comes next.
        applyHours({ ...h, open_now: !h.open_now, now: Hall.now() / 1000,
                     closes_at: null, closed_today: false });
      }
      refreshHours();
    }, wait + 50);
  }

  async function refreshHours() {
    try {
      const r = await call("/api/hall", "GET");
      if (r.ok && r.data.hours) return applyHours(r.data.hours);
    } catch (e) { /* below */ }
    clearTimeout(hoursTimer);
    hoursTimer = setTimeout(refreshHours, 30000);
  }

  // --- live queue, emergency mode and connection ----------------------------------------------
  function applyIssuing(issuing) {
    state.issuing = issuing || state.issuing;
    root.dataset.issuing = state.issuing.mode;
    $(".paused-message").textContent = state.issuing.message || "";
    paintNotice();
    if (state.issuing.mode === "paused" && state.screen === "welcome") show("paused");
    if (state.issuing.mode !== "paused" && state.screen === "paused") show(home());
    translate();
  }

  function connect() {
    Hall.socket(root, {
      hall_state(st) {
        state.estimates = st.estimates || {};
        if (st.hours) applyHours(st.hours);
        applyIssuing(st.issuing);
      },
      estimates_changed(st) { state.estimates = st.estimates; $$("[data-business]").forEach(paintButton); },
      issuing_changed: applyIssuing,
      // The settings changed (a business renamed, added, its hint …): the buttons follow.
      hall_changed(hall) {
        businesses = hall.businesses;
        byCode = Object.fromEntries(businesses.map((b) => [b.code, b]));
        buildButtons();
        if (hall.hours) applyHours(hall.hours);
        translate();
      },
    }, ["estimates"]);
  }

  buildButtons();
  Hall.syncTime(state.hours.now);
  reset(true);
  scheduleHours();
  connect();
  window.hallKiosk = { state };       // for tests and the curious
})();
