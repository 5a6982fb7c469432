// The duty manager's page: the live hall, alerts to acknowledge, emergency issuing, a counter's
// businesses for the day. Every change arrives over Socket.IO and triggers one read of
// /api/manager/hall; service timers tick on the page between reads.
(function () {
  "use strict";
  const Hall = window.Hall;
  const { CFG, t } = Hall;
  const root = document.getElementById("manager");
  const $ = (s, el) => (el || root).querySelector(s);
  const $$ = (s, el) => Array.from((el || root).querySelectorAll(s));
  let board = null;
  let readAt = 0;                 // Hall.now() when the board was read
  let editing = null;             // the counter whose businesses the dialog edits
  let order = null;               // its businesses in order (web/static/order.js)

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function button(text, onClick, attrs, cls) {
    const b = el("button", cls || null, text);
    b.type = "button";
    Object.assign(b.dataset, attrs || {});
    b.addEventListener("click", onClick);
    return b;
  }
  const mins = (s) => Math.floor(s / 60);
  // Fixed and mobile share names (新开户, 查询 …): say the line.
  const lineOf = (code) => (Hall.business(code) || {}).line;
  const fullName = (code) => `${t(lineOf(code) === "fixed" ? "line_fixed" : "line_mobile")} · ${Hall.bname(code)}`;
  function bizList(codes) {
    return ["fixed", "mobile"].map((line) => {
      const names = codes.filter((c) => lineOf(c) === line).map(Hall.bname);
      return names.length ? `${t("line_" + line)}: ${names.join("、")}` : "";
    }).filter(Boolean).join(" / ");
  }

  const api = (path, method, body) => Hall.api(root, path, method, body);

  // The board is pushed whole (`board`, topic "board") after every change it shows; asked for
  // (one GET) on (re)connecting, when pushes may have been missed, and every fifteen seconds. A
  // push paints only if newer than what is shown (`v`), an answer to a GET if not older.
  let shown = -1;
  async function refresh() { show(await api("/api/manager/hall"), false); }
  function show(d, pushed) {
    if (!d) return;
    if (typeof d.v === "number" && (pushed ? d.v <= shown : d.v < shown)) return;
    if (typeof d.v === "number") shown = d.v;
    board = d;
    Hall.syncTime(d.now_ts);
    readAt = Hall.now();
    paint();
  }

  // --- counters ------------------------------------------------------------------------------
  // The service timer against the business's standard: green within the target, amber past it,
  // red past the maximum (`limit_s`: the business's max_s, else twice its target, the same rule
  // as the long-service alert). A customer called and not come is amber with 未到.
  const calledAlert = (c) => board.alerts.find((a) => a.kind === "called" && a.counter === c.id && !a.cleared);
  function timerOf(c) {
    const cur = c.current;
    if (!cur || cur.elapsed_s == null) return null;
    const s = cur.elapsed_s + Math.max(0, Math.round((Hall.now() - readAt) / 1000));
    let level = "ok";
    let note = "";
    if (cur.serving) {
      if (cur.limit_s && s > cur.limit_s) { level = "over_max"; note = t("over_max"); }
      else if (cur.target_s && s > cur.target_s) { level = "over_target"; note = t("over_target"); }
    } else if (calledAlert(c) || (board.called_alert_s && s > board.called_alert_s)) {
      level = "not_came"; note = t("not_came");
    }
    const text = t(cur.serving ? "serving_for" : "called_for", { m: mins(s), s: String(s % 60).padStart(2, "0") }) +
      (cur.serving && cur.target_s ? ` · ${t("standard", { t: mins(cur.target_s) })}` : "") + (note ? ` · ${note}` : "");
    return { s, level, text };
  }
  function paintTimer(card, c) {
    const tm = timerOf(c);
    const timer = $(".timer", card);
    if (!tm) { delete card.dataset.timer; timer.textContent = ""; return; }
    card.dataset.timer = tm.level;
    timer.textContent = tm.text;
    timer.dataset.elapsed = tm.s;
  }

  function paintCounters() {
    const box = $(".counters");
    box.textContent = "";
    for (const c of board.counters) {
      const card = el("article", "counter");
      card.dataset.counter = c.id;
      card.dataset.state = c.state;
      const head = el("header");
      head.appendChild(el("span", null, c.name));
      head.appendChild(el("span", "state", t("state_" + c.state) + (c.clerk_name ? ` · ${c.clerk_name}` : "")));
      card.appendChild(head);
      const cur = el("div", "current", c.current ? c.current.number : (c.state === "closed" ? "" : t("idle")));
      if (c.current) cur.dataset.currentTicket = c.current.number;
      card.appendChild(cur);
      card.appendChild(el("div", "timer"));
      paintTimer(card, c);
      if (c.waiting != null) card.appendChild(el("div", "muted", t("waiting_n", { n: c.waiting })));
      const biz = el("div", "biz", `${t("businesses_today")}: ` + bizList(c.businesses));
      if (c.changed_today) biz.prepend(el("span", "changed", t("changed_today")), " ");
      card.appendChild(biz);
      const actions = el("div", "actions");
      actions.appendChild(button(t("edit"), () => openBusinesses(c), { action: "edit-businesses" }));
      if (c.state !== "closed") {
        actions.appendChild(button(t("close_counter"), async () => {
          if (!confirm(t("confirm_close", { name: c.name }))) return;
          await api(`/api/counters/${encodeURIComponent(c.id)}/close`, "POST");
        }, { action: "close-counter" }));
      }
      card.appendChild(actions);
      box.appendChild(card);
    }
  }

  function tickTimers() {
    if (!board) return;
    for (const c of board.counters) {
      const card = $(`article.counter[data-counter="${CSS.escape(c.id)}"]`);
      if (card) paintTimer(card, c);
    }
    $$(".alert-list [data-called-ts]").forEach((e) => { e.textContent = calledAge(Number(e.dataset.calledTs)); });
    $(".clock").textContent = Hall.hhmm();
  }

  // --- a counter's businesses for the day ------------------------------------------------------
  function openBusinesses(c) {
    editing = c;
    $(".dialog-title").textContent = `${c.name} · ${t("businesses_today")}`;
    // Today's businesses ticked in their order (routing's preference), moved by drag or arrows.
    const options = CFG.hall.businesses.map((b) => ({ value: b.code, label: fullName(b.code) }));
    order = window.HallOrder($(".choices"), options, c.businesses);
    $(".businesses-dialog").showModal();
  }
  async function saveBusinesses(restore) {
    const c = editing;
    if (!c) return;
    const chosen = restore ? null : order.get();
    $(".businesses-dialog").close();
    await api(`/api/counters/${encodeURIComponent(c.id)}/businesses`, "POST", { businesses: chosen });
  }

  // --- queues, alerts, devices, issuing -------------------------------------------------------
  function paintQueues() {
    const body = $(".queue-rows");
    body.textContent = "";
    for (const b of board.businesses) {
      const tr = el("tr");
      tr.dataset.business = b.code;
      if (b.longest_wait_s != null && b.longest_wait_s >= board.wait_alert_s) tr.dataset.alert = "wait";
      else if (b.waiting > board.queue_alert) tr.dataset.alert = "queue";
      tr.appendChild(el("td", null, fullName(b.code)));
      tr.appendChild(el("td", "num waiting", String(b.waiting)));
      tr.appendChild(el("td", "num longest", b.longest_wait_s == null ? "—" : t("longest", { m: mins(b.longest_wait_s) })));
      const promise = !b.counters.length ? t("no_counter")
        : b.new_ticket_wait_s > 0 ? t("new_ticket", { m: Math.ceil(b.new_ticket_wait_s / 60) }) : t("no_wait");
      tr.appendChild(el("td", "num", promise));
      tr.appendChild(el("td", null, b.counters.map(Hall.counterName).join("、")));
      body.appendChild(tr);
    }
    $(".total").textContent = t("total_waiting", { n: board.waiting_total });
  }

  function paintAlerts() {
    const ul = $(".alert-list");
    ul.textContent = "";
    for (const a of board.alerts) {
      const li = el("li");
      li.dataset.alert = a.id;
      li.dataset.kind = a.kind;
      li.dataset.cleared = String(a.cleared);
      const what = el("span", "what", a.message);
      what.appendChild(el("small", null, a.at.slice(11, 16) + (a.cleared ? ` · ${t("cleared")}` : "")));
      if (a.kind === "called" && a.called_ts) {
        // How long ago the customer was called, live (the message was written when it was raised).
        const age = el("b", "called-age", calledAge(a.called_ts));
        age.dataset.calledTs = a.called_ts;
        what.appendChild(age);
      }
      li.appendChild(what);
      li.appendChild(button(t("ack"), () => api(`/api/alerts/${a.id}/ack`, "POST"),
                            { action: "ack" }));
      ul.appendChild(li);
    }
    $(".alerts .count").textContent = board.alerts.length ? String(board.alerts.length) : "";
    $(".alerts .empty").hidden = board.alerts.length > 0;
  }

  function calledAge(ts) {
    const s = Math.max(0, Math.round(Hall.now() / 1000 - ts));
    const m = Math.floor(s / 60);
    const dur = m < 60 ? t("n_min", { m }) : t("n_h_min", { h: Math.floor(m / 60), m: m % 60 });
    return t("called_ago", { at: Hall.hhmm(ts * 1000), dur });
  }

  // Devices by their place and kind (大门取号机 · 打印机); the id only as a detail.
  function paintDevices() {
    const ul = $(".device-list");
    ul.textContent = "";
    for (const d of board.devices) {
      const li = el("li");
      li.dataset.device = d.device;
      li.dataset.ok = String(d.ok);
      const name = el("span", "device-name", d.name || d.device);
      name.appendChild(el("small", "device-id", d.device));
      li.appendChild(name);
      li.appendChild(el("span", "device-state", d.ok && d.state === "ok" ? t("device_ok") : (d.state_text || d.state)));
      ul.appendChild(li);
    }
    $(".devices .empty").hidden = board.devices.length > 0;
  }

  let issuingDirty = false;       // the manager is composing: a refresh must not undo it
  function paintIssuing() {
    const st = board.issuing;
    const band = $(".emergency");
    band.hidden = st.mode === "normal";
    band.textContent = t("emergency_on", { mode: t("mode_" + st.mode) }) + (st.message ? ` — ${st.message}` : "");
    root.dataset.issuing = st.mode;
    if (issuingDirty) return;
    $$('input[name="mode"]').forEach((i) => { i.checked = i.value === st.mode; });
    $('textarea[name="message"]').value = st.message || "";
    paintLimited(st.businesses);
  }
  function paintLimited(open) {
    const box = $(".limited-businesses");
    const mode = ($('input[name="mode"]:checked') || {}).value;
    box.hidden = mode !== "limited";
    if (box.childElementCount === 0) {
      for (const b of CFG.hall.businesses) {
        const label = el("label");
        const input = el("input");
        input.type = "checkbox";
        input.value = b.code;
        input.name = "open-business";
        label.appendChild(input);
        label.appendChild(el("span", null, fullName(b.code)));
        box.appendChild(label);
      }
    }
    if (open) $$("input", box).forEach((i) => { i.checked = open.includes(i.value); });
  }
  async function applyIssuing() {
    const mode = ($('input[name="mode"]:checked') || {}).value || "normal";
    const body = { mode, message: mode === "normal" ? "" : $('textarea[name="message"]').value.trim() };
    if (mode === "limited") body.businesses = $$('input[name="open-business"]:checked').map((i) => i.value);
    const r = await api("/api/hall/issuing", "POST", body);
    if (r) issuingDirty = false;        // the board follows with the push
  }
  const PRESETS = ["preset_outage", "preset_crowd", "preset_power", "preset_safety"];
  function paintPresets() {
    const box = $(".presets");
    $$("button", box).forEach((b) => b.remove());
    for (const key of PRESETS) {
      box.appendChild(button(t(key).slice(0, 14) + "…", () => {
        $('textarea[name="message"]').value = t(key);
        issuingDirty = true;
      }, { preset: key }));
    }
  }

  function paint() {
    if (!board) return;
    paintCounters();
    paintQueues();
    paintAlerts();
    paintDevices();
    paintIssuing();
    tickTimers();
    root.dataset.painted = String(Date.now());
  }

  root.addEventListener("click", (ev) => {
    const l = ev.target.closest("[data-lang]");
    if (l) { Hall.setLang(l.dataset.lang); translate(); }
    const a = ev.target.closest("[data-action]");
    if (!a) return;
    if (a.dataset.action === "apply-issuing") applyIssuing();
    if (a.dataset.action === "save-businesses") saveBusinesses(false);
    if (a.dataset.action === "restore-businesses") saveBusinesses(true);
    if (a.dataset.action === "cancel-dialog") $(".businesses-dialog").close();
  });
  root.addEventListener("change", (ev) => {
    if (ev.target.closest(".issuing")) {
      issuingDirty = true;
      if (ev.target.name === "mode") paintLimited(null);
    }
  });
  $('textarea[name="message"]').addEventListener("input", () => { issuingDirty = true; });

  function translate() {
    Hall.translate(root);
    $(".who").textContent = CFG.me.name;
    paintPresets();
    paint();
  }
  setInterval(tickTimers, 1000);
  // Waits grow without any event: read the board again every fifteen seconds.
  setInterval(refresh, 15000);

  const live = Hall.socket(root, {
    connect: refresh,                   // the first read, and after any time away
    board(d) { show(d, true); },
  }, ["board"]);
  translate();
  if (!live) refresh();
})();
