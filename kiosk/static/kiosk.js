// The kiosk at the door: welcome → (self-service suggestion | ID question → card read) → ticket.
// Every word comes from the page's catalogue (CFG.strings), in both languages.
(function () {
  "use strict";
  const Hall = window.Hall;
  const { CFG, t } = Hall;
  const root = document.getElementById("kiosk");
  const $ = (sel, el) => (el || root).querySelector(sel);
  const $$ = (sel, el) => Array.from((el || root).querySelectorAll(sel));
  const businesses = CFG.hall.businesses;
  const byCode = Object.fromEntries(businesses.map((b) => [b.code, b]));

  const state = {
    screen: "welcome",
    business: null,       // the business being taken
    requestId: null,      // one per intent: a double tap or a retry never gives two tickets
    busy: false,
    flow: 0,              // bumped on every reset, so a stale loop (card polling) stops
    estimates: {},
    issuing: { mode: "normal", message: "", businesses: [] },
    ticket: null,
    vars: {},
  };

  // --- words --------------------------------------------------------------------------
  const bname = (b) => (Hall.lang === "en" && b.name_en) || b.name;
  const bhint = (b) => (Hall.lang === "en" && b.hint_en) || b.hint;
  const minutes = (s) => Math.max(1, Math.round(s / 60));

  function translate() {
    $$("[data-t]").forEach((el) => {
      el.textContent = t(el.dataset.t, { age: CFG.senior_age, ...state.vars[el.dataset.t] });
    });
    $$(".lang").forEach((el) => el.classList.toggle("active", el.dataset.lang === Hall.lang));
    $$("[data-business]").forEach(paintButton);
    $$(".business-name").forEach((el) => { if (state.business) el.textContent = bname(state.business); });
    if (!CFG.hall.wechat) $(".wechat").hidden = true;
    if (state.ticket) paintTicket();
  }

  // --- the welcome screen's buttons ----------------------------------------------------
  function buildButtons() {
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

  function paintButton(btn) {
    const b = byCode[btn.dataset.business];
    const est = state.estimates[b.code];
    $(".name", btn).textContent = bname(b);
    $(".hint", btn).textContent = bhint(b);
    let queue = "";
    if (est) {
      queue = t("waiting_n", { n: est.waiting }) + " · " +
        (est.estimated_wait_s > 0 ? t("wait_about", { m: minutes(est.estimated_wait_s) }) : t("wait_none"));
    }
    $(".queue", btn).textContent = queue;
    btn.disabled = !open(b.code);
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

  // --- screens ---------------------------------------------------------------------------
  function show(screen) {
    state.screen = screen;
    root.dataset.screen = screen;
    $$(".screen").forEach((s) => { s.hidden = s.dataset.screen !== screen; });
    translate();
    paintAlternatives();
  }

  function reset() {
    state.flow += 1;
    state.business = null;
    state.requestId = null;
    state.busy = false;
    state.ticket = null;
    state.vars = {};
    show(state.issuing.mode === "paused" ? "paused" : "welcome");
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
    if (b.self_service && state.screen === "welcome") return show("self");
    afterSelfService();
  }

  function afterSelfService() {
    if (state.business.id_required) return show("id");
    issue(null);
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
    const deadline = Date.now() + CFG.read_timeout_s * 1000;
    const fail = (key) => {
      root.classList.remove("reading");
      msg.dataset.t = key;
      retry.hidden = false;
      translate();
    };
    while (flow === state.flow) {
      let r;
      try {
        r = await fetch(`/api/kiosks/${encodeURIComponent(CFG.kiosk)}/read-card`, { method: "POST" });
      } catch (e) {
        if (Date.now() > deadline) return fail("read_failed");
        await sleep(1000);
        continue;
      }
      if (flow !== state.flow) return;
      const body = await r.json().catch(() => ({}));
      if (r.ok && body.card) {
        root.classList.remove("reading");
        return issue(body);
      }
      if (!r.ok) {
        const code = (body.error || {}).code || "";
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
    const flow = state.flow;
    state.ticket = null;
    show("ticket");
    const view = $(".ticket");
    view.dataset.printed = "pending";
    $(".number").textContent = "…";
    const body = { business: state.business.code, request_id: state.requestId, kiosk: CFG.kiosk };
    if (read && read.card_token) body.card_token = read.card_token;
    for (let attempt = 0; attempt < 4 && flow === state.flow; attempt++) {
      let r;
      try {
        r = await fetch("/api/tickets", {
          method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
        });
      } catch (e) {
        await sleep(1000 * (attempt + 1));       // the same request_id: a retry, not a second ticket
        continue;
      }
      const answer = await r.json().catch(() => ({}));
      if (flow !== state.flow) return;
      if (r.ok) {
        state.ticket = { ...answer, read: read && read.card, existing: r.status === 200 && !!read };
        paintTicket();
        state.busy = false;
        return;
      }
      const code = (answer.error || {}).code;
      if (code === "issuing_paused" || code === "business_closed") {
        state.busy = false;
        notify(t("error_" + code));     // the kiosk's own words, in the customer's language
        return reset();
      }
      break;
    }
    state.busy = false;
    if (flow === state.flow) {
      notify(t("issue_failed"));
      reset();
    }
  }

  function paintTicket() {
    const tk = state.ticket;
    const view = $(".ticket");
    $(".number").textContent = tk.number;
    $(".business-name", view).textContent = bname(byCode[tk.business]);
    $(".ahead").textContent = t("ticket_ahead", { n: tk.ahead });
    $(".wait").textContent = tk.estimated_wait_s > 0
      ? t("ticket_wait", { m: minutes(tk.estimated_wait_s) }) : t("ticket_wait_none");
    $(".hello").textContent = tk.read ? t("hello_name", { name: tk.read.masked_name }) : "";
    $(".priority-note").hidden = !(tk.priority && tk.read && tk.read.senior);
    $(".existing-note").hidden = !tk.existing;
    const img = $(".qr img");
    const src = `/api/tickets/${encodeURIComponent(tk.id)}/qr.svg`;
    if (img.getAttribute("src") !== src) img.src = src;
    img.hidden = false;
    view.dataset.printed = tk.printed ? "true" : "false";
    const ps = $(".print-state");
    ps.dataset.t = tk.printed ? "printed" : "not_printed";
    ps.textContent = t(ps.dataset.t);
    view.classList.toggle("unprinted", !tk.printed);
  }

  // --- help, notices, idle -----------------------------------------------------------------
  async function askForHelp() {
    const flow = state.flow;
    try {
      await fetch(`/api/kiosks/${encodeURIComponent(CFG.kiosk)}/help`, {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ business: state.business ? state.business.code : null }),
      });
    } catch (e) { /* the guide also sees the kiosk's screen; show the answer anyway */ }
    show("help");
    await sleep(8000);
    if (flow === state.flow && state.screen === "help") reset();
  }

  let noticeTimer = null;
  function notify(text) {
    const n = $(".notice");
    n.textContent = text;
    n.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { n.hidden = true; }, 6000);
  }

  let lastTouch = Date.now();
  const touched = () => { lastTouch = Date.now(); };
  setInterval(() => {
    if (state.screen !== "welcome" && state.screen !== "paused" && Date.now() - lastTouch > CFG.idle_s * 1000) {
      reset();
    }
  }, 1000);

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // --- answers and language --------------------------------------------------------------
  root.addEventListener("pointerdown", touched, true);
  root.addEventListener("keydown", touched, true);
  root.addEventListener("click", (ev) => {
    // The second tap of a double tap lands on whatever the first one brought up: ignore it.
    if (ev.detail > 1) return;
    const answer = ev.target.closest("[data-answer]");
    if (answer) {
      const a = answer.dataset.answer;
      if (a === "back" || a === "done") return reset();
      if (a === "help") return askForHelp();
      if (a === "counter-ticket") return afterSelfService();
      if (a === "id-yes" || a === "retry") return readCard();
      if (a === "id-no") return show("noid");
    }
    const lang = ev.target.closest("[data-lang]");
    if (lang) {
      Hall.setLang(lang.dataset.lang);
      translate();
      paintAlternatives();
    }
  });

  // --- live queue and connection --------------------------------------------------------------
  function applyIssuing(issuing) {
    state.issuing = issuing || state.issuing;
    $(".paused-message").textContent = state.issuing.message || "";
    const banner = $(".notice");
    if (state.issuing.mode !== "normal" && state.issuing.message) {
      banner.textContent = state.issuing.message;
      banner.hidden = false;
    }
    if (state.issuing.mode === "paused" && state.screen === "welcome") show("paused");
    if (state.issuing.mode !== "paused" && state.screen === "paused") show("welcome");
    translate();
  }

  function connect() {
    Hall.socket(root, {
      hall_state(st) {
        state.estimates = st.estimates || {};
        applyIssuing(st.issuing);
      },
      estimates_changed(st) { state.estimates = st.estimates; $$("[data-business]").forEach(paintButton); },
      issuing_changed: applyIssuing,
    }, ["estimates"]);
  }

  buildButtons();
  reset();
  connect();
  window.hallKiosk = { state };       // for tests and the curious
})();
