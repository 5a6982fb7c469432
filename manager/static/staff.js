// The admin's staff accounts: one row per account (role, enabling, name and staff number saved
// as they change, a new password in a dialog) and a form to add one. Every change reads the
// list again; a refusal (the last admin, one's own account …) shows in [data-message].
(function () {
  "use strict";
  const Hall = window.Hall;
  const { CFG, t } = Hall;
  const root = document.getElementById("staff");
  const $ = (s, el) => (el || root).querySelector(s);
  const addForm = $('form[data-form="add"]');
  const dialog = $(".password-dialog");
  let accounts = [];
  let resetting = null;           // the username the password dialog is for

  const { el, say, call } = window.HallAdmin(root);
  const nameOf = (u) => { const a = accounts.find((x) => x.username === u); return (a && a.display_name) || u; };

  function roleSelect(value) {
    const s = el("select");
    s.name = "role";
    for (const role of CFG.roles) {
      const o = el("option", null, t("role_" + role));
      o.value = role;
      s.appendChild(o);
    }
    s.value = value;
    return s;
  }
  function field(name, value, maxlength) {
    const i = el("input");
    i.name = name;
    i.value = value || "";
    i.maxLength = maxlength;
    return i;
  }

  function paint() {
    const body = $(".staff-rows");
    // A field being typed in survives a repaint (another change's answer may land meanwhile):
    // its text and the caret come back, and leaving it still saves it.
    const active = body.contains(document.activeElement) && document.activeElement.name ? {
      user: document.activeElement.closest("tr").dataset.user, name: document.activeElement.name,
      value: document.activeElement.value, at: document.activeElement.selectionStart } : null;
    body.textContent = "";
    for (const a of accounts) {
      const me = a.username === CFG.me.username;
      const tr = el("tr");
      tr.dataset.user = a.username;
      tr.dataset.disabled = String(a.disabled);
      const who = el("td", "username", a.username);
      if (me) who.appendChild(el("span", "you", t("you")));
      tr.appendChild(who);
      // Each field says whose and what it is (a screen reader reads no column heading).
      const labelled = (input, key) => { input.setAttribute("aria-label", `${a.username} · ${t(key)}`); return input; };
      tr.appendChild(el("td")).appendChild(labelled(field("display_name", a.display_name, 32), "display_name"));
      tr.appendChild(el("td")).appendChild(labelled(field("staff_no", a.staff_no, 16), "staff_no"));
      const role = tr.appendChild(el("td")).appendChild(labelled(roleSelect(a.role), "role"));
      role.disabled = me;             // the server refuses it too: no admin demotes themselves
      tr.appendChild(el("td", "state", t(a.disabled ? "disabled" : "active")));
      const actions = tr.appendChild(el("td")).appendChild(el("div", "row-actions"));
      const toggle = actions.appendChild(el("button", a.disabled ? "primary" : null, t(a.disabled ? "enable" : "disable")));
      toggle.type = "button";
      toggle.dataset.action = "toggle";
      toggle.disabled = me;
      const reset = actions.appendChild(el("button", null, t("reset_password")));
      reset.type = "button";
      reset.dataset.action = "reset";
      body.appendChild(tr);
    }
    const again = active && body.querySelector(`tr[data-user="${CSS.escape(active.user)}"] [name="${active.name}"]`);
    if (again && !again.disabled) {
      if (again.tagName === "INPUT") {
        // Set by the page, the text would not count as changed when the field is left.
        if (again.value !== active.value) again.dataset.retyped = "true";
        again.value = active.value;
        again.focus();
        if (typeof active.at === "number") again.setSelectionRange(active.at, active.at);
      } else again.focus();
    }
    root.dataset.painted = String(Date.now());
  }

  async function load() {
    const d = await call("/api/staff");
    if (!d) return;
    accounts = d.staff;
    paint();
  }

  async function change(user, body, done) {
    const r = await call(`/api/staff/${encodeURIComponent(user)}`, "POST", body);
    await load();                     // a refusal puts the row back as it is
    if (r) say(done(r));              // said once the rows show it
  }

  root.addEventListener("change", (ev) => {
    const row = ev.target.closest("tr[data-user]");
    if (!row) return;
    const user = row.dataset.user;
    const name = ev.target.name;
    if (name === "role") {
      change(user, { role: ev.target.value }, (a) => t("role_done", { name: nameOf(user), role: t("role_" + a.role) }));
    } else if (name === "display_name" || name === "staff_no") {
      change(user, { [name]: ev.target.value.trim() }, () => t("details_done", { name: nameOf(user) }));
    }
  });

  root.addEventListener("focusout", (ev) => {
    if (ev.target.dataset && ev.target.dataset.retyped) {
      delete ev.target.dataset.retyped;
      ev.target.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
  root.addEventListener("input", (ev) => { if (ev.target.dataset) delete ev.target.dataset.retyped; });

  function openReset(user) {
    resetting = user;
    $(".dialog-title", dialog).textContent = t("new_password_for", { name: `${nameOf(user)} (${user})` });
    const input = $('input[name="password"]', dialog);
    input.value = "";
    dialog.show();                    // not modal: [data-message] stays visible above the page
    input.focus();
  }
  async function savePassword() {
    const input = $('input[name="password"]', dialog);
    const r = await call(`/api/staff/${encodeURIComponent(resetting)}/password`, "POST", { password: input.value });
    if (!r) return;                   // the dialog stays open to try again
    input.value = "";
    dialog.close();
    say(t("password_done", { name: nameOf(resetting) }));
  }

  root.addEventListener("click", (ev) => {
    const l = ev.target.closest("[data-lang]");
    if (l) { Hall.setLang(l.dataset.lang); translate(); return; }
    const a = ev.target.closest("[data-action]");
    if (!a) return;
    const row = a.closest("tr[data-user]");
    const user = row && row.dataset.user;
    if (a.dataset.action === "toggle") {
      const account = accounts.find((x) => x.username === user);
      if (!account.disabled && !window.confirm(t("confirm_disable", { name: nameOf(user) }))) return;
      change(user, { disabled: !account.disabled },
        (r) => t(r.disabled ? "disabled_done" : "enabled_done", { name: nameOf(user) }));
    }
    if (a.dataset.action === "reset") openReset(user);
    if (a.dataset.action === "save-password") savePassword();
    if (a.dataset.action === "cancel-dialog") dialog.close();
  });
  $('input[name="password"]', dialog).addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") { ev.preventDefault(); savePassword(); }
  });

  addForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = addForm.elements;
    const body = { username: f.username.value.trim(), role: f.role.value, password: f.password.value };
    if (f.display_name.value.trim()) body.display_name = f.display_name.value.trim();
    if (f.staff_no.value.trim()) body.staff_no = f.staff_no.value.trim();
    const r = await call("/api/staff", "POST", body);
    if (!r) return;
    addForm.reset();
    say(t("added", { name: r.display_name || r.username }));
    await load();
  });

  function translate() {
    Hall.translate(root);
    $(".who").textContent = CFG.me.name;
    const chosen = addForm.elements.role.value || "clerk";
    addForm.elements.role.replaceWith(Object.assign(roleSelect(chosen), { className: "role-choice" }));
    paint();
  }
  translate();
  load();
})();
