// What the admin's pages (staff accounts, devices) share: making elements, the message line
// ([data-message]: a refusal stays, a success fades) and calling the API in the hall's words.
window.HallAdmin = function (root) {
  "use strict";
  const Hall = window.Hall;
  let hideTimer = null;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function say(text, error) {
    const box = root.querySelector("[data-message]");
    clearTimeout(hideTimer);
    box.textContent = text;
    box.dataset.kind = error ? "error" : "ok";
    box.hidden = false;
    if (!error) hideTimer = setTimeout(() => { box.hidden = true; }, 6000);
  }
  // The server's words are zh-CN; in English, the page's own words for the codes it knows.
  async function call(path, method, body) {
    const r = await fetch(path, { method: method || "GET", headers: { "Content-Type": "application/json" },
                                  body: body !== undefined ? JSON.stringify(body) : undefined });
    if (r.status === 204) return {};
    const data = await r.json().catch(() => ({}));
    if (r.ok) return data;
    if (r.status === 401) location.href = "/login?next=" + encodeURIComponent(location.pathname);
    const err = data.error || {};
    const english = Hall.lang === "en" && Hall.CFG.strings.en["err_" + err.code];
    say(english || err.message || r.statusText, true);
    return null;
  }
  return { el, say, call };
};
