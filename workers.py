"""`run.py --workers N`: N server processes on one hall database, one listening socket.

The supervisor opens the port once and starts N copies of `run.py` that accept on it (the kernel
hands each new connection to one of them). Flask-SocketIO's Redis message queue carries emits
between them; clients use websocket only, so a connection stays with the process that accepted
it and no sticky sessions are needed. SQLite's write lock (every command in `BEGIN IMMEDIATE`)
keeps numbers unique and calls single across processes.

Worker 0 owns the serial devices, the nightly backup and the statistics' counting; a worker that
dies is started again at once (its clients reconnect to the others meanwhile). Without
`--redis`, the supervisor starts Debian's `redis-server` on a private socket, with nothing kept
on disk.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

log = logging.getLogger("hall.workers")

RUN_PY = Path(__file__).resolve().parent / "run.py"
RESTART_PAUSE_S = (0.0, 1.0, 5.0)
STOP_S = 12.0                           # for the workers to finish in-flight requests       # a worker that keeps dying is not restarted in a loop


def _die_with_parent() -> None:
    """A worker ends when its supervisor is killed (even by SIGKILL): no orphan keeps the port."""
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


class Supervisor:
    def __init__(self, n: int, worker_argv: list[str], host: str, port: int, redis_url: str | None,
                 var_dir: Path, mock_paths: dict[str, str] | None = None):
        self.n = n
        self.worker_argv = worker_argv
        self.host, self.port = host, port
        self.redis_url = redis_url
        self.var_dir = var_dir
        self.mock_paths = mock_paths
        self.procs: list[subprocess.Popen | None] = [None] * n
        self.deaths: list[list[float]] = [[] for _ in range(n)]
        self.stopping = False

    def _start(self, i: int, fd: int, redis_url: str) -> None:
        env = dict(os.environ)
        if i == 0 and self.mock_paths:
            env["HALL_MOCK_PATHS"] = json.dumps(self.mock_paths)      # the devices' owner
        self.procs[i] = subprocess.Popen(
            [sys.executable, str(RUN_PY), *self.worker_argv, "--worker-index", str(i),
             "--listen-fd", str(fd), "--redis", redis_url],
            pass_fds=(fd,), env=env, preexec_fn=_die_with_parent)

    def run(self) -> int:
        redis = None if self.redis_url else Redis(self.var_dir)
        url = self.redis_url or redis.url
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        listener = socket.create_server((self.host, self.port), family=family, backlog=2048)
        fd = listener.fileno()
        os.set_inheritable(fd, True)

        def on_signal(signum, _frame):
            self.stopping = True
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        print(f"  {self.n} server processes on {self.host}:{self.port}, message queue {url}",
              flush=True)
        for i in range(self.n):
            self._start(i, fd, url)
        try:
            while not self.stopping:
                time.sleep(0.2)
                for i, proc in enumerate(self.procs):
                    if proc is not None and proc.poll() is not None and not self.stopping:
                        self._restart(i, proc.returncode, fd, url)
        finally:
            for proc in self.procs:
                if proc is not None and proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            end = time.monotonic() + STOP_S            # together, not one after the other
            for proc in self.procs:
                if proc is not None:
                    try:
                        proc.wait(max(0.1, end - time.monotonic()))
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait()
            listener.close()
            if redis:
                redis.stop()
        return 0

    def _restart(self, i: int, code: int, fd: int, url: str) -> None:
        now = time.monotonic()
        recent = [t for t in self.deaths[i] if now - t < 60]
        self.deaths[i] = recent + [now]
        pause = RESTART_PAUSE_S[min(len(recent), len(RESTART_PAUSE_S) - 1)]
        log.warning("server process %d ended (exit %s): starting it again%s", i, code,
                    f" in {pause:.0f} s" if pause else "")
        self.procs[i] = None
        if pause:
            time.sleep(pause)
        if not self.stopping:
            self._start(i, fd, url)
