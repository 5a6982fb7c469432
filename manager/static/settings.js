// The hall's settings (/manager/settings): every field of the config in forms drawn from the
// models that read the TOML (CFG.form, core/settings_form.py), saved as a new version now or
// for the next business day; a refusal's problems next to their fields; the versions with what
// changed, any one restored; the TOML exported and imported.
(function () {
  "use strict";
  const Hall = window.Hall;
  const { CFG, t } = Hall;
  const root = document.getElementById("settings");
  const { el, say, call } = window.HallAdmin(root);
  const $ = (s, e) => (e || root).querySelector(s);
  const $$ = (s, e) => Array.from((e || root).querySelectorAll(s));
  const form = $(".settings-form");
  const admin = CFG.me_role === "admin";
  const MAY = ["hall.notices", "alerts"];          // what the duty manager may change

  // Sections of the page: the parts of the config each shows (a path, or a group's part).
  const SECTIONS = [
    { id: "hall", parts: ["hall"], skip: ["hall.notices"] },
    { id: "notices", parts: ["hall.notices"] },
    { id: "businesses", parts: ["businesses", "checklist", "priority_classes"] },
    { id: "counters", parts: ["counters", "zones", "counter_keys"] },
    { id: "kiosks", parts: ["kiosks"] },
    { id: "ticket", parts: ["ticket"] },
    { id: "routing", parts: ["routing"] },
    { id: "alerts", parts: ["alerts"] },
    { id: "voice", parts: ["voice"] },
    { id: "more", parts: ["after_service", "backup", "security", "remote", "crm"] },
    { id: "versions", parts: [] },
    { id: "file", parts: [] },
  ];
  const nodes = {};
  (function index(list) { for (const n of list) { nodes[n.path] = n; if (n.fields) index(n.fields); } })(CFG.form);

  let data = null;              // the config being edited (JSON as the API has it)
  let base = null;              // the version it was read from
  let dirty = false;
  let section = "hall";
  let errors = {};              // field path → message

  // --- reading and writing the edited config -------------------------------------------------
  const parts = (path) => path.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  function getAt(path) { return parts(path).reduce((o, k) => (o == null ? undefined : o[k]), data); }
  function setAt(path, value) {
    const ks = parts(path);
    let o = data;
    for (const k of ks.slice(0, -1)) o = o[k];
    o[ks[ks.length - 1]] = value;
    changed();
  }
  const pattern = (path) => path.replace(/\.\d+(?=\.|$)/g, ".*").replace(/^hall\.weekday_hours\.\d\b/, "hall.weekday_hours.*");
  const may = (path) => admin || MAY.some((m) => path === m || path.startsWith(m + "."));
  function changed() {
    dirty = true;
    root.dataset.dirty = "true";
  }
  const label = (n) => (Hall.lang === "en" ? n.label_en : n.label);

  // --- one field ------------------------------------------------------------------------------
  function field(node, path) {
    const box = el("div", "field");
    box.dataset.field = path;
    box.dataset.kind = node.kind;
    const id = "f-" + path.replace(/[^A-Za-z0-9_-]/g, "-");
    const head = el("label", "field-label", label(node));
    head.htmlFor = id;
    box.appendChild(head);
    const input = control(node, path, id);
    box.appendChild(input);
    if (node.help && Hall.lang !== "en") box.appendChild(el("small", "help", node.help));
    const err = el("p", "field-error");
    err.id = id + "-error";
    err.hidden = true;
    box.appendChild(err);
    if (!may(path)) $$("input, select, textarea, button", box).forEach((i) => { i.disabled = true; });
    return box;
  }
  function scalarIn(kind, value) {
    if (value == null) return "";
    if (kind === "time") return String(value).slice(0, 5);
    if (kind === "datetime") return String(value).slice(0, 16);
    return String(value);
  }
  function scalarOut(node, raw) {
    if (raw === "") return node.nullable ? null : (node.kind === "text" ? "" : raw);
    if (node.kind === "int") return /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
    if (node.kind === "float") return raw.trim() !== "" && !isNaN(Number(raw)) ? Number(raw) : raw;
    return raw;
  }
  function control(node, path, id) {
    const p = pattern(path);
    const value = getAt(path);
    if (p === "counters.*.businesses" || p === "zones.*.counters") {
      const box = el("div");
      box.id = id;
      const options = p === "zones.*.counters"
        ? data.counters.map((c) => ({ value: c.id, label: c.name }))
        : data.businesses.map((b) => ({ value: b.code, label: `${b.line === "fixed" ? "固网" : "5G"} ${b.name}` }));
      window.HallOrder(box, options, value || [], (chosen) => setAt(path, chosen));
      return box;
    }
    if (p === "businesses.*.checklist" || p === "businesses.*.checklist_required") {
      return checks(id, Object.entries(data.checklist).map(([k, text]) => ({ value: k, label: text })), value, path);
    }
    if (p === "hall.closed_weekdays") {
      return checks(id, [1, 2, 3, 4, 5, 6, 7].map((d) => ({ value: d, label: t("weekday_" + d) })), value, path);
    }
    if (node.kind === "bool") {
      const i = el("input");
      i.type = "checkbox";
      i.id = id;
      i.checked = !!value;
      i.addEventListener("change", () => setAt(path, i.checked));
      return i;
    }
    if (node.kind === "choice") {
      const s = el("select");
      s.id = id;
      if (node.nullable) s.appendChild(new Option("—", ""));
      for (const c of node.choices) s.appendChild(new Option(c.label, c.value));
      s.value = value == null ? "" : value;
      s.addEventListener("change", () => setAt(path, s.value === "" ? null : s.value));
      return s;
    }
    if (node.kind === "list") {
      // One per line: reasons, footer lines, closed dates (2026-10-01) …
      const a = el("textarea");
      a.id = id;
      a.rows = Math.min(Math.max((value || []).length + 1, 2), 8);
      a.value = (value || []).join("\n");
      a.addEventListener("input", () => {
        const lines = a.value.split("\n").map((x) => x.trim()).filter(Boolean);
        setAt(path, node.of === "int" ? lines.map((x) => (/^\d+$/.test(x) ? Number(x) : x)) : lines);
      });
      return a;
    }
    if (node.kind === "map") return map(node, path, id);
    if (node.kind === "group") return group(node, path);
    if (node.kind === "table") return table(node, path);
    const i = el("input");
    i.id = id;
    i.type = { int: "text", float: "text", time: "time", date: "date", datetime: "datetime-local" }[node.kind] || "text";
    if (node.kind === "int" || node.kind === "float") i.inputMode = node.kind === "int" ? "numeric" : "decimal";
    if (node.max_length) i.maxLength = node.max_length;
    i.value = scalarIn(node.kind, value);
    i.addEventListener("input", () => setAt(path, scalarOut(node, i.value)));
    return i;
  }
  function checks(id, options, value, path) {
    const box = el("div", "checks");
    box.id = id;
    const chosen = new Set(value || []);
    for (const o of options) {
      const l = el("label");
      const i = el("input");
      i.type = "checkbox";
      i.value = o.value;
      i.checked = chosen.has(o.value);
      i.addEventListener("change", () => {
        const now = $$("input", box).filter((x) => x.checked).map((x) => options.find((o2) => String(o2.value) === x.value).value);
        setAt(path, now);
      });
      l.append(i, document.createTextNode(o.label));
      box.appendChild(l);
    }
    return box;
  }
  function group(node, path) {
    const box = el("fieldset", "group");
    box.appendChild(el("legend", null, label(node)));
    for (const f of node.fields) {
      const sub = path + "." + f.name;
      if ((currentSkip || []).includes(sub)) continue;
      box.appendChild(field(f, sub));
    }
    return box;
  }
  let currentSkip = [];

  // A list of entries (businesses, windows, kiosks …): each a card, moved, removed, added.
  function table(node, path) {
    const list = getAt(path) || [];
    const box = el("div", "table");
    list.forEach((item, i) => {
      const card = el("details", "card");
      card.dataset.field = `${path}.${i}`;
      card.open = list.length <= 3 || openCards.has(`${path}.${i}`) || hasError(`${path}.${i}`);
      card.addEventListener("toggle", () => { if (card.open) openCards.add(`${path}.${i}`); else openCards.delete(`${path}.${i}`); });
      const summary = el("summary", null, [item[node.key] || "", item.name || item.text || ""].filter(Boolean).join(" · ") || `#${i + 1}`);
      card.appendChild(summary);
      const body = el("div", "card-body");
      for (const f of node.fields) body.appendChild(field(f, `${path}.${i}.${f.name}`));
      card.appendChild(body);
      const tools = el("div", "card-tools");
      const act = (text, fn, name) => {
        const b = el("button", null, text);
        b.type = "button";
        b.dataset.tool = name;
        b.disabled = !may(path);
        b.addEventListener("click", () => { fn(); changed(); paint(); });
        tools.appendChild(b);
      };
      if (i > 0) act("↑ " + t("move_up"), () => list.splice(i - 1, 0, list.splice(i, 1)[0]), "up");
      if (i < list.length - 1) act("↓ " + t("move_down"), () => list.splice(i + 1, 0, list.splice(i, 1)[0]), "down");
      act(t("remove"), () => list.splice(i, 1), "remove");
      body.appendChild(tools);
      box.appendChild(card);
    });
    const add = el("button", "add", "+ " + t("add_entry"));
    add.type = "button";
    add.dataset.add = path;
    add.disabled = !may(path);
    add.addEventListener("click", () => {
      list.push(blank(node));
      setAt(path, list);
      openCards.add(`${path}.${list.length - 1}`);
      paint();
    });
    box.appendChild(add);
    return box;
  }
  const openCards = new Set();
  function blank(node) {
    const item = {};
    for (const f of node.fields) {
      if (f.kind === "group" || f.kind === "table") continue;
      item[f.name] = f.default !== undefined ? JSON.parse(JSON.stringify(f.default))
        : f.kind === "bool" ? false : f.kind === "list" ? [] : f.nullable ? null : "";
    }
    return item;
  }
  // key → value (the key moments, the counter keys, follow-up days by line, a weekday's hours).
  function map(node, path, id) {
    const box = el("div", "map");
    box.id = id;
    const value = getAt(path) || {};
    if (path === "hall.weekday_hours") {
      for (const d of ["1", "2", "3", "4", "5", "6", "7"]) {
        const row = el("div", "map-row");
        row.dataset.field = `${path}.${d}`;
        const own = el("input");
        own.type = "checkbox";
        own.checked = d in value;
        own.setAttribute("aria-label", t("weekday_" + d));
        row.append(own, el("span", "key", t("weekday_" + d)));
        const times = ["opening", "closing"].map((k) => {
          const i = el("input");
          i.type = "time";
          i.disabled = !own.checked;
          i.dataset.part = k;
          i.setAttribute("aria-label", `${t("weekday_" + d)} ${label(nodes["hall.weekday_hours.*." + k])}`);
          i.value = scalarIn("time", (value[d] || {})[k] || (k === "opening" ? data.hall.opening : data.hall.closing));
          return i;
        });
        const save = () => {
          const v = getAt(path) || {};
          if (own.checked) v[d] = { opening: times[0].value, closing: times[1].value }; else delete v[d];
          times.forEach((i) => { i.disabled = !own.checked; });
          setAt(path, v);
        };
        own.addEventListener("change", save);
        times.forEach((i) => { i.addEventListener("input", save); row.appendChild(i); });
        box.appendChild(row);
      }
      return box;
    }
    const keys = node.keys || Object.keys(value);
    for (const k of keys) {
      const row = el("div", "map-row");
      row.dataset.field = `${path}.${k}`;
      const key = el("input", "key");
      key.value = k;
      key.readOnly = !!node.keys;
      key.setAttribute("aria-label", `${label(node)} · key`);
      const v = node.values.kind === "choice" ? el("select") : el("input");
      if (node.values.kind === "choice") for (const c of node.values.choices) v.appendChild(new Option(c.label, c.value));
      v.value = value[k] == null ? "" : value[k];
      v.setAttribute("aria-label", `${label(node)} · ${k}`);
      const save = () => {
        const out = {};
        for (const r of $$(".map-row", box)) {
          const [kk, vv] = $$("input, select", r);
          if (kk.value.trim()) out[kk.value.trim()] = scalarOut(node.values, vv.value);
        }
        setAt(path, out);
      };
      key.addEventListener("change", save);
      v.addEventListener(v.tagName === "SELECT" ? "change" : "input", save);
      row.append(key, v);
      if (!node.keys) {
        const rm = el("button", null, t("remove"));
        rm.type = "button";
        rm.addEventListener("click", () => { row.remove(); save(); });
        row.appendChild(rm);
      }
      box.appendChild(row);
    }
    if (!node.keys) {
      const add = el("button", "add", "+ " + t("add_entry"));
      add.type = "button";
      add.dataset.add = path;
      add.addEventListener("click", () => {
        const v = getAt(path) || {};
        let k = "new";
        for (let n = 2; k in v; n++) k = "new" + n;
        v[k] = node.values.kind === "choice" ? node.values.choices[0].value : (node.values.kind === "int" ? 1 : "");
        setAt(path, v);
        paint();
      });
      box.appendChild(add);
    }
    return box;
  }

  // --- the page -------------------------------------------------------------------------------
  function paint() {
    const y = window.scrollY;
    $(".settings-nav").textContent = "";
    for (const s of SECTIONS) {
      const b = el("button", s.id === section ? "active" : null, t("section_" + s.id));
      b.type = "button";
      b.dataset.section = s.id;
      const bad = Object.keys(errors).some((f) => sectionOf(f) === s.id);
      if (bad) b.classList.add("has-error");
      b.addEventListener("click", () => { section = s.id; paint(); });
      $(".settings-nav").appendChild(b);
    }
    form.textContent = "";
    form.dataset.section = section;
    if (!data) return;
    const s = SECTIONS.find((x) => x.id === section);
    currentSkip = s.skip || [];
    if (section === "versions") return paintVersions();
    if (section === "file") return paintFile();
    for (const path of s.parts) form.appendChild(field(nodes[path], path));
    showErrors();
    window.scrollTo(0, y);
  }
  function sectionOf(path) {
    for (const s of SECTIONS) {
      for (const p of s.parts) {
        if ((path === p || path.startsWith(p + ".")) && !(s.skip || []).some((k) => path === k || path.startsWith(k + "."))) return s.id;
      }
    }
    return "hall";
  }
  const hasError = (path) => Object.keys(errors).some((f) => f === path || f.startsWith(path + "."));
  function showErrors() {
    for (const [path, message] of Object.entries(errors)) {
      // The field itself, or the nearest part of it on the page (an entry, a list).
      let target = null;
      for (let p = path; p && !target; p = p.includes(".") ? p.slice(0, p.lastIndexOf(".")) : "") {
        target = form.querySelector(`[data-field="${CSS.escape(p)}"]`);
      }
      if (!target) continue;
      let err = target.querySelector(":scope > .field-error");
      if (!err) {
        err = el("p", "field-error");
        target.insertBefore(err, target.children[1] || null);
      }
      err.textContent = err.hidden || !err.textContent ? message : err.textContent + ";" + message;
      err.hidden = false;
      target.classList.add("invalid");
      const input = target.querySelector("input, select, textarea");
      if (input) { input.setAttribute("aria-invalid", "true"); if (err.id) input.setAttribute("aria-describedby", err.id); }
    }
    const first = form.querySelector(".invalid");
    if (first) first.scrollIntoView({ block: "center" });
  }

  async function load() {
    const r = await call("/api/settings");
    if (!r) return;
    data = r.config;
    base = r.version;
    dirty = false;
    delete root.dataset.dirty;
    errors = {};
    $(".in-force").textContent = base ? t("in_force", { n: base }) : t("in_force_file");
    $(".limited").hidden = admin;
    paint();
  }

  let saving = false;            // this page's own save: its push is not someone else's change
  async function save(when) {
    saving = true;
    try { await saveNow(when); } finally { saving = false; }
  }
  async function saveNow(when) {
    errors = {};
    const body = { config: data, base_version: base, when: when || $('select[name="when"]').value };
    const r = await fetch("/api/settings", { method: "POST", headers: { "Content-Type": "application/json" },
                                              body: JSON.stringify(body) });
    const answer = await r.json().catch(() => ({}));
    if (r.ok) {
      const v = answer.version;
      if (!v.effective_day) base = v.id;     // its own push is not someone else's change
      dirty = false;
      say(v.effective_day ? t("saved_next_day", { n: v.id, day: v.effective_day }) : t("saved_now", { n: v.id }));
      await load();
      return;
    }
    const err = answer.error || {};
    if (r.status === 401) location.href = "/login?next=" + encodeURIComponent(location.pathname);
    if (err.code === "invalid_settings") {
      for (const f of err.fields || []) errors[f.field] = errors[f.field] ? errors[f.field] + ";" + f.message : f.message;
      const first = (err.fields || [])[0];
      if (first) section = sectionOf(first.field);
      paint();
      say(t("fix_fields", { n: (err.fields || []).length }), true);
      return;
    }
    say(err.message || r.statusText, true);
    const box = $("[data-message]");
    if (err.code === "not_mid_day") box.appendChild(button(t("when_next_day"), () => save("next_day"), "save-next-day"));
    if (err.code === "settings_changed") box.appendChild(button(t("reload"), load, "reload"));
  }
  function button(text, fn, name) {
    const b = el("button", null, text);
    b.type = "button";
    b.dataset.action = name;
    b.addEventListener("click", fn);
    return b;
  }

  // A version's time, in the hall's zone: 2026-12-02 14:05.
  const when = (at) => new Intl.DateTimeFormat("sv-SE", { timeZone: CFG.hall.timezone || undefined, year: "numeric",
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false })
    .format(new Date(typeof at === "number" ? at * 1000 : at));
  async function paintVersions() {
    const r = await call("/api/settings/versions");
    if (!r || section !== "versions") return;
    form.textContent = "";
    const list = el("ol", "versions");
    for (const v of r.versions) {
      const li = el("li", "version");
      li.dataset.version = v.id;
      const head = el("div", "version-head");
      head.append(el("b", null, t("version_n", { n: v.id })),
                  el("span", null, ` ${when(v.at)} · ${v.by} · ${t("source_" + v.source)}`));
      if (v.id === r.in_force) head.appendChild(el("span", "badge", t("in_force_badge")));
      if (v.effective_day) head.appendChild(el("span", "badge", t("from_day", { day: v.effective_day })));
      li.appendChild(head);
      const ul = el("ul", "changes");
      for (const line of v.changes) ul.appendChild(el("li", null, line));
      li.appendChild(ul);
      if (admin && v.id !== r.in_force) {
        li.appendChild(button(t("restore_version"), async () => {
          const done = await call(`/api/settings/versions/${v.id}/restore`, "POST", { when: $('select[name="when"]').value });
          if (done) {
            if (!done.version.effective_day) base = done.version.id;
            say(t("restored", { n: v.id, m: done.version.id }));
            await load();
            section = "versions";
            paint();
          }
        }, "restore"));
      }
      list.appendChild(li);
    }
    form.appendChild(list);
  }
  function paintFile() {
    const box = el("div", "file-tools");
    const link = el("a", "button", t("export_toml"));
    link.href = "/api/settings.toml";
    link.download = "hall.toml";
    box.appendChild(link);
    if (admin) {
      const file = el("input");
      file.type = "file";
      file.accept = ".toml,text/plain";
      file.setAttribute("aria-label", t("import_toml"));
      box.append(el("p", "muted", t("import_hint")), file, button(t("import_toml"), async () => {
        const f = file.files[0];
        if (!f) return say(t("choose_file"), true);
        const done = await call("/api/settings.toml", "POST", { toml: await f.text(), when: $('select[name="when"]').value });
        if (done) { say(t("saved_now", { n: done.version.id })); await load(); }
      }, "import"));
    }
    form.appendChild(box);
  }

  root.addEventListener("click", (ev) => {
    const a = ev.target.closest("[data-action]");
    if (a && a.dataset.action === "save") save();
    if (a && a.dataset.action === "discard") load();
    const l = ev.target.closest("[data-lang]");
    if (l) { Hall.setLang(l.dataset.lang, root); paint(); }
  });
  window.addEventListener("beforeunload", (ev) => { if (dirty) { ev.preventDefault(); ev.returnValue = ""; } });
  Hall.socket(root, {
    // Another admin's change (or a restore): read it, unless this page has edits of its own.
    hall_changed(hall) {
      if (saving || typeof hall.settings_version !== "number" || hall.settings_version <= (base || 0)) return;
      if (!dirty) load(); else say(t("changed_elsewhere", { n: hall.settings_version }), true);
    },
  });
  $(".who").textContent = CFG.me.name;
  Hall.translate(root);
  load();
  window.hallSettings = { get data() { return data; }, get errors() { return errors; }, nodes };
})();
