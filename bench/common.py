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
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                self.p.kill()
        os.unlink(self.log.name)


def hall_server(server: str, db: Path, extra: tuple[str, ...] = ()) -> Proc:
    port = free_port()
    return Proc([sys.executable, str(ROOT / "run.py"), "--host", "127.0.0.1", "--port", str(port),
                 "--db", str(db), "--demo", "--server", server, *extra],
                f"http://127.0.0.1:{port}", "/healthz")


def bare_server(server: str) -> Proc:
    port = free_port()
    return Proc([sys.executable, "-m", "bench.bare", "--port", str(port), "--server", server],
                f"http://127.0.0.1:{port}", "/bare")


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(-(-len(s) * p // 100)) - 1))
    return s[k]


def ms(v: float) -> str:
    return f"{v * 1000:.1f} ms"
