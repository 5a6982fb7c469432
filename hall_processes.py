"""The processes of `run.py --workers N` on one machine without systemd (make run-scaled): a
private redis-server, the device process (`run.py devices serve`) and gunicorn's master (with
`--devices separate`), each a child of the first `run.py`, stopped together. gunicorn's master
starts and restarts the web workers; in a real hall systemd runs each of these instead
(deploy/*.service, Restart=always), and this module only stands in for it on a developer's
machine. They are children of a process of their own, not of gunicorn's master, which reaps
every child it has as one of its workers.
"""
from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

log = logging.getLogger("hall.processes")

RUN_PY = Path(__file__).resolve().parent / "run.py"
RESTART_PAUSE_S = (0.0, 1.0, 5.0)       # like systemd's RestartSec, longer if it keeps dying


def _die_with_parent() -> None:
    """A child ends when its parent is killed (even by SIGKILL): no orphan holds the devices."""
    import ctypes
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG
    except OSError:
        pass


class Redis:
    """A private redis-server for the hall's processes: a Unix socket, no persistence."""

    def __init__(self, directory: Path):
        exe = shutil.which("redis-server")
        if exe is None:
            raise OSError("redis-server not found: --workers needs Redis (Debian: apt-get install "
                          "redis-server), or pass --redis URL")
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"redis-{os.getpid()}.sock"
        self.url = f"unix://{self.path}"
        self.proc = subprocess.Popen(
            [exe, "--port", "0", "--unixsocket", str(self.path), "--unixsocketperm", "700",
             "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        end = time.monotonic() + 10
        while not self.path.exists():
            if self.proc.poll() is not None or time.monotonic() > end:
                raise OSError("redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.path.unlink(missing_ok=True)




class DeviceProcess:
    """`run.py devices serve …` as a child, started again when it ends (as systemd's
    Restart=always would), stopped with its parent."""

    def __init__(self, argv: list[str]):
        self.argv = [sys.executable, str(RUN_PY), "devices", "serve", *argv]
        self.proc: subprocess.Popen | None = None
        self.stopping = threading.Event()
        self.deaths: list[float] = []

    def start(self) -> "DeviceProcess":
        self.proc = subprocess.Popen(self.argv, preexec_fn=_die_with_parent)
        threading.Thread(target=self._keep, name="device-process", daemon=True).start()
        return self

    def _keep(self) -> None:
        while not self.stopping.is_set():
            code = self.proc.wait()
            if self.stopping.is_set():
                return
            now = time.monotonic()
            self.deaths = [t for t in self.deaths if now - t < 60] + [now]
            pause = RESTART_PAUSE_S[min(len(self.deaths) - 1, len(RESTART_PAUSE_S) - 1)]
            log.warning("device process ended (exit %s): starting it again%s", code,
                        f" in {pause:.0f} s" if pause else "")
            if self.stopping.wait(pause):
                return
            self.proc = subprocess.Popen(self.argv, preexec_fn=_die_with_parent)

    def stop(self, timeout_s: float = 12.0) -> None:
        self.stopping.set()
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Children:
    def __init__(self, var_dir: Path, redis_url: str | None):
        self.redis = None if redis_url else Redis(var_dir)
        self.redis_url = redis_url or self.redis.url
        self.devices: DeviceProcess | None = None
        self.web: subprocess.Popen | None = None

    def start_devices(self, argv: list[str]) -> None:
        self.devices = DeviceProcess(argv).start()

    def run_web(self, argv: list[str]) -> int:
        """gunicorn's master in the foreground: SIGTERM or SIGINT here is passed on to it, and
        its end (a clean stop or a failure) ends the rest."""
        self.web = subprocess.Popen([sys.executable, str(RUN_PY), *argv], preexec_fn=_die_with_parent)

        def pass_on(signum, _frame):
            if self.web.poll() is None:
                self.web.send_signal(signum)
        signal.signal(signal.SIGTERM, pass_on)
        signal.signal(signal.SIGINT, pass_on)
        return self.web.wait()

    def stop(self) -> None:
        if self.web is not None and self.web.poll() is None:
            self.web.terminate()
            try:
                self.web.wait(15)
            except subprocess.TimeoutExpired:
                self.web.kill()
        if self.devices:
            self.devices.stop()
        if self.redis:
            self.redis.stop()
