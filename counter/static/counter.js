// The clerk's counter: take a counter, call and serve with the key moments in front of you.
(function () {
  "use strict";
  const Hall = window.Hall;
  const { CFG, t } = Hall;
  const root = document.getElementById("desk");
  const $ = (s, el) => (el || root).querySelector(s);
  const $$ = (s, el) => Array.from((el || root).querySelectorAll(s));
  let counterId = null;
  let desk = null;
  let shown = -1;               // the hall's version painted: an older answer never overwrites it
  const bname = Hall.bname;
  // Keyboard shortcuts: the hall's [counter_keys] (a USB call pad types these) and F7–F9.
  const keys = Object.assign({ F7: "transfer", F8: "resume", F9: "close" }, CFG.hall.counter_keys);
  const keyOf = Object.fromEntries(Object.entries(keys).map(([k, a]) => [a, k]));

  function translate() {
    $$("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
    $$("[data-action]").forEach((el) => {
      el.textContent = t(el.dataset.action) + (keyOf[el.dataset.action] ? ` (${keyOf[el.dataset.action]})` : "");
    });
    $$("[data-lang]").forEach((el) => el.classList.toggle("active", el.dataset.lang === Hall.lang));
    $(".who").textContent = CFG.me.name;
    paint();
  }

  const api = (path, method, body) => Hall.api(root, path, method, body);

  async function whoAmI() {
    const me = await api("/api/me");
    counterId = me && me.counter;
    if (counterId) return refresh();
    root.dataset.view = "choose";
    const box = $(".counter-choices");
    box.innerHTML = "";
    for (const c of CFG.hall.counters) {
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.counter = c.id;
      b.innerHTML = `<b></b><small></small>`;
      b.querySelector("b").textContent = c.name;
      b.querySelector("small").textContent = byLine(c.businesses);
      b.addEventListener("click", async () => {
        const r = await api(`/api/counters/${c.id}/open`, "POST");
        if (r) { counterId = c.id; show(r.desk, r.version, false); }
      });
      box.appendChild(b);
    }
  }

  // 固网:新开户、业务变更 · 5G:查询: the window's businesses with their line, in its order.
  function byLine(codes) {
    const groups = [];
    for (const code of codes) {
      const b = Hall.business(code);
      const line = b ? Hall.lineName(b.line) : "";
      if (!groups.length || groups[groups.length - 1][0] !== line) groups.push([line, []]);
      groups[groups.length - 1][1].push(bname(code));
    }
    return groups.map(([line, names]) => `${line}:${names.join("、")}`).join(" · ");
  }

  // The desk comes whole: in every action's answer, pushed (`desk`) after every change, and asked
  // for (one GET) only on (re)connecting, when pushes may have been missed. `pushed`: a push
  // paints only if newer than what is shown; an answer or a GET, if not older.
  function show(d, version, pushed) {
    if (!d || !counterId || d.counter.id !== counterId) return;
    if (typeof version === "number" && (pushed ? version <= shown : version < shown)) return;
    if (typeof version === "number") shown = version;
    desk = d;
    Hall.syncTime(d.now_ts);
    root.dataset.view = "work";
    paint();
  }
  async function refresh() {
    if (!counterId) return;
    const d = await api(`/api/counters/${counterId}/desk`);
    if (d) show(d, d.version, false);
  }

  function paint() {
    if (!desk) return;
    const c = desk.counter, cu = desk.customer;
    root.dataset.state = c.state;
    root.dataset.ticketStatus = cu ? cu.status : "none";
    $(".where").textContent = c.name;
    $("[data-current-ticket]").textContent = cu ? cu.number : "";
    $(".none").hidden = !!cu;
    $(".details").textContent = cu ? `${Hall.lname(cu.business)} · ${t("issued", { t: cu.issued_at.slice(11, 16) })}` +
      (cu.masked_name ? ` · ${cu.masked_name} ${cu.age_band || ""}` : "") +
      (cu.priority ? " · 绿色通道" : "") : "";
    $(".on-deck").textContent = c.on_deck || "—";
    $(".third").textContent = c.third || "—";
    $(".queue-list").textContent = Object.entries(desk.waiting).map(([code, n]) => `${Hall.lname(code)} ${n}`).join(" · ");
    const md = desk.my_day;
    $(".my-day-figures").textContent = [t("served", { n: md.served }),
      md.service_mean_s != null ? t("mean", { m: (md.service_mean_s / 60).toFixed(1) }) : "",
      md.within_target != null ? t("within", { p: Math.round(md.within_target * 100) }) : ""].filter(Boolean).join(" · ");
    const list = $(".checklist");
    list.innerHTML = "";
    for (const item of (cu && cu.checklist) || []) {
      const li = document.createElement("li");
      li.innerHTML = `<label><input type="checkbox"><span></span></label>`;
      const box = li.querySelector("input");
      box.dataset.checklistItem = item.key;
      box.checked = item.ticked;
      li.dataset.checklistItem = item.key;
      li.querySelector("span").textContent = item.text + (item.required ? ` [${t("required")}]` : "");
      li.classList.toggle("required", item.required);
      box.addEventListener("change", () => api(`/api/counters/${counterId}/checklist`, "POST",
        { key: item.key, ticked: box.checked }).then((r) => { if (r) show(r.desk, r.version, false); }));
      list.appendChild(li);
    }
    paintAfterService();
    const st = cu ? cu.status : null;
    const enable = {
      "call-next": c.state === "open", recall: st === "called", start: st === "called",
      finish: st === "called" || st === "serving", "no-show": st === "called",
      transfer: !!cu, call: c.state === "open",
      "add-business": st === "serving",
      park: !!cu && desk.park_limit > 0 && (desk.parked || []).length < desk.park_limit, pause: c.state === "open" && !cu, resume: c.state === "paused", close: !cu,
    };
    enable["undo-no-show"] = !!desk.undo_no_show && !cu && c.state === "open";
    $$("[data-action]").forEach((b) => { b.disabled = !enable[b.dataset.action]; });
    $('[data-action="park"]').hidden = !desk.park_limit;
    paintParked(c.state === "open");
    tickTimer();
  }

  // Customers parked here (stepped away): called back to this window when they return.
  function paintParked(canCall) {
    const parked = desk.parked || [];
    $(".parked").hidden = !parked.length;
    const ul = $(".parked-list");
    ul.innerHTML = "";
    for (const p of parked) {
      const li = document.createElement("li");
      li.dataset.parkedTicket = p.number;
      li.innerHTML = "<b></b> <span></span> <button type=\"button\"></button>";
      li.querySelector("b").textContent = p.number;
      li.querySelector("span").textContent = `${Hall.lname(p.business)} · ${t("parked_until", { t: Hall.hhmm(p.returns_ts * 1000) })}`;
      const b = li.querySelector("button");
      b.textContent = t("call_back");
      b.disabled = !canCall;
      b.addEventListener("click", async () => {
        const r = await api(`/api/counters/${counterId}/call-parked`, "POST", { ticket: p.id });
        if (r) show(r.desk, r.version, false);
      });
      ul.appendChild(li);
    }
  }

  // What the standard asks to record after service: on the current customer, or the one just
  // finished here (the block stays until the next call).
  let asTicket = null;
  function paintAfterService() {
    const as = desk.after_service;
    const box = $(".after-service");
    box.hidden = !as;
    if (!as) { asTicket = null; return; }
    box.dataset.ticket = as.ticket;
    $(".as-number").textContent = as.number;
    if (asTicket !== as.ticket) {               // a new customer: fresh forms
      asTicket = as.ticket;
      const what = $(".rec-what");
      what.innerHTML = "";
      what.add(new Option(t("rec_choose"), ""));
      as.lists.recommendations.forEach((r) => what.add(new Option(r, r)));
      what.add(new Option(t("rec_other"), "*"));
      $(".rec-other").hidden = true;
      $(".rec-other").value = "";
      $(".fu-contact").value = "";
      $(".fu-question").value = "";
      const reason = $(".churn-reason");
      reason.innerHTML = "";
      reason.add(new Option(t("churn_reason"), ""));
      as.lists.churn_reasons.forEach((r) => reason.add(new Option(r, r)));
      const offer = $(".churn-offer");
      offer.innerHTML = "";
      offer.add(new Option(t("churn_offer"), ""));
      as.lists.retention_offers.forEach((r) => offer.add(new Option(r, r)));
      $$("details", box).forEach((d) => { d.open = false; });
    }
    $(".fu-contact").placeholder = t("fu_contact");
    $(".fu-question").placeholder = t("fu_question");
    const due = as.follow_up_due;
    $(".fu-due").textContent = t("fu_due", { d: due.date, n: due.working_days });
    $(".fu-due").dataset.due = due.date;
    $(".fu-warning").hidden = !due.warning;
    $(".fu-warning").textContent = due.warning || "";
    $(".as-churn").hidden = !as.retention;
    const rec = as.recorded, ul = $(".as-recorded");
    ul.innerHTML = "";
    const add = (kind, text) => { const li = document.createElement("li"); li.dataset.recorded = kind; li.textContent = text; ul.appendChild(li); };
    rec.recommendations.forEach((r) => add("recommendation", t("recorded_rec", { what: r.what, ok: t(r.accepted ? "yes_accepted" : "no_declined") })));
    rec.follow_ups.forEach((f) => add("follow_up", t("recorded_fu", { q: f.question, d: f.due_date })));
    rec.churn.forEach((c) => add("churn", t("recorded_churn", { reason: c.reason, stayed: t(c.stayed ? "stayed" : "left") })));
  }
  $(".rec-what").addEventListener("change", () => { $(".rec-other").hidden = $(".rec-what").value !== "*"; });
  async function record(path, body) {
    if (!asTicket) return;
    const r = await api(`/api/counters/${counterId}/${path}`, "POST", Object.assign({ ticket: asTicket }, body));
    // The answer says what is recorded on that customer now: the block repaints from it.
    const recorded = r && (r.recorded || (r.recommendations && r));
    if (recorded && desk && desk.after_service && desk.after_service.ticket === asTicket) {
      desk.after_service.recorded = recorded;
      paintAfterService();
    }
    return r;
  }
  const recWhat = () => ($(".rec-what").value === "*" ? $(".rec-other").value.trim() : $(".rec-what").value);
  $(".rec-yes").addEventListener("click", () => record("recommendation", { what: recWhat(), accepted: true }));
  $(".rec-no").addEventListener("click", () => record("recommendation", { what: recWhat(), accepted: false }));
  $(".fu-save").addEventListener("click", () => record("follow-up", {
    contact: $(".fu-contact").value, question: $(".fu-question").value }));
  const churn = (stayed) => record("churn", { reason: $(".churn-reason").value,
    offer: $(".churn-offer").value || null, stayed });
  $(".churn-stayed").addEventListener("click", () => churn(true));
  $(".churn-left").addEventListener("click", () => churn(false));

  function tickUndo() {
    const undo = $(".undo"), u = desk && desk.undo_no_show;
    const left = u ? Math.ceil(u.until_ts - Hall.now() / 1000) : 0;
    undo.hidden = !(u && left > 0 && !desk.customer);
    if (!undo.hidden) undo.textContent = t("undo_until", { n: u.number, s: left });
  }

  function tickTimer() {
    tickUndo();
    const cu = desk && desk.customer;
    const el = $(".timer");
    if (!cu || !cu.called_ts) { el.hidden = true; return; }
    el.hidden = false;
    const since = (cu.started_ts || cu.called_ts) * 1000;
    const s = Math.max(0, (Hall.now() - since) / 1000);
    $(".elapsed").textContent = `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;
    $(".target").textContent = cu.target_s ? t("target", { t: Math.round(cu.target_s / 60) }) : "";
    el.dataset.level = cu.max_s && s > cu.max_s ? "red" : cu.target_s && s > cu.target_s ? "amber" : "green";
  }
  setInterval(tickTimer, 1000);

  async function act(action) {
    if (!counterId) return;
    const btn = $(`[data-action="${action}"]`);
    if (btn && btn.disabled) return;
    if (action === "transfer") return openTransfer();
    if (action === "call") return openCall();
    if (action === "add-business") return openAdd();
    if (action === "pause") return $(".pause-dialog").showModal();
    const r = await api(`/api/counters/${counterId}/${action}`, "POST");
    if (r) {
      notice("");
      if (action === "close") { counterId = null; desk = null; shown = -1; return whoAmI(); }
      // The answer carries the whole desk (unless a newer one is already painted).
      show(r.desk, r.version, false);
    } else if (Hall.lastError && Hall.lastError.code === "call_repeated") {
      // A double press: nothing happened, and that is fine; say so without alarm.
      $(".error").hidden = true;
      notice(Hall.lastError.message);
    }
  }
  function notice(text) {
    const el = $(".notice");
    el.textContent = text;
    el.hidden = !text;
    clearTimeout(notice.timer);
    if (text) notice.timer = setTimeout(() => { el.hidden = true; }, 6000);
  }
  $$("[data-action]").forEach((b) => b.addEventListener("click", () => act(b.dataset.action)));
  document.addEventListener("keydown", (ev) => {
    const action = keys[ev.key];
    if (action && root.dataset.view === "work") { ev.preventDefault(); act(action); }
  });

  $$("[data-reason]").forEach((b) => b.addEventListener("click", async () => {
    $(".pause-dialog").close();
    const r = await api(`/api/counters/${counterId}/pause`, "POST", { reason: b.dataset.reason });
    if (r) show(r.desk, r.version, false);
  }));
  function openTransfer() {
    const sel = $(".transfer-target");
    sel.innerHTML = "";
    const choose = new Option(t("transfer_choose"), "");
    choose.disabled = true;
    sel.add(choose);
    const group = (label) => { const g = document.createElement("optgroup"); g.label = label; sel.appendChild(g); return g; };
    const current = desk && desk.customer ? desk.customer.business : null;
    const gb = group(t("transfer_businesses"));
    for (const b of CFG.hall.businesses) {
      if (b.code !== current) gb.appendChild(new Option(Hall.lname(b.code), "b:" + b.code));
    }
    const gc = group(t("transfer_counters"));
    for (const c of CFG.hall.counters) if (c.id !== counterId) gc.appendChild(new Option(c.name, "c:" + c.id));
    sel.value = "";
    $(".transfer-reason").value = "";
    $(".transfer-error").hidden = true;
    $(".transfer-dialog").showModal();
  }
  $(".transfer-cancel").addEventListener("click", () => $(".transfer-dialog").close());

  // 加办业务: the business in hand is finished (its own standard), the next one served here at
  // once, or sent to its queue with the same ticket.
  function openAdd() {
    const sel = $(".add-business");
    sel.innerHTML = "";
    const choose = new Option(t("add_choose"), "");
    choose.disabled = true;
    sel.add(choose);
    const here = new Set(CFG.hall.counters.find((c) => c.id === counterId).businesses);
    const current = desk.customer ? desk.customer.business : null;
    for (const b of CFG.hall.businesses) {
      if (b.code !== current) sel.add(new Option(Hall.lname(b.code) + (here.has(b.code) ? "" : " *"), b.code));
    }
    sel.value = "";
    $(".add-error").hidden = true;
    $(".add-dialog").showModal();
  }
  async function addBusiness(how) {
    const business = $(".add-business").value;
    const err = (text) => { $(".add-error").textContent = text; $(".add-error").hidden = !text; };
    if (!business) return err(t("add_choose"));
    const r = await Hall.api($(".add-dialog"), `/api/counters/${counterId}/add-business`, "POST", { business, how });
    if (!r) return err(Hall.lastError ? Hall.lastError.message : t("offline_action"));
    $(".add-dialog").close();
    if (how === "queue") notice(t("add_queued", { n: r.ticket.number, b: Hall.lname(business) }));
    show(r.desk, r.version, false);
  }
  $(".add-serve").addEventListener("click", () => addBusiness("serve"));
  $(".add-queue").addEventListener("click", () => addBusiness("queue"));
  $(".add-cancel").addEventListener("click", () => $(".add-dialog").close());
  $(".add-business").addEventListener("change", () => { $(".add-error").hidden = true; });

  // A chosen ticket out of order (typed, scanned or picked from the line), or a no-show who
  // came back put in line again (过号重排).
  function openCall() {
    const sel = $(".call-reason");
    sel.innerHTML = "";
    const choose = new Option(t("call_reason_missing"), "");
    choose.disabled = true;
    sel.add(choose);
    for (const r of desk.call_reasons || []) sel.add(new Option(r, r));
    sel.value = "";
    const cls = $(".priority-class");
    cls.innerHTML = "";
    const pick = new Option(t("priority_choose"), "");
    pick.disabled = true;
    cls.add(pick);
    for (const p of CFG.hall.priority_classes || []) cls.add(new Option((Hall.lang === "en" && p.name_en) || p.name, p.code));
    cls.value = "";
    $(".call-ref").value = "";
    $(".call-error").hidden = true;
    paintCallLine();
    $(".call-dialog").showModal();
    $(".call-ref").focus();
  }
  function paintCallLine() {
    const ul = $(".call-line");
    ul.innerHTML = "";
    const line = (desk && desk.line) || [];
    if (!line.length) {
      const li = document.createElement("li");
      li.className = "empty";
      li.textContent = t("call_line_empty");
      ul.appendChild(li);
    }
    for (const q of line) {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.lineTicket = q.number;
      const marks = [q.priority ? t("priority_mark") : "", q.requeued ? t("requeued_mark") : ""].filter(Boolean);
      b.innerHTML = "<b></b> <span></span>";
      b.querySelector("b").textContent = q.number;
      b.querySelector("span").textContent = [Hall.lname(q.business), t("waited_min", { m: Math.floor(q.waited_s / 60) }), ...marks].join(" · ");
      b.addEventListener("click", () => {
        $(".call-ref").value = q.number;
        $$(".call-line button").forEach((x) => x.classList.toggle("picked", x === b));
      });
      li.appendChild(b);
      ul.appendChild(li);
    }
  }
  function callError(text) {
    $(".call-error").textContent = text;
    $(".call-error").hidden = !text;
  }
  async function callChosen() {
    const ref = $(".call-ref").value.trim(), reason = $(".call-reason").value;
    if (!ref) return callError(t("call_ref_missing"));
    if (!reason) return callError(t("call_reason_missing"));
    const r = await Hall.api($(".call-dialog"), `/api/counters/${counterId}/call`, "POST", { ticket: ref, reason });
    if (!r) return callError(Hall.lastError ? Hall.lastError.message : t("offline_action"));
    $(".call-dialog").close();
    show(r.desk, r.version, false);
  }
  async function requeueChosen() {
    let ref = $(".call-ref").value.trim();
    if (!ref) return callError(t("call_ref_missing"));
    if (ref.includes("/t/")) ref = ref.split("/t/").pop().split(/[?#]/)[0];    // a scanned link
    const r = await Hall.api($(".call-dialog"), `/api/tickets/${encodeURIComponent(ref)}/requeue`, "POST");
    if (!r) return callError(Hall.lastError ? Hall.lastError.message : t("offline_action"));
    $(".call-dialog").close();
    notice(t("requeued", { n: r.ticket.number, a: r.ticket.ahead }));
  }
  // 绿色通道 for a waiting customer (a wheelchair, a pregnant customer seen from the window).
  async function givePriority() {
    let ref = $(".call-ref").value.trim();
    if (!ref) return callError(t("call_ref_missing"));
    const priority = $(".priority-class").value;
    if (!priority) return callError(t("priority_choose"));
    if (ref.includes("/t/")) ref = ref.split("/t/").pop().split(/[?#]/)[0];
    const r = await Hall.api($(".call-dialog"), `/api/tickets/${encodeURIComponent(ref)}/priority`, "POST", { priority });
    if (!r) return callError(Hall.lastError ? Hall.lastError.message : t("offline_action"));
    $(".call-dialog").close();
    const cls = (CFG.hall.priority_classes || []).find((p) => p.code === priority);
    notice(t("priority_given", { n: r.ticket.number, cls: cls ? ((Hall.lang === "en" && cls.name_en) || cls.name) : "", a: r.ticket.ahead }));
  }
  $(".priority-ok").addEventListener("click", givePriority);
  $(".priority-class").addEventListener("change", () => callError(""));
  $(".call-reason").addEventListener("change", () => callError(""));
  $(".call-ref").addEventListener("input", () => callError(""));
  $(".call-ok").addEventListener("click", callChosen);
  $(".requeue-ok").addEventListener("click", requeueChosen);
  $(".call-cancel").addEventListener("click", () => $(".call-dialog").close());
  // A hand scanner types the ticket's link and Enter: the reason is the one chosen (or asked).
  $(".call-ref").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") { ev.preventDefault(); callChosen(); }
  });
  $(".transfer-ok").addEventListener("click", async () => {
    if (!$(".transfer-target").value) {
      $(".transfer-error").textContent = t("transfer_choose");
      $(".transfer-error").hidden = false;
      return;
    }
    const [kind, id] = $(".transfer-target").value.split(":");
    const body = kind === "b" ? { business: id } : { counter: id };
    const reason = $(".transfer-reason").value.trim();
    if (reason) body.reason = reason;
    $(".transfer-dialog").close();
    const r = await api(`/api/counters/${counterId}/transfer`, "POST", body);
    if (r) show(r.desk, r.version, false);
  });
  root.addEventListener("click", (ev) => {
    const l = ev.target.closest("[data-lang]");
    if (l) { Hall.setLang(l.dataset.lang); translate(); }
  });

  Hall.socket(root, {
    connect: refresh,                   // pushes may have gone while away: ask once
    desk(d) { show(d, d.v, true); },
    // The settings changed: names and windows from the new catalogue (the desk is pushed next).
    hall_changed() { if (root.dataset.view === "choose") whoAmI(); else translate(); },
    counter_notice(n) {                 // a call-pad key the hall refused: say why here too
      if (n.counter !== counterId) return;
      if (n.code === "call_repeated") notice(n.message);
      else { $(".error").textContent = n.message; $(".error").hidden = false; }
    },
  });
  translate();
  whoAmI();
})();
