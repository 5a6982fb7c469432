// A paired device's page checks in each minute (the admin sees it online); once revoked it
// reloads, and the hall shows the pairing screen instead.
(function () {
  "use strict";
  async function checkIn() {
    const r = await fetch("/api/devices/me", { cache: "no-store" }).catch(() => null);
    if (r && r.status === 401) location.reload();
  }
  setInterval(checkIn, 60000);
})();
