// The admin's enrolled devices: a row per device (last seen, online, revoke), a form to approve
// the pairing code an unpaired screen shows, and one to enrol a device by its link (shown once).
(function () {
  "use strict";
  const Hall = window.Hall;
  const { CFG, t } = Hall;
  const root = document.getElementById("devices");
  const $ = (s, el) => (el || root).querySelector(s);
  let targets = {};

  const { el, say, call } = window.HallAdmin(root);
  function when(ts) {
    if (!ts) return t("never_seen");
    return new Date(ts * 1000).toLocaleString(Hall.lang === "en" ? "en-GB" : "zh-CN", { hour12: false });
  }
  function targetName(kind, id) {
    const found = (targets[kind] || []).find((x) => x.id === id);
    return found ? found.name : (id || "—");
  }

  function row(d) {
    const tr = el("tr");
    tr.dataset.device = d.id;
    tr.appendChild(el("td", null, d.name));
    tr.appendChild(el("td", null, t("kind_" + d.kind)));
    tr.appendChild(el("td", null, targetName(d.kind, d.target)));
    tr.appendChild(el("td", null, when(d.last_seen)));
    const online = el("td", d.online ? "ok" : "muted", t(d.online ? "is_online" : "is_offline"));
    online.dataset.online = String(d.online);
    tr.appendChild(online);
    const actions = el("td");
    const revoke = el("button", "danger", t("revoke"));
    revoke.type = "button";
    revoke.dataset.action = "revoke";
    revoke.addEventListener("click", async () => {
      if (!confirm(t("confirm_revoke", { name: d.name }))) return;
      if (await call(`/api/devices/${encodeURIComponent(d.id)}`, "DELETE")) {
        say(t("revoked_done", { name: d.name }));
        load();
      }
    });
    actions.appendChild(revoke);
    tr.appendChild(actions);
    return tr;
  }
  async function load() {
    const data = await call("/api/devices");
    if (!data) return;
    targets = data.targets;
    const body = $(".device-rows");
    body.replaceChildren(...data.devices.map(row));
    if (!data.devices.length) {
      const tr = el("tr"), td = el("td", "muted", t("no_devices"));
      td.colSpan = 6;
      tr.appendChild(td);
      body.appendChild(tr);
    }
    root.querySelectorAll("form").forEach(fillChoices);
  }
  function fillChoices(form) {
    const kind = form.querySelector(".kind-choice"), target = form.querySelector(".target-choice");
    if (!kind.options.length) {
      for (const k of ["kiosk", "counter_screen", "display"]) {
        const o = el("option", null, t("kind_" + k));
        o.value = k;
        kind.appendChild(o);
      }
      kind.addEventListener("change", () => fillTargets(kind.value, target));
    }
    if (!target.options.length) fillTargets(kind.value, target);
  }
  function fillTargets(kind, select) {
    select.replaceChildren(...(targets[kind] || []).map((x) => {
      const o = el("option", null, x.id ? `${x.name}(${x.id})` : x.name);
      o.value = x.id || "";
      return o;
    }));
  }
  function bodyOf(form) {
    const f = new FormData(form);
    const body = { kind: f.get("kind"), target: f.get("target") || null };
    if ((f.get("name") || "").trim()) body.name = f.get("name").trim();
    return body;
  }
  $('form[data-form="pair"]').addEventListener("submit", async (e) => {
    e.preventDefault();
    const form = e.target;
    const d = await call("/api/devices/pair", "POST", { ...bodyOf(form), code: form.code.value.trim() });
    if (d) { say(t("approved", { name: d.name })); form.code.value = ""; load(); }
  });
  $('form[data-form="enrol"]').addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = await call("/api/devices", "POST", bodyOf(e.target));
    if (!d) return;
    const box = $("[data-enrolled]");
    $(".enrolled-text", box).textContent = t("enrolled_once", { name: d.name });
    const link = $("[data-pair-url]", box);
    link.href = d.pair_url;
    link.textContent = d.pair_url;
    box.hidden = false;
    load();
  });

  $(".who").textContent = CFG.me.name;
  Hall.translate(root);
  root.querySelectorAll("[data-lang]").forEach((b) => b.addEventListener("click", () => {
    Hall.setLang(b.dataset.lang, root);
    load();
  }));
  load();
  setInterval(load, 30000);       // last seen and online move on
})();
