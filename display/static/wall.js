// The wall display: the latest call, recent calls, every counter's 接一顾二招呼三, the voice.
(function () {
  "use strict";
  const { CFG, t, translate, socket, business, counterName } = window.Hall;
  const root = document.getElementById("wall");
  const $ = (s) => root.querySelector(s);
  let mine = new Set(CFG.counters);            // a zone's display shows its counters only
  let calls = [];
  // The rows' height from the start (set here, not in a style="" attribute: the CSP allows none).
  root.style.setProperty("--counters", String(Math.max(CFG.counters.length, 1)));

  // --- the voice: one announcement at a time, none dropped --------------------------------
  const audio = new Audio();
  const queue = [];
  let playing = false;
  let unlocked = false;
  function announce(item) {
    if (!item.announce && !(item.speak || []).length) return;
    queue.push({ ...item, at: Date.now() });
    next();
  }
  function next() {
    if (playing || !unlocked || !queue.length) return;
    const item = queue.shift();
    if (Date.now() - item.at > 120000) return next();       // stale after a long lock: skip
    playing = true;
    let finished = false;
    const done = () => {            // ended, error and a refused play() may all report: once only
      if (finished) return;
      finished = true;
      playing = false;
      next();
    };
    const speak = () => {           // the browser's voice: chosen by the hall, or the fallback
      if (!("speechSynthesis" in window) || !(item.speak || []).length) return done();
      const parts = [];
      for (let i = 0; i < (CFG.voice_repeat || 2); i++) for (const s of item.speak) parts.push(s);
      const say = () => {
        const p = parts.shift();
        if (!p) return done();
        const u = new SpeechSynthesisUtterance(p.text);
        u.lang = p.lang === "en" ? "en-US" : "zh-CN";
        u.onend = say; u.onerror = say;
        speechSynthesis.speak(u);
      };
      say();
    };
    if (item.announce) {
      // A server without its voice engine (or a WAV that cannot load) still gets the call said.
      let fellBack = false;
      const fallback = () => { if (!fellBack && !finished) { fellBack = true; speak(); } };
      audio.src = item.announce;
      audio.onended = done;
      audio.onerror = fallback;
      audio.play().catch((e) => (e && e.name === "NotAllowedError" ? done() : fallback()));
    } else speak();
  }
  function unlock() {
    unlocked = true;
    root.classList.add("sound-on");
    next();
  }
  $(".sound-gate").addEventListener("click", unlock);
  // A display PC whose browser may play sound by itself (chromium --autoplay-policy=
  // no-user-gesture-required, deploy/) speaks at once: a tenth of a second of silence tells.
  const probe = new Audio(CFG.silence);
  probe.play().then(unlock, () => {});
  root.addEventListener("click", () => { if (!unlocked) $(".sound-gate").click(); });

  // --- painting ---------------------------------------------------------------------------
  // Text that must be read whole (the number, the counter's name) shrinks to its box rather
  // than being cut: after every paint, and whenever the box changes size (a banner comes up).
  function fit(el, box) {
    el.style.fontSize = "";
    let size = parseFloat(getComputedStyle(el).fontSize);
    const room = box.clientWidth - parseFloat(getComputedStyle(box).paddingLeft) * 2;
    if (el.scrollWidth > room && el.scrollWidth > 0) {
      size = Math.floor(size * room / el.scrollWidth * 0.98);
      el.style.fontSize = size + "px";
    }
  }
  function fitLatest() {
    const box = $("[data-latest-call]");
    if (box.dataset.idle === "true") return;
    const parts = [".latest-number", ".latest-counter", ".latest-go", ".latest-recall"]
      .map((q) => box.querySelector(q));
    for (const el of parts) fit(el, box);
    // Still too tall (a very short box): shrink all together until everything shows.
    for (let i = 0; i < 8 && box.scrollHeight > box.clientHeight + 1; i++) {
      for (const el of parts) el.style.fontSize = Math.floor(parseFloat(getComputedStyle(el).fontSize) * 0.9) + "px";
    }
  }
  function paintLatest(call, blink) {
    const box = $("[data-latest-call]");
    box.dataset.idle = call ? "false" : "true";
    box.querySelector(".latest-number").textContent = call ? call.number : "";
    box.querySelector(".latest-counter").textContent = call ? call.counter_name : "";
    box.querySelector(".latest-recall").hidden = !(call && call.recall);
    fitLatest();
    if (blink) {
      box.classList.remove("blink");
      void box.offsetWidth;
      box.classList.add("blink");
    }
  }
  // The recent calls take the room left above the counters: as many whole lines as fit.
  function paintRecent() {
    const list = $(".recent-list");
    list.innerHTML = "";
    const room = $(".recent").getBoundingClientRect().bottom;
    const seen = new Set(calls.length ? [calls[0].number] : []);   // a recall lists a number once
    for (const c of calls.slice(1)) {
      if (seen.has(c.number)) continue;
      seen.add(c.number);
      const li = document.createElement("li");
      li.innerHTML = `<span class="n"></span><span class="c"></span>`;
      li.querySelector(".n").textContent = c.number;
      li.querySelector(".c").textContent = c.counter_name;
      list.appendChild(li);
      if (li.getBoundingClientRect().bottom > room + 0.5) { li.remove(); break; }
    }
  }
  function paintCounters(counters) {
    const list = $(".counter-list");
    list.innerHTML = "";
    let n = 0;
    for (const c of counters) {
      if (!mine.has(c.id)) continue;
      n++;
      const row = document.createElement("div");
      row.className = "counter-row";
      row.dataset.counter = c.id;
      row.dataset.state = c.state;
      const cells = [c.name,
        c.state === "paused" ? t("paused") : c.state === "closed" ? t("closed") : (c.current || "—"),
        c.state === "open" ? (c.on_deck || "") : "", c.state === "open" ? (c.third || "") : ""];
      for (const text of cells) {
        const span = document.createElement("span");
        span.textContent = text;
        row.appendChild(span);
      }
      list.appendChild(row);
    }
    root.style.setProperty("--counters", String(Math.max(n, 1)));
  }
  function paintWaiting(waiting) {
    const sums = { fixed: 0, mobile: 0 };
    for (const [code, n] of Object.entries(waiting || {})) {
      const b = business(code);
      if (b) sums[b.line] += n;
    }
    for (const [line, n] of Object.entries(sums)) $(`[data-line-waiting="${line}"]`).textContent = n;
  }
  function paintIssuing(issuing) {
    const band = $(".emergency");
    band.hidden = !issuing || issuing.mode === "normal" || !issuing.message;
    band.textContent = issuing ? issuing.message : "";
    band.classList.toggle("long", band.textContent.length > 40);    // up to 3 lines, smaller
    relayout();
  }
  function relayout() { fitLatest(); paintRecent(); }
  new ResizeObserver(() => relayout()).observe($(".calls"));

  // The server pushes the whole board (`hall_state`, topic "wall") after every change, drawn
  // once for every screen: the wall paints what it is pushed and never asks again.
  let version = -1;
  const s = socket(root, {
    connect() { version = -1; },              // maybe another server, its own numbering
    hall_state(state) {
      if (typeof state.v === "number") {
        if (state.v < version) return;          // an older drawing, overtaken
        version = state.v;
      }
      const pushed = (state.last_calls || []).filter((c) => mine.has(c.counter));
      // A call announced after this board was drawn stays on top until the next board has it.
      const newest = pushed.length ? pushed[0].called_at : "";
      const later = calls.filter((c) => c.called_at > newest);
      const top = calls[0];
      calls = later.concat(pushed).slice(0, 10);
      if (calls[0] !== top || !top) paintLatest(calls[0], false);
      paintRecent();
      paintCounters(state.counters || []);
      paintWaiting(state.waiting);
      paintIssuing(state.issuing);
    },
    ticket_called(call) {
      if (!mine.has(call.counter)) return;
      calls.unshift(call);
      calls = calls.slice(0, 10);
      paintLatest(call, true);
      paintRecent();
      announce(call);
    },
    queue_changed(q) { paintWaiting(q.waiting); },
    counter_changed(c) {
      if (mine.has(c.id) && c.change === "paused") announce(c);
    },
    issuing_changed: paintIssuing,
    // The settings changed: the windows this wall shows, the hall's name, the notices. The
    // counters' rows follow with the board pushed next (drawn with the new settings).
    hall_changed(hall) {
      const zone = CFG.zone && (hall.zones || []).find((z) => z.id === CFG.zone);
      mine = new Set(zone ? zone.counters : hall.counters.map((c) => c.id));
      $(".wall-bar .hall").textContent = hall.name + (zone ? " · " + zone.name : "");
      $(".latest-hall").textContent = hall.name;
      paintNotices();
    },
  }, ["wall"]);

  // --- clock, notices, offline ---------------------------------------------------------------
  // Offline for more than a moment (a blip of a reconnect is not worth a banner): the banner
  // says so, the board greys and the clock stops at the time the board was last live.
  const clock = $(".clock");
  let stale = null;
  let was = null;
  const tick = () => {
    if (root.dataset.stale !== "true") clock.textContent = Hall.hhmm();
  };
  function connectionChanged() {
    const now = root.dataset.connection;
    if (now === was) return;              // every failed retry says "offline" again
    was = now;
    clearTimeout(stale);
    if (now === "online") {
      delete root.dataset.stale;
      tick();
    } else {
      const since = Hall.hhmm();
      stale = setTimeout(() => {
        root.dataset.stale = "true";
        $(".stale-note").textContent = t("stale_since", { time: since });
        clock.textContent = since;
        relayout();
      }, 1200);
    }
    relayout();
  }
  new MutationObserver(connectionChanged).observe(root, { attributes: true, attributeFilter: ["data-connection"] });
  connectionChanged();
  tick();
  setInterval(tick, 1000);
  // The notices in force now (each from its start to its end, the hall's local time).
  function paintNotices() {
    const now = new Intl.DateTimeFormat("sv-SE", { timeZone: CFG.hall.timezone || undefined, year: "numeric",
      month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false })
      .format(new Date(Hall.now())).replace(" ", "T");
    const shown = (CFG.hall.notices || []).filter((n) => (!n.start || n.start <= now) && (!n.end || now < n.end))
      .map((n) => (Hall.lang === "en" && n.text_en) || n.text);
    const text = shown.join("　　◆　　");
    const box = $(".marquee");
    if (box.textContent !== text) box.textContent = text;
  }
  paintNotices();
  setInterval(paintNotices, 15000);
  translate(root);
  window.hallWall = { queue, get playing() { return playing; } };
})();
