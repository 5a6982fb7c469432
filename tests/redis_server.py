"""A real redis-server (Debian's package) for the tests of several server processes: on a free
TCP port, so a restarted one is found at the same URL; nothing kept on disk."""
from __future__ import annotations

import shutil
import subprocess
import time

import redis

from server import free_port


class RedisServer:
    def __init__(self, port: int | None = None):
        exe = shutil.which("redis-server")
        assert exe, "redis-server is missing (Debian: apt-get install redis-server; .ci/run does)"
        self.exe = exe
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "RedisServer":
        self.proc = subprocess.Popen(
            [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--loglevel", "warning"], stdout=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        end = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                if time.monotonic() > end or self.proc.poll() is not None:
                    raise RuntimeError("redis-server did not start")
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
