"""A real hall server in a child process, for tests that need real sockets and real signals."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HallServer:
    running: dict[str, "HallServer"] = {}        # url → server, for helpers given only a url

    @classmethod
    def at(cls, url: str) -> "HallServer":
        return cls.running[url.rstrip("/")]

    def __init__(self, db: Path, config: Path | None = None, demo: bool = True, port: int | None = None,
                 extra: tuple[str, ...] = ()):
        self.db, self.config, self.demo = db, config, demo
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra = extra
        self.proc: subprocess.Popen | None = None
        self.log = db.parent / f"server-{self.port}.log"
        HallServer.running[self.url] = self

    def start(self, timeout_s: float = 45.0) -> "HallServer":
        # generous: on a 2-core CI machine running the suite in parallel, the device process and
        # gunicorn's workers take ten seconds or more to come up
        cmd = [PYTHON, str(ROOT / "run.py"), "--host", "127.0.0.1", "--port", str(self.port),
               "--db", str(self.db), *(["--demo"] if self.demo else []),
               *(["--config", str(self.config)] if self.config else []), *self.extra]
        self._out = open(self.log, "ab")
        # A process group of its own: kill -9 takes gunicorn's master and its workers together.
        # (Not a session of its own: the kernel's autogroup would then give the server half
        # the CPUs against the clients' half, not what a busy hall's server gets.)
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=self._out, stderr=subprocess.STDOUT,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"},
                                     process_group=0)
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited {self.proc.returncode}:\n{self.output()}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.05)
        raise RuntimeError(f"server did not come up:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """kill -9 of the server, every process of it: no chance to clean up."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self._out.close()

    def children(self) -> dict[int, list[str]]:
        """The server's processes below the one started (pid → command line): gunicorn's
        workers, and with several, its master, the device process and a private redis-server."""
        procs = {}
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    args = [a.decode() for a in f.read().split(b"\0") if a]
            except OSError:
                continue
            procs[int(pid)] = (ppid, args)
        found, parents = {}, {self.proc.pid}
        while parents:
            below = {pid: args for pid, (ppid, args) in procs.items() if ppid in parents}
            found.update(below)
            parents = set(below) - {self.proc.pid}
        self._procs = procs
        return found

    def worker_pids(self) -> list[int]:
        """gunicorn's web workers: forked by its master, so their command line is the master's."""
        children = self.children()
        return sorted(pid for pid, args in children.items()
                      if "devices" not in args and any(a.endswith("run.py") for a in args)
                      and self._procs.get(self._procs[pid][0], (0, None))[1] == args)

    def worker_pid(self) -> int:
        """The one web worker (a server started with one): where the hall's app runs."""
        if "development server" in self.output():       # --server dev: one process
            return self.proc.pid
        end = time.monotonic() + 10
        while time.monotonic() < end:
            pids = self.worker_pids()
            if pids:
                return pids[0]
            time.sleep(0.05)
        raise AssertionError(f"no worker:\n{self.output()}")

    def stop(self, timeout_s: float = 15.0) -> int:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._out.close()
        return self.proc.returncode

    def device_token(self, kind: str = "kiosk", target: str = "k1") -> str:
        """A demo device's credential, from the pair link the demo's banner printed."""
        import re
        if (kind, target) in getattr(self, "_tokens", {}):
            return self._tokens[(kind, target)]
        end = time.monotonic() + 20         # the first worker prints it, maybe after another answered
        while not (found := re.search(rf"^\s+{kind} {re.escape(target)}\s+\S+/pair/(\S+)$",
                                      self.output(), re.M)) and time.monotonic() < end:
            time.sleep(0.1)
        assert found, f"no demo {kind} {target} in the banner:\n{self.output()}"
        self._tokens = {**getattr(self, "_tokens", {}), (kind, target): found.group(1)}
        return found.group(1)

    def device_headers(self, kind: str = "kiosk", target: str = "k1") -> dict:
        return {"Authorization": "Bearer " + self.device_token(kind, target)}

    def session(self, username: str | None = None, password: str = "demo") -> requests.Session:
        s = requests.Session()
        if username:
            r = s.post(self.url + "/api/login", json={"username": username, "password": password}, timeout=10)
            r.raise_for_status()
        return s


def config_with_counters(tmp: Path, n: int) -> Path:
    """The default hall.toml with `n` counters that serve every business."""
    text = (ROOT / "config" / "hall.toml").read_text(encoding="utf-8")
    head, rest = text.split("# Counters (windows)", 1)
    devices = rest[rest.index("# Devices"):]
    import tomllib
    codes = [b["code"] for b in tomllib.loads(text)["businesses"]]
    counters = "".join(
        f'\n[[counters]]\nid = "{i}"\nname = "{i}号窗口"\nbusinesses = {codes!r}\n'.replace("'", '"')
        for i in range(1, n + 1))
    path = tmp / f"hall-{n}-counters.toml"
    path.write_text(head + counters + "\n" + devices, encoding="utf-8")
    return path
