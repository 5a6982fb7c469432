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
  const priorityName = (code) => {
    const p = (CFG.hall.priority_classes || []).find((x) => x.code === code);
    return p ? ((Hall.lang === "en" && p.name_en) || p.name) : t("priority");
  };
  // "3 分钟前", from the hall's clock (synced on every read), repainted every few seconds.
  function ago(ts) {
    const s = Math.max(0, Math.floor(Hall.now() / 1000 - ts));
    if (s < 60) return t("ago_now");
    const m = Math.floor(s / 60);
    return m < 60 ? t("ago_m", { m }) : t("ago_h", { h: Math.floor(m / 60), m: m % 60 });
  }
  function calledAge(ts) {
    const s = Math.max(0, Math.floor(Hall.now() / 1000 - ts));
    const m = Math.floor(s / 60);
    const dur = m < 60 ? t("n_min", { m }) : t("n_h_min", { h: Math.floor(m / 60), m: m % 60 });
    return t("called_ago", { at: Hall.hhmm(ts * 1000), dur });
  }
  function tickAges() {
    $$("[data-help-age]").forEach((e) => { e.textContent = ago(Number(e.dataset.helpAge)); });
    $$("[data-called-ts]").forEach((e) => { e.textContent = calledAge(Number(e.dataset.calledTs)); });
  }

  const api = (path, method, body) => Hall.api(root, path, method, body);
  let toastTimer = null;
  function toast(msg) {
    const e = $(".toast");
    e.textContent = msg;
    e.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { e.hidden = true; }, 6000);
  }

  // The board is pushed whole (`floor`, topic "floor") after every change it shows; asked for
  // (one GET) on (re)connecting, when pushes may have been missed, and every half minute. A push
  // paints only if newer than what is shown (`v`), an answer to a GET if not older.
  let shown = -1;
  function show(d, pushed) {
    if (!d) return;
    if (typeof d.v === "number" && (pushed ? d.v <= shown : d.v < shown)) return;
    if (typeof d.v === "number") shown = d.v;
    board = d;
    Hall.syncTime(d.now_ts);
    tickClock();
    paint();
  }
  async function refresh() { show(await api("/api/floor"), false); }

  function personRow(p, role, deck) {
    const row = el("div", "person");
    row.dataset.ticket = p.id;
    row.dataset.number = p.number;
    if (deck) row.dataset.deck = deck;
    if (deck === 1) row.dataset.onDeckTicket = p.number;
    row.appendChild(el("span", "role", t(role)));
    const num = el("span", "num", p.number);
    if (p.priority) num.appendChild(el("span", "badge", priorityName(p.priority)));
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
                  deck ? t("waited", { m: minutes(p.waited_s) }) : "",
                  deck && p.prechecked && p.prechecked_by_name ? t("prechecked_by", { name: p.prechecked_by_name }) : ""]
      .filter(Boolean).join(" · ");
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
      const title = el("span", null, c.name);
      if (c.clerk_name) title.appendChild(el("span", "clerk", c.clerk_name));
      head.appendChild(title);
      const st = t("state_" + c.state) + (c.waiting != null ? " · " + t("waiting_n", { n: c.waiting }) : "");
      head.appendChild(el("span", "state", st));
      card.appendChild(head);
      // Called and not yet started is not "being served": the customer may not have come.
      const called = c.current && c.current.status === "called";
      const serving = el("div", "serving", `${t(called ? "called" : "serving")} `);
      serving.dataset.status = called ? "called" : (c.current ? "serving" : "idle");
      serving.appendChild(el("b", "current", c.current ? c.current.number : t("nobody")));
      if (called && board.alerts.some((a) => a.kind === "called" && a.counter === c.id && !a.cleared)) {
        serving.appendChild(el("span", "not-came", t("not_came")));
      }
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
      const what = el("span", "what", `${h.kiosk_name}${h.business ? " · " + Hall.bname(h.business) : ""}`);
      const when = el("div", "when");
      const age = el("b", "age", ago(h.ts));
      age.dataset.helpAge = h.ts;
      when.append(age, ` · ${h.at.slice(11, 16)}`);
      what.appendChild(when);
      if (h.state === "accepted") {
        what.appendChild(el("div", "muted", t("accepted_by", { name: h.accepted_by_name || h.accepted_by })));
      }
      li.appendChild(what);
      li.appendChild(h.state === "open"
        ? button(t("accept"), () => api(`/api/help/${h.id}/accept`, "POST"), { act: "accept" })
        : button(t("close_help"), () => api(`/api/help/${h.id}/close`, "POST"), { act: "close" }));
      if (!firstPaint && !seenHelp.has(h.id) && h.state === "open") toast(t("new_help", { kiosk: h.kiosk_name }));
      seenHelp.add(h.id);
      return li;
    });
    paintList("alert", board.alerts, (a) => {
      const li = el("li");
      li.dataset.alert = a.id;
      li.dataset.cleared = a.cleared ? "true" : "false";
      li.dataset.kind = a.kind;
      const what = el("span", "what", a.message);
      if (a.kind === "called" && a.called_ts) {
        const age = el("b", "called-age", calledAge(a.called_ts));
        age.dataset.calledTs = a.called_ts;
        what.appendChild(age);
      }
      what.appendChild(el("div", "muted", a.at.slice(11, 16) + (a.cleared ? " · " + t("cleared") : "")));
      li.appendChild(what);
      li.appendChild(button(t("ack"), () => api(`/api/alerts/${a.id}/ack`, "POST"), { action: "ack" }));
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
    // 过号重排: a customer who missed their call comes back to the guide, who puts them back in
    // line (the hall's rule: after the next few of their queue, a limited number of times).
    paintList("missed", board.missed || [], (m) => {
      const li = el("li");
      li.dataset.missed = m.id;
      const what = el("span", "what", `${m.number} · ${Hall.bname(m.business)}`);
      what.appendChild(el("div", "muted", [m.at ? m.at.slice(11, 16) : "", m.counter_name || "",
        m.requeues ? t("requeued_times", { n: m.requeues }) : ""].filter(Boolean).join(" · ")));
      li.appendChild(what);
      if (m.can_requeue) {
        li.appendChild(button(t("requeue"), async () => {
          const r = await api(`/api/tickets/${encodeURIComponent(m.id)}/requeue`, "POST");
          if (r) toast(t("requeued", { n: r.ticket.number, a: r.ticket.ahead }));
        }, { act: "requeue" }));
      } else {
        li.appendChild(el("span", "muted", t("requeue_used")));
      }
      return li;
    });
    paintList("follow", board.follow_ups, (f) => {
      const li = el("li");
      li.dataset.followUp = f.id;
      li.dataset.overdue = f.overdue ? "true" : "false";
      const what = el("span", "what", `${f.number || ""} ${f.business ? Hall.bname(f.business) : ""}:${f.question}`);
      const due = el("div", "muted due", [f.contact || "", f.overdue ? t("overdue") : t("due_today"),
        t("due", { d: f.due_date }), f.opened_by_name ? t("opened_by", { name: f.opened_by_name }) : ""]
        .filter(Boolean).join(" · "));
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
        (a.masked_name ? ` · ${a.masked_name} ${a.age_band || ""}` : "") + (a.priority ? ` · ${priorityName(a.priority)}${t("priority")}` : "")));
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
    await api(`/api/follow-ups/${answering.id}/answer`, "POST", { answer: text });
  });

  // --- the green channel and a complaint: forms on the tablet ---------------------------------
  // Big tiles (radio buttons) for choices; every refusal is shown under its field, in the hall's
  // words (a server error names its field in `error.field`, or is mapped from its code).
  const FIELD_OF = {
    unknown_priority: "priority", unknown_business: "business", business_missing: "business",
    issuing_paused: "business", business_not_issued: "business", unknown_kiosk: "kiosk",
    bad_contact: "contact", question_missing: "question", bad_ticket_number: "ticket",
    unknown_ticket_number: "ticket", bad_follow_up_kind: "kind",
  };
  function fieldMessage(form, field) {
    return {
      priority: t("err_priority"), business: t(form === "green" ? "err_business" : "err_business_c"),
      question: t("err_question"), contact: t("err_contact"), ticket: t("err_ticket"),
    }[field] || t("err_form");
  }
  function tile(name, value, text, checked) {
    const label = el("label", "tile");
    const input = el("input");
    input.type = "radio";
    input.name = name;
    input.value = value;
    input.checked = !!checked;
    label.appendChild(input);
    label.appendChild(el("span", null, text));
    return label;
  }
  function businessTiles(box, name) {
    box.textContent = "";
    for (const line of ["fixed", "mobile"]) {
      const group = el("div", "line-group");
      group.appendChild(el("div", "line-name", t("line_" + line)));
      const tiles = el("div", "tiles");
      CFG.hall.businesses.filter((b) => b.line === line)
        .forEach((b) => tiles.appendChild(tile(name, b.code, Hall.bname(b.code))));
      group.appendChild(tiles);
      box.appendChild(group);
    }
  }
  function dialogOf(form) { return $(`dialog[data-form="${form}"]`); }
  function clearErrors(dlg) {
    $$(".field-error, .form-error", dlg).forEach((e) => { e.hidden = true; e.textContent = ""; });
    $$(".field", dlg).forEach((f) => { delete f.dataset.invalid; });
  }
  function showError(dlg, field, message) {
    const f = field && $(`.field[data-field="${field}"]`, dlg);
    const box = f ? $(".field-error", f) : $(".form-error", dlg);
    box.textContent = message;
    box.hidden = false;
    if (f) {
      f.dataset.invalid = "true";
      const first = $("input:not([type=radio]), textarea", f) || $("input", f);
      if (first && !dlg.querySelector("[data-invalid] :focus")) first.focus({ preventScroll: false });
      f.scrollIntoView({ block: "nearest" });
    }
  }
  // A server refusal under the field it is about; a body the server could not read (invalid_body)
  // names fields of the API, never shown: each becomes the field's own sentence.
  function showRefusal(dlg, form, status, err) {
    if (err.code === "invalid_body" && Array.isArray(err.fields) && err.fields.length) {
      for (const f of err.fields) {
        const field = String(f.field || "").split(".")[0];
        showError(dlg, $(`.field[data-field="${field}"]`, dlg) ? field : null, fieldMessage(form, field));
      }
      return;
    }
    const field = err.field || FIELD_OF[err.code] || null;
    const words = err.code === "invalid_body" || !err.message ? fieldMessage(form, field) : err.message;
    showError(dlg, field && $(`.field[data-field="${field}"]`, dlg) ? field : null, words);
  }
  async function send(path, body) {
    try {
      const r = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
                                    body: JSON.stringify(body) });
      const data = await r.json().catch(() => ({}));
      if (r.status === 401) location.href = "/login?next=" + encodeURIComponent(location.pathname);
      return { ok: r.ok, status: r.status, data, err: (data && data.error) || {} };
    } catch (e) {
      return { ok: false, status: 0, data: {}, err: { code: "network", message: t("err_network") } };
    }
  }
  const chosen = (dlg, name) => (dlg.querySelector(`input[name="${name}"]:checked`) || {}).value || null;

  let greenRequest = null;              // one request id per customer: a double tap gives one ticket
  function openGreen() {
    const dlg = dialogOf("green");
    const pri = $(".priority-choices", dlg);
    pri.textContent = "";
    (CFG.hall.priority_classes || []).forEach((p) =>
      pri.appendChild(tile("priority", p.code, (Hall.lang === "en" && p.name_en) || p.name)));
    businessTiles($(".business-choices", dlg), "business");
    const kiosks = $(".kiosk-choices", dlg);
    kiosks.textContent = "";
    kiosks.appendChild(tile("kiosk", "", t("on_tablet"), true));
    (CFG.hall.kiosks || []).forEach((k) => kiosks.appendChild(tile("kiosk", k.id, t("print_at", { kiosk: k.name }))));
    clearErrors(dlg);
    $("[data-green-existing]", dlg).value = "";
    paintGreenMode(dlg);
    $("form", dlg).hidden = false;
    $(".form-result", dlg).hidden = true;
    greenRequest = "guide-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
    dlg.showModal();
    dlg.scrollTop = 0;
  }
  // A customer who already has a ticket: the number typed (or its QR scanned) is put in the
  // class instead of issuing another (POST /api/tickets/<id>/priority); the ticket's fields go.
  function existingOf(dlg) {
    let ref = $("[data-green-existing]", dlg).value.trim();
    if (ref.includes("/t/")) ref = ref.split("/t/").pop().split(/[?#]/)[0];
    return ref;
  }
  function paintGreenMode(dlg) {
    const existing = !!existingOf(dlg);
    $$(".new-only", dlg).forEach((f) => { f.hidden = existing; });
    const submit = $('[data-act="issue-green"]', dlg);
    submit.dataset.t = existing ? "green_give" : "green_issue";     // kept by a language switch
    submit.textContent = t(submit.dataset.t);
  }
  async function giveGreen(dlg, ref, priority) {
    const submit = $('[data-act="issue-green"]', dlg);
    submit.disabled = true;
    const r = await send(`/api/tickets/${encodeURIComponent(ref)}/priority`, { priority });
    submit.disabled = false;
    if (!r.ok) {
      const field = ["unknown_ticket", "ticket_not_waiting", "ticket_not_today"].includes(r.err.code) ? "ticket" : null;
      showError(dlg, field || FIELD_OF[r.err.code] || null, r.err.message || t("err_form"));
      return;
    }
    const tk = r.data.ticket;
    const cls = (CFG.hall.priority_classes || []).find((p) => p.code === priority);
    $("[data-green-ticket]", dlg).textContent = tk.number;
    $(".result-what", dlg).textContent = t("green_given", {
      number: tk.number, cls: cls ? ((Hall.lang === "en" && cls.name_en) || cls.name) : "", n: tk.ahead });
    $(".result-print", dlg).textContent = "";
    $("form", dlg).hidden = true;
    $(".form-result", dlg).hidden = false;
  }
  async function issueGreen(dlg) {
    clearErrors(dlg);
    const priority = chosen(dlg, "priority");
    const existing = existingOf(dlg);
    if (existing) {
      if (!priority) { showError(dlg, "priority", t("err_priority")); return; }
      return giveGreen(dlg, existing, priority);
    }
    const business = chosen(dlg, "business");
    const kiosk = chosen(dlg, "kiosk") || null;
    let bad = false;
    if (!priority) { showError(dlg, "priority", t("err_priority")); bad = true; }
    if (!business) { showError(dlg, "business", t("err_business")); bad = true; }
    if (bad) return;
    const submit = $('[data-act="issue-green"]', dlg);
    submit.disabled = true;
    const body = { business, priority, request_id: greenRequest };
    if (kiosk) body.kiosk = kiosk;
    const r = await send("/api/tickets", body);
    submit.disabled = false;
    if (!r.ok) { showRefusal(dlg, "green", r.status, r.err); return; }
    const tk = r.data;
    const cls = (CFG.hall.priority_classes || []).find((p) => p.code === priority);
    $("[data-green-ticket]", dlg).textContent = tk.number;
    $(".result-what", dlg).textContent = t("green_what", {
      business: `${t("line_" + ((Hall.business(business) || {}).line || "fixed"))} · ${Hall.bname(business)}`,
      cls: cls ? ((Hall.lang === "en" && cls.name_en) || cls.name) : "", n: tk.ahead != null ? tk.ahead : 0 });
    const k = (CFG.hall.kiosks || []).find((x) => x.id === kiosk);
    const print = $(".result-print", dlg);
    print.dataset.printed = String(!!tk.printed);
    if (!kiosk) print.textContent = t("not_printed");
    else if (tk.printed) print.textContent = t("printed_at", { kiosk: k ? k.name : kiosk });
    else {
      const why = ["paper_out", "cover_open", "offline"].includes(tk.print_error) ? t("why_" + tk.print_error) : t("why_other");
      print.textContent = t("print_failed", { kiosk: k ? k.name : kiosk, why });
    }
    $("form", dlg).hidden = true;
    $(".form-result", dlg).hidden = false;
    greenRequest = null;
  }

  function openComplaint() {
    const dlg = dialogOf("complaint");
    businessTiles($(".business-choices", dlg), "c-business");
    $("form", dlg).reset();
    clearErrors(dlg);
    $("form", dlg).hidden = false;
    $(".form-result", dlg).hidden = true;
    dlg.showModal();
    dlg.scrollTop = 0;
  }
  // 2026-11-27 → 2026-11-27(周五): the day a customer is told.
  function withWeekday(d) {
    const day = new Date(`${d}T12:00:00Z`).getUTCDay();
    return Number.isNaN(day) ? d : `${d}(${t("weekday_" + day)})`;
  }
  const PHONE = /^(1[3-9]\d{9}|0\d{9,11})$/;
  const NUMBER = /^[A-Za-z]{1,2}\d{3}$/;
  async function saveComplaint(dlg) {
    clearErrors(dlg);
    const business = chosen(dlg, "c-business");
    const kind = chosen(dlg, "kind") || "complaint";
    const question = $('[name="question"]', dlg).value.trim();
    const contact = $('[name="contact"]', dlg).value.trim();
    const ticket = $('[name="ticket"]', dlg).value.replace(/\s+/g, "").toUpperCase();
    let bad = false;
    if (!business) { showError(dlg, "business", t("err_business_c")); bad = true; }
    if (!question) { showError(dlg, "question", t("err_question")); bad = true; }
    if (!PHONE.test(contact.replace(/[\s-]/g, ""))) { showError(dlg, "contact", t("err_contact")); bad = true; }
    if (ticket && !NUMBER.test(ticket)) { showError(dlg, "ticket", t("err_ticket")); bad = true; }
    if (bad) return;
    const submit = $('[data-act="save-complaint"]', dlg);
    submit.disabled = true;
    const body = { kind, business, question, contact };
    if (ticket) body.ticket = ticket;
    const r = await send("/api/follow-ups", body);
    submit.disabled = false;
    if (!r.ok) { showRefusal(dlg, "complaint", r.status, r.err); return; }
    const f = r.data;
    $(".result-saved", dlg).textContent = t(f.kind === "complaint" ? "saved_complaint" : "saved_query") +
      (f.number ? ` · ${f.number}` : "");
    $("[data-follow-up-due]", dlg).textContent = t("due_by", { d: withWeekday(f.due_date) });
    $("[data-follow-up-due]", dlg).dataset.followUpDue = f.due_date;
    $(".result-tell", dlg).textContent = t("tell_due", { d: withWeekday(f.due_date), phone: f.contact || contact });
    const warn = $(".result-warning", dlg);
    warn.textContent = f.due_warning || "";
    warn.hidden = !f.due_warning;
    $("form", dlg).hidden = true;
    $(".form-result", dlg).hidden = false;
  }

  root.addEventListener("click", (ev) => {
    const open = ev.target.closest("[data-open]");
    if (open) { (open.dataset.open === "green" ? openGreen : openComplaint)(); return; }
    const act = ev.target.closest("[data-act]");
    if (!act) return;
    const dlg = act.closest("dialog");
    if (act.dataset.act === "close-form" && dlg) dlg.close();
    if (act.dataset.act === "again") openGreen();
  });
  $$("dialog.form-dialog form").forEach((form) => form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const dlg = form.closest("dialog");
    (dlg.dataset.form === "green" ? issueGreen : saveComplaint)(dlg);
  }));
  // A choice made clears its field's error.
  $("[data-green-existing]").addEventListener("input", () => paintGreenMode(dialogOf("green")));
  $$("dialog.form-dialog").forEach((dlg) => dlg.addEventListener("input", (ev) => {
    const f = ev.target.closest(".field");
    if (f && f.dataset.invalid) { delete f.dataset.invalid; $(".field-error", f).hidden = true; }
  }));

  function translate() {
    Hall.translate(root);
    $(".who").textContent = CFG.me.name;
    paint();
  }
  root.addEventListener("click", (ev) => {
    const l = ev.target.closest("[data-lang]");
    if (l) { Hall.setLang(l.dataset.lang); translate(); }
  });
  function tickClock() { $(".clock").textContent = Hall.hhmm(); tickAges(); }
  setInterval(tickClock, 5000);
  tickClock();
  // Waits grow without any event: read the board again every half minute.
  setInterval(refresh, 30000);

  const live = Hall.socket(root, {
    connect: refresh,                   // the first read, and after any time away
    floor(d) { show(d, true); },
    hall_changed() { translate(); },    // the settings changed: the floor is pushed next
    ticket_called(c) {                  // the number at once; the lineup follows with the push
      const cur = $(`article.counter[data-counter="${CSS.escape(c.counter)}"] .current`);
      if (cur) cur.textContent = c.number;
    },
  }, ["floor"]);
  translate();
  if (!live) refresh();
})();
