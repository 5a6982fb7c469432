"""The store's SQL for enrolled devices, screens waiting to be paired and the remote-ticket
quota. Mixed into `store.Tx` (one transaction's view); kept apart to keep each file small."""
from __future__ import annotations

import sqlite3

DEVICE_COLUMNS = ("id", "kind", "target", "name", "created_at", "created_by", "last_seen",
                  "revoked_at", "revoked_by")


class DevicesTx:
    conn: sqlite3.Connection

    # --- devices --------------------------------------------------------------------
    def insert_device(self, *, id: str, kind: str, target: str | None, name: str, token_hash: str,
                      created_at: float, created_by: str | None) -> None:
        self.conn.execute(
            "INSERT INTO devices (id, kind, target, name, token_hash, created_at, created_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", (id, kind, target, name, token_hash, created_at, created_by))

    def device(self, device_id: str) -> dict | None:
        row = self.conn.execute(f"SELECT {','.join(DEVICE_COLUMNS)} FROM devices WHERE id = ?",
                                (device_id,)).fetchone()
        return dict(row) if row else None

    def device_by_token_hash(self, token_hash: str) -> dict | None:
        row = self.conn.execute(f"SELECT {','.join(DEVICE_COLUMNS)} FROM devices WHERE token_hash = ?",
                                (token_hash,)).fetchone()
        return dict(row) if row else None

    def devices(self, include_revoked: bool = False) -> list[dict]:
        where = "" if include_revoked else "WHERE revoked_at IS NULL"
        return [dict(r) for r in self.conn.execute(
            f"SELECT {','.join(DEVICE_COLUMNS)} FROM devices {where} ORDER BY kind, target, created_at")]

    def revoke_device(self, device_id: str, at: float, by: str | None) -> None:
        self.conn.execute("UPDATE devices SET revoked_at = ?, revoked_by = ? WHERE id = ?",
                          (at, by, device_id))

    def touch_device(self, device_id: str, at: float) -> None:
        self.conn.execute("UPDATE devices SET last_seen = ? WHERE id = ?", (at, device_id))

    # --- pairing codes ----------------------------------------------------------------
    def insert_pairing(self, code_hash: str, secret_hash: str, at: float) -> None:
        self.conn.execute("INSERT INTO pairings (code_hash, secret_hash, created_at) VALUES (?, ?, ?)",
                          (code_hash, secret_hash, at))

    def pairing_by_code(self, code_hash: str) -> dict | None:
        row = self.conn.execute("SELECT * FROM pairings WHERE code_hash = ?", (code_hash,)).fetchone()
        return dict(row) if row else None

    def pairing_by_secret(self, secret_hash: str) -> dict | None:
        row = self.conn.execute("SELECT * FROM pairings WHERE secret_hash = ?", (secret_hash,)).fetchone()
        return dict(row) if row else None

    def approve_pairing(self, code_hash: str, kind: str, target: str | None, device: str) -> None:
        self.conn.execute("UPDATE pairings SET kind = ?, target = ?, device = ? WHERE code_hash = ?",
                          (kind, target, device, code_hash))

    def delete_pairing(self, code_hash: str) -> None:
        self.conn.execute("DELETE FROM pairings WHERE code_hash = ?", (code_hash,))

    def drop_pairings_before(self, at: float) -> None:
        self.conn.execute("DELETE FROM pairings WHERE created_at < ?", (at,))

    def pending_pairings(self) -> int:
        return self.conn.execute("SELECT count(*) FROM pairings WHERE device IS NULL").fetchone()[0]

    # --- remote tickets ---------------------------------------------------------------
    def take_remote_quota(self, day: str, source: str, limit: int) -> bool:
        """One more remote ticket for `source` today, if it has not had `limit` yet (atomic:
        inside the write transaction)."""
        self.conn.execute("DELETE FROM remote_quota WHERE day < ?", (day,))
        row = self.conn.execute("SELECT n FROM remote_quota WHERE day = ? AND source = ?",
                                (day, source)).fetchone()
        if row is not None and row[0] >= limit:
            return False
        self.conn.execute(
            "INSERT INTO remote_quota (day, source, n) VALUES (?, ?, 1) "
            "ON CONFLICT (day, source) DO UPDATE SET n = n + 1", (day, source))
        return True
