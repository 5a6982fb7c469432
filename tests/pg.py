"""A throwaway PostgreSQL server for the tests and the benchmark: Debian's `postgresql` package
(the binaries in /usr/lib/postgresql/<version>/bin, not on PATH), a fresh cluster in a temporary
directory, a unix socket there and a free TCP port on 127.0.0.1, trust authentication.
PostgreSQL refuses to run as root: as root, the cluster belongs to `nobody`."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

MISSING = ("PostgreSQL's server binaries (initdb, pg_ctl) were not found in "
           "/usr/lib/postgresql/*/bin or $HALL_PG_BIN: install Debian's `postgresql` package "
           "(apt-get install postgresql); the central sync tests need a real server")


def pg_bin() -> Path | None:
    """The newest installed server's bin directory (or $HALL_PG_BIN)."""
    if os.environ.get("HALL_PG_BIN"):
        found = [os.environ["HALL_PG_BIN"]]
    else:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    found = [p for p in found if os.access(f"{p}/initdb", os.X_OK)]
    return Path(found[-1]) if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self, fast: bool = True):
        self.bin = pg_bin()
        if self.bin is None:
            raise RuntimeError(MISSING)
        self.dir = Path(tempfile.mkdtemp(prefix="hall-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self._as = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "nobody")
            self._as = ["runuser", "-u", "nobody", "--"]
        self._run("initdb", "-D", str(self.data), "-U", "hall", "--auth=trust", "--no-locale",
                  "-E", "UTF8", "--no-sync")
        # Tests trade durability for speed; the benchmark keeps PostgreSQL's defaults.
        self.options = (f"-k {self.dir} -p {self.port} -c listen_addresses=127.0.0.1"
                        + (" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                           if fast else ""))

    def _run(self, tool: str, *args: str) -> None:
        r = subprocess.run([*self._as, str(self.bin / tool), *args], capture_output=True, text=True,
                           timeout=60, cwd=self.dir)
        if r.returncode != 0:
            log = self.dir / "server.log"
            raise RuntimeError(f"{tool} failed: {r.stdout}{r.stderr}"
                               f"{log.read_text() if log.exists() else ''}")

    def start(self) -> "PgServer":
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"), "-w",
                  "-t", "30", "-o", self.options, "start")
        return self

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")

    def url(self, db: str = "postgres", password: str | None = None) -> str:
        auth = f"hall:{password}" if password else "hall"
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{db}"

    def new_database(self, name: str, password: str | None = None) -> str:
        import psycopg
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name, password)

    def destroy(self) -> None:
        try:
            self.stop()
        except RuntimeError:
            pass            # already stopped
        shutil.rmtree(self.dir, ignore_errors=True)
