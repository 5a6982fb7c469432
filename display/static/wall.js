// The wall display: the latest call, recent calls, every counter's 接一顾二招呼三, the voice.
(function () {
  "use strict";
  const { CFG, t, translate, socket, business, counterName } = window.Hall;
  const root = document.getElementById("wall");
  const $ = (s) => root.querySelector(s);
  const mine = new Set(CFG.counters);          // a zone's display shows its counters only
  let calls = [];

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
  $(".sound-gate").addEventListener("click", () => {
    unlocked = true;
    root.classList.add("sound-on");
    next();
  });
  root.addEventListener("click", () => { if (!unlocked) $(".sound-gate").click(); });

  // --- painting ---------------------------------------------------------------------------
  function paintLatest(call, blink) {
    const box = $("[data-latest-call]");
    box.querySelector(".latest-number").textContent = call ? call.number : "";
    box.querySelector(".latest-counter").textContent = call ? call.counter_name : "";
    box.querySelector(".latest-recall").hidden = !(call && call.recall);
    if (blink) {
      box.classList.remove("blink");
      void box.offsetWidth;
      box.classList.add("blink");
    }
  }
  function paintRecent() {
    const list = $(".recent-list");
    list.innerHTML = "";
    for (const c of calls.slice(1, 9)) {
      const li = document.createElement("li");
      li.innerHTML = `<span class="n"></span><span class="c"></span>`;
      li.querySelector(".n").textContent = c.number;
      li.querySelector(".c").textContent = c.counter_name;
      list.appendChild(li);
    }
  }
  function paintCounters(counters) {
    const list = $(".counter-list");
    list.innerHTML = "";
    for (const c of counters) {
      if (!mine.has(c.id)) continue;
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
  }

  let refresh = null;
  function askForState(s) {       // on-deck lines move with every issue and call: re-read, debounced
    clearTimeout(refresh);
    refresh = setTimeout(() => s && s.emit("hall_state"), 250);
  }

  const s = socket(root, {
    hall_state(state) {
      calls = (state.last_calls || []).filter((c) => mine.has(c.counter));
      paintLatest(calls[0], false);
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
      askForState(s);
    },
    queue_changed(q) { paintWaiting(q.waiting); askForState(s); },
    counter_changed(c) {
      if (mine.has(c.id) && c.change === "paused") announce(c);
      askForState(s);
    },
    issuing_changed: paintIssuing,
  });

  // --- clock and notices ---------------------------------------------------------------------
  const clock = $(".clock");
  const tick = () => {
    clock.textContent = Hall.hhmm();
  };
  tick();
  setInterval(tick, 1000);
  $(".marquee").textContent = (CFG.notices || []).join("　　◆　　");
  translate(root);
  window.hallWall = { queue, get playing() { return playing; } };
})();
