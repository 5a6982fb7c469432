// Shared by every page of the hall: its words in both languages, the language switch, the socket.
window.Hall = (function () {
  "use strict";
  const CFG = JSON.parse(document.getElementById("page-config").textContent);
  let lang = CFG.lang;
  function t(key, vars) {
    let s = (CFG.strings[lang] || CFG.strings.zh)[key] || key;
    // {no_show_rule}: what a customer who missed their call may do, by the hall's rule.
    const rule = (CFG.hall.no_show_rule || {})[lang === "en" ? "en" : "zh"] || "";
    const all = Object.assign({ hotline: CFG.hall.hotline, wechat: CFG.hall.wechat, no_show_rule: rule }, vars || {});
    for (const [k, v] of Object.entries(all)) s = s.split("{" + k + "}").join(v);
    return s;
  }
  function translate(root) {
    root.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
    root.querySelectorAll("[data-lang]").forEach((el) => el.classList.toggle("active", el.dataset.lang === lang));
  }
  function setLang(l, root) {
    lang = l;
    // Remembered for staff pages; a kiosk (CFG.remember_lang false) starts each customer afresh.
    if (CFG.remember_lang !== false) document.cookie = `hall_lang=${l}; path=/; max-age=31536000; samesite=lax`;
    document.documentElement.lang = l === "en" ? "en" : "zh-CN";
    if (root) translate(root);
  }
  // `topics`: what this page wants beyond the broadcasts ("estimates" for a kiosk, "counter:3"
  // for counter 3's screen); sent with every (re)connection.
  function socket(root, handlers, topics) {
    if (typeof io === "undefined") return null;
    // Back within a second or two of the server: the default back-off grows to 5 s.
    const s = io({ transports: ["websocket", "polling"], reconnectionDelay: 500, reconnectionDelayMax: 1500,
                   auth: { topics: topics || [] } });
    let connected = false;
    s.on("connect", () => {
      root.dataset.connection = "online";
      if (connected) catchUpHall();           // a settings change pushed while this page was away
      connected = true;
    });
    // The hall's settings changed (a business renamed, a window's businesses, the notices …):
    // the page's catalogue follows, then the page repaints what it shows of it.
    s.on("hall_changed", (change) => applyHall(change && change.hall));
    s.on("disconnect", () => { root.dataset.connection = "offline"; });
    s.on("connect_error", () => { root.dataset.connection = "offline"; });
    for (const [name, fn] of Object.entries(handlers)) if (name !== "hall_changed") s.on(name, fn);
    if (handlers.hall_changed) hallListeners.push(handlers.hall_changed);
    return s;
  }
  const hallListeners = [];
  function applyHall(hall) {
    if (!hall || typeof hall !== "object") return;
    const mine = CFG.hall.settings_version;
    if (typeof mine === "number" && typeof hall.settings_version === "number" && hall.settings_version < mine) return;
    for (const k of Object.keys(CFG.hall)) if (!(k in hall)) delete CFG.hall[k];
    Object.assign(CFG.hall, hall);
    for (const fn of hallListeners) {
      try { fn(CFG.hall); } catch (e) { console.error(e); }
    }
  }
  async function catchUpHall() {
    try {
      const r = await fetch("/api/hall");
      if (!r.ok) return;
      const hall = await r.json();
      if (hall.settings_version !== CFG.hall.settings_version) applyHall(hall);
    } catch (e) { /* offline again: the next connect asks again */ }
  }
  // A staff page's call: JSON both ways; a refusal shown in the page's `.error` (kept through
  // reads, cleared by the next action that succeeds); signed out → the login, then back here.
  // A network that is down says so within seconds (never a silent button); the refusal's code
  // stays in Hall.lastError for the page that wants to treat one differently.
  const API_TIMEOUT_MS = 8000;
  async function api(root, path, method, body) {
    const error = root.querySelector(".error");
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), API_TIMEOUT_MS);
    let r;
    try {
      r = await fetch(path, { method: method || "GET", headers: { "Content-Type": "application/json" },
                              body: body !== undefined ? JSON.stringify(body) : undefined, signal: ctl.signal });
    } catch (e) {
      const said = t("offline_action");
      hub.lastError = { status: 0, code: "offline" };
      error.textContent = said !== "offline_action" ? said
        : (lang === "en" ? "The network is down: not sent. Please try again shortly." : "网络中断,操作没有送达:请稍候重试");
      error.hidden = false;
      return null;
    } finally {
      clearTimeout(timer);
    }
    const data = await r.json().catch(() => ({}));
    hub.lastError = r.ok ? null : { status: r.status, ...(data.error || {}) };
    if (!r.ok) {
      if (r.status === 401) location.href = "/login?next=" + encodeURIComponent(location.pathname);
      error.textContent = (data.error || {}).message || r.statusText;
      error.hidden = false;
      return null;
    }
    if (method && method !== "GET") error.hidden = true;
    return data;
  }
  // The hall's time, not the device's: a server timestamp sets the offset, the hall's zone the
  // wall-clock reading (a tablet set to another zone or a drifting clock still reads right).
  let offsetMs = 0;
  function syncTime(serverTs) { if (typeof serverTs === "number") offsetMs = serverTs * 1000 - Date.now(); }
  const now = () => Date.now() + offsetMs;
  function hhmm(ms) {
    return new Date(ms == null ? now() : ms).toLocaleTimeString("zh-CN", {
      hour: "2-digit", minute: "2-digit", hour12: false, timeZone: CFG.hall.timezone || undefined });
  }
  const business = (code) => CFG.hall.businesses.find((b) => b.code === code);
  const bname = (code) => { const b = business(code); return b ? ((lang === "en" && b.name_en) || b.name) : code; };
  // A business with its line (固网 查询 · 5G 查询): both lines have a 查询, a 续费, a 发票 …
  const lineName = (line) => (line === "fixed" ? (lang === "en" ? "Fixed" : "固网") : "5G");
  const lname = (code) => { const b = business(code); return b ? `${lineName(b.line)} ${bname(code)}` : code; };
  const counterName = (id) => { const c = CFG.hall.counters.find((x) => x.id === id); return c ? c.name : id; };
  const hub = { CFG, t, translate, setLang, socket, api, applyHall, business, bname, lname, lineName, counterName, syncTime, now, hhmm,
                lastError: null, get lang() { return lang; } };
  return hub;
})();
