// An unpaired screen: ask for a pairing code, show it, and wait for an admin to approve it.
(function () {
  "use strict";
  const root = document.querySelector("[data-pairing]");
  const codeEl = root.querySelector("[data-pairing-code]");
  const note = root.querySelector("[data-pairing-note]");
  const CFG = JSON.parse(document.getElementById("page-config").textContent);
  let secret = null, askedAt = 0;

  async function post(path, body) {
    const r = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
                                  body: JSON.stringify(body || {}) });
    return { status: r.status, data: await r.json().catch(() => ({})) };
  }
  async function ask() {
    const r = await post("/api/pairings").catch(() => null);
    if (!r || r.status !== 201) { note.textContent = "暂时无法获取配对码,稍后自动重试……"; return; }
    secret = r.data.secret; askedAt = Date.now();
    codeEl.textContent = r.data.code.replace(/(\d{3})(\d{3})/, "$1 $2");
    root.dataset.state = "waiting";
  }
  async function check() {
    if (!secret || Date.now() - askedAt > CFG.ttl_s * 1000) { await ask(); return; }
    const r = await post("/api/pairings/check", { secret }).catch(() => null);
    if (!r) return;
    if (r.status === 404) { secret = null; return; }
    if (r.data.paired) {
      root.dataset.state = "paired";
      note.textContent = `已登记为「${r.data.device.name}」,正在打开……`;
      location.replace(r.data.next);
    }
  }
  ask();
  setInterval(check, 2000);
})();
