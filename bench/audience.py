"""Many real Socket.IO clients, spread over a few processes as real screens and phones are
spread over devices: one Python process holding hundreds of clients measures its own
interpreter lock more than the server. Arrival times use the system-wide monotonic clock
(`time.perf_counter` on Linux), so they compare across processes.
"""
from __future__ import annotations

import multiprocessing as mp
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor

PROCESSES = 4


def _worker(url: str, event: str, key: str | None, tokens: list[str] | None, count: int,
            out, commands, numbers: list[str] | None = None) -> None:
    import socketio
    if numbers:                 # imported before any arrival is timed
        from core.presenters import read_place

    def join(i: int):
        c = socketio.Client(reconnection=False)

        def got(data):
            if numbers:         # a phone reading `places`: arrived once its own number is there
                queues = data.get("queues", {}) if isinstance(data, dict) else {}
                label = "placed" if any(read_place(data, b, numbers[i]) for b in queues) else "missing"
            else:
                label = str(data.get(key)) if key and isinstance(data, dict) else ""
            out.put(("arrival", label, time.perf_counter()))
        c.on(event, got)
        c.connect(url, transports=["websocket"], wait_timeout=60)
        if numbers:             # following places from the ack on
            c.call("track", {"ticket": tokens[i], "places": True}, timeout=120)
        elif tokens:
            c.emit("track", {"ticket": tokens[i]})
        return c

    try:
        with ThreadPoolExecutor(16) as ex:
            clients = list(ex.map(join, range(len(tokens) if tokens else count)))
    except Exception as e:      # noqa: BLE001 - reported to the parent, which raises it
        out.put(("failed", repr(e), 0.0))
        return
    out.put(("ready", "", 0.0))
    commands.get()              # "close"
    with ThreadPoolExecutor(16) as ex:
        list(ex.map(lambda c: c.disconnect(), clients))
    out.put(("closed", "", 0.0))


class Audience:
    """`n` clients listening for `event`; `key` names the payload field an arrival is filed
    under (e.g. the called number); `tokens` makes each client a phone tracking one ticket, and
    `numbers` (its ticket's number) one that reads `places` (an arrival filed as "placed" when
    the phone's own number is in it)."""

    def __init__(self, url: str, n: int, event: str, key: str | None = None,
                 tokens: list[str] | None = None, processes: int = PROCESSES,
                 numbers: list[str] | None = None):
        ctx = mp.get_context("spawn")
        self.n = n
        self._out = ctx.Queue()
        self._commands = [ctx.Queue() for _ in range(processes)]
        self.arrivals: list[tuple[str, float]] = []
        self._lock = threading.Lock()
        self._procs = []
        for k in range(processes):
            share = tokens[k::processes] if tokens else None
            their = numbers[k::processes] if numbers else None
            count = len(share) if share else len(range(k, n, processes))
            p = ctx.Process(target=_worker, args=(url, event, key, share, count, self._out,
                                                  self._commands[k], their), daemon=True)
            p.start()
            self._procs.append(p)
        ready = 0
        deadline = time.monotonic() + 180
        while ready < processes:
            kind, label, _ = self._out.get(timeout=max(0.1, deadline - time.monotonic()))
            if kind == "failed":
                raise RuntimeError(f"a client process could not connect: {label}")
            if kind == "ready":
                ready += 1
            elif kind == "arrival":
                self.arrivals.append((label, _))
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                kind, label, t = self._out.get(timeout=0.5)
            except queue.Empty:
                if not any(p.is_alive() for p in self._procs):
                    return
                continue
            if kind == "arrival":
                with self._lock:
                    self.arrivals.append((label, t))

    def wait_for(self, n: int, label: str | None = None, since: float = 0.0,
                 timeout_s: float = 30.0) -> list[float]:
        """The arrival times (from `since`) of the first `n` arrivals filed under `label`
        (any label if None) at or after `since`."""
        end = time.monotonic() + timeout_s
        got: list[float] = []
        while time.monotonic() < end:
            with self._lock:
                got = [t for lab, t in self.arrivals
                       if t >= since and (label is None or lab == label)]
            if len(got) >= n:
                return [t - since for t in got[:n]] if since else got[:n]
            time.sleep(0.005)
        raise RuntimeError(f"only {len(got)} of {n} clients got {label or 'it'}")

    def close(self) -> None:
        for c in self._commands:
            c.put("close")
        for p in self._procs:
            p.join(60)
            if p.is_alive():
                p.kill()
