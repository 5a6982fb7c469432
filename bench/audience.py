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
            out, commands, numbers: list[str] | None = None, keep: bool = False) -> None:
    import socketio
    if numbers:                 # imported before any arrival is timed
        from core.presenters import read_place

    def join(i: int, token: str | None = None):
        token = token or (tokens[i] if tokens else None)
        c = socketio.Client(reconnection=False)

        def got(data):
            if numbers:         # a phone reading `places`: arrived once its own number is there
                queues = data.get("queues", {}) if isinstance(data, dict) else {}
                label = "placed" if any(read_place(data, b, numbers[i]) for b in queues) else "missing"
            elif keep:          # a phone keeping what it was told, filed under its ticket
                label = token
            else:
                label = str(data.get(key)) if key and isinstance(data, dict) else ""
            out.put(("arrival", label, time.perf_counter(), data if keep else None))
        c.on(event, got)
        c.connect(url, transports=["websocket"], wait_timeout=60)
        if numbers:             # following places from the ack on
            c.call("track", {"ticket": token, "places": True}, timeout=120)
        elif token:
            c.emit("track", {"ticket": token})
        return c

    try:
        with ThreadPoolExecutor(16) as ex:
            clients = list(ex.map(join, range(len(tokens) if tokens else count)))
    except Exception as e:      # noqa: BLE001 - reported to the parent, which raises it
        out.put(("failed", repr(e), 0.0, None))
        return
    out.put(("ready", "", 0.0, None))
    while True:                 # ("follow", token) … then "close"
        command = commands.get()
        if command == "close":
            break
        try:
            clients.append(join(0, command[1]))
            out.put(("joined", command[1], 0.0, None))
        except Exception as e:  # noqa: BLE001 - reported to the parent, which counts it
            out.put(("failed", repr(e), 0.0, None))
    dropped = sum(not c.connected for c in clients)
    with ThreadPoolExecutor(16) as ex:
        list(ex.map(lambda c: c.disconnect(), clients))
    out.put(("closed", str(dropped), 0.0, None))


class Audience:
    """`n` clients listening for `event`; `key` names the payload field an arrival is filed
    under (e.g. the called number); `tokens` makes each client a phone tracking one ticket, and
    `numbers` (its ticket's number) one that reads `places` (an arrival filed as "placed" when
    the phone's own number is in it); `keep` files each arrival under the phone's ticket with
    what it was told (`told`), and lets more phones `follow` while the audience listens."""

    def __init__(self, url: str, n: int, event: str, key: str | None = None,
                 tokens: list[str] | None = None, processes: int = PROCESSES,
                 numbers: list[str] | None = None, keep: bool = False):
        ctx = mp.get_context("spawn")
        self.n = n
        self._out = ctx.Queue()
        self._commands = [ctx.Queue() for _ in range(processes)]
        self.arrivals: list[tuple[str, float]] = []
        self.told: dict[str, list] = {t: [] for t in tokens or ()} if keep else {}
        self.failures: list[str] = []
        self.dropped = 0
        self._closed = 0
        self._followed = 0
        self._lock = threading.Lock()
        self._procs = []
        for k in range(processes):
            share = tokens[k::processes] if tokens else None
            their = numbers[k::processes] if numbers else None
            count = len(share) if share else len(range(k, n, processes))
            p = ctx.Process(target=_worker, args=(url, event, key, share, count, self._out,
                                                  self._commands[k], their, keep), daemon=True)
            p.start()
            self._procs.append(p)
        ready = 0
        deadline = time.monotonic() + 180
        while ready < processes:
            message = self._out.get(timeout=max(0.1, deadline - time.monotonic()))
            if message[0] == "failed":
                raise RuntimeError(f"a client process could not connect: {message[1]}")
            if message[0] == "ready":
                ready += 1
            else:
                self._file(*message)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _file(self, kind: str, label: str, t: float, data) -> None:
        with self._lock:
            if kind == "arrival":
                self.arrivals.append((label, t))
                if data is not None:
                    self.told.setdefault(label, []).append(data)
            elif kind == "joined":
                self.n += 1
            elif kind == "failed":
                self.failures.append(label)
            elif kind == "closed":
                self.dropped += int(label)
                self._closed += 1

    def _read(self) -> None:
        while True:
            try:
                message = self._out.get(timeout=0.5)
            except queue.Empty:
                if not any(p.is_alive() for p in self._procs):
                    return
                continue
            self._file(*message)

    def follow(self, token: str) -> None:
        """One more phone tracking `token` (joins in a client process, counted in `n`)."""
        with self._lock:
            self.told.setdefault(token, [])
            k, self._followed = self._followed % len(self._procs), self._followed + 1
        self._commands[k].put(("follow", token))

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
        """Disconnects every client; `dropped` then counts those the server had dropped."""
        for c in self._commands:
            c.put("close")
        for p in self._procs:
            p.join(60)
            if p.is_alive():
                p.kill()
        self._reader.join(5)
        while True:                 # what the reader had not filed yet
            try:
                self._file(*self._out.get(timeout=0.2))
            except queue.Empty:
                break
