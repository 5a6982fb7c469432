"""Helpers shared by the benchmarks: servers in child processes, percentiles, RSS."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proc:
    def __init__(self, cmd: list[str], url: str, ready_path: str):
        self.url = url
        self.log = tempfile.NamedTemporaryFile(prefix="bench-", suffix=".log", delete=False)
        self.p = subprocess.Popen(cmd, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
                                  env={**os.environ, "PYTHONUNBUFFERED": "1"})
        end = time.monotonic() + 30
        while time.monotonic() < end:
            if self.p.poll() is not None:
                raise RuntimeError(f"{cmd} exited: {Path(self.log.name).read_text()}")
            try:
                if requests.get(url + ready_path, timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.05)
        raise RuntimeError(f"{cmd} did not start")

    @property
    def pid(self) -> int:
        return self.p.pid

    def rss_mib(self) -> float:
        return self.tree_rss_mib()

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def device_headers(self, kind: str = "kiosk", target: str = "k1") -> dict:
        """A demo device's credential, from the pair link the demo's banner printed."""
        import re
        end = time.monotonic() + 10
        while True:
            found = re.search(rf"^\s+{kind} {re.escape(target)}\s+\S+/pair/(\S+)$", self.output(), re.M)
            if found:
                return {"Authorization": "Bearer " + found.group(1)}
            if time.monotonic() > end:
                raise RuntimeError(f"no demo {kind} {target} in the banner")
            time.sleep(0.1)

    def kiosk(self, target: str = "k1") -> requests.Session:
        s = requests.Session()
        s.headers.update(self.device_headers("kiosk", target))
        return s

    def pids(self) -> list[int]:
        """This process and every one below it (gunicorn's workers, a device process …)."""
        parents, found = {self.pid}, [self.pid]
        while parents:
            below = []
            for pid in os.listdir("/proc"):
                if pid.isdigit():
                    try:
                        with open(f"/proc/{pid}/stat") as f:
                            if int(f.read().rsplit(")", 1)[1].split()[1]) in parents:
                                below.append(int(pid))
                    except OSError:
                        pass
            found += below
            parents = set(below)
        return found

    def tree_rss_mib(self) -> float:
        """The memory of the server's every process (gunicorn's master and its workers), as
        PSS: a page a worker shares with the master it was forked from counts once, not twice
        as in a sum of RSS."""
        total = 0.0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Pss:"):
                        total += float(line.split()[1])
            except OSError:
                pass
        return total / 1024

    def threads(self) -> int:
        return int(sum(_status(pid, "Threads:") for pid in self.pids()))

    def stop(self) -> None:
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                self.p.kill()
        os.unlink(self.log.name)


def _status(pid: int, field: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field):
                return float(line.split()[1])
    except OSError:
        pass
    return 0.0


# The hall's servers (run.py --server) and the bare baseline served the same way.
SERVERS = ("gthread", "gevent", "dev")
BARE = {"gthread": "threading", "dev": "threading", "gevent": "gevent", "threading": "threading"}


def bench_config(directory: Path) -> Path:
    """The default hall, but a window may call again at once: the benchmarks call as fast as
    the hall answers (a clerk's double press is refused for 2 s, `routing.repeat_call_s`)."""
    text = (ROOT / "config" / "hall.toml").read_text(encoding="utf-8")
    path = directory / "bench-hall.toml"
    path.write_text(text.replace("[routing]\n", "[routing]\nrepeat_call_s = 0\n", 1), encoding="utf-8")
    return path


def hall_server(server: str, db: Path, extra: tuple[str, ...] = ()) -> Proc:
    server = "dev" if server == "threading" else server
    port = free_port()
    return Proc([sys.executable, str(ROOT / "run.py"), "--host", "127.0.0.1", "--port", str(port),
                 "--db", str(db), "--demo", "--server", server,
                 "--config", str(bench_config(db.parent)), *extra],
                f"http://127.0.0.1:{port}", "/healthz")


def bare_server(server: str) -> Proc:
    port = free_port()
    return Proc([sys.executable, "-m", "bench.bare", "--port", str(port), "--server", BARE[server]],
                f"http://127.0.0.1:{port}", "/bare")


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(-(-len(s) * p // 100)) - 1))
    return s[k]


def ms(v: float) -> str:
    return f"{v * 1000:.1f} ms"
