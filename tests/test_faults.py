"""The hall under faults around it: a disk that will not take another byte."""
from __future__ import annotations

import resource
import sqlite3
import uuid

import requests

from server import HallServer


def issue(url: str, business: str = "F-NEW") -> requests.Response:
    return requests.post(url + "/api/tickets", timeout=10, headers=HallServer.at(url).device_headers(),
                         json={"business": business, "request_id": uuid.uuid4().hex})


def test_a_full_disk_refuses_clearly_keeps_reading_and_recovers(tmp_path):
    db = tmp_path / "hall.db"
    server = HallServer(db).start()
    try:
        for _ in range(5):
            assert issue(server.url).status_code in (200, 201)
        # The database's files may not grow by another byte: what a full disk does to them.
        wal = tmp_path / "hall.db-wal"
        limit = max(db.stat().st_size, wal.stat().st_size if wal.exists() else 0)
        resource.prlimit(server.worker_pid(), resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
        refused = None
        for _ in range(300):
            r = issue(server.url)
            if r.status_code != 201 and r.status_code != 200:
                refused = r
                break
        assert refused is not None, "the limit never bit"
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "storage_unavailable"
        assert "磁盘" in refused.json()["error"]["message"]
        assert requests.get(server.url + "/api/hall", timeout=10).ok        # reading goes on
        assert issue(server.url).status_code == 503                          # still full: still clear
        resource.prlimit(server.worker_pid(), resource.RLIMIT_FSIZE,
                         (resource.RLIM_INFINITY, resource.RLIM_INFINITY))  # space is back
        after = issue(server.url)
        assert after.status_code in (200, 201), after.text
        assert server.proc.poll() is None                                   # it never went down
    finally:
        server.stop()
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        numbers = sorted(int(n[1:]) for (n,) in conn.execute("SELECT number FROM tickets"))
    finally:
        conn.close()
    # Nothing half-written: every ticket the hall acknowledged, and no number lost to a refusal.
    assert numbers == list(range(1, len(numbers) + 1)) and after.json()["number"] == f"A{len(numbers):03d}"
