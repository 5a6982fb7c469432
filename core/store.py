"""The hall's SQLite store: the only place with SQL.

Every write runs in `BEGIN IMMEDIATE` (the write lock is taken before the first read, so a
read-then-write never fails under contention) with `synchronous=FULL` (a committed ticket
survives a power cut or `kill -9`). Inside one process a lock queues writers in Python rather
than in SQLite's busy-wait, which is fairer and faster; across processes `busy_timeout` waits.
"""
from __future__ import annotations

import logging
import os
import queue
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, fields
from pathlib import Path
from typing import Iterator

from . import keys as key_file
from .errors import StoreError, Unavailable
from .store_devices import DevicesTx
from .store_floor import FloorTx
from .store_log import LogTx
from .store_sessions import SessionTx
from .store_settings import SettingsTx
from .store_stats import TallyTx
from .store_schema import MIGRATIONS, SCHEMA_VERSION, apply_schema  # noqa: F401 (re-exported)
from .tickets import LIVE, PARKED, QUEUED, CardRead, CounterState, QueuedTicket, StaffMember, Ticket

_TICKET_COLUMNS = tuple(f.name for f in fields(Ticket))
_COUNTER_COLUMNS = tuple(f.name for f in fields(CounterState))


_SELECT_TICKET = f"SELECT {', '.join(_TICKET_COLUMNS)} FROM tickets"


def _ticket(row: sqlite3.Row | None) -> Ticket | None:
    # Rows come from _SELECT_TICKET, whose columns are in the dataclass's order.
    return Ticket(*row) if row is not None else None


def _counter(row: sqlite3.Row) -> CounterState:
    return CounterState(**{k: row[k] for k in _COUNTER_COLUMNS})


class StorageUnavailable(Unavailable):
    """The disk is full or refuses writes: the hall says so (503) and keeps reading."""


def _disk_trouble(e: sqlite3.OperationalError) -> bool:
    text = str(e).lower()
    return "disk is full" in text or "disk i/o error" in text


def _marks(n: int) -> str:
    return ",".join("?" * n)


class Tx(FloorTx, LogTx, TallyTx, DevicesTx, SessionTx, SettingsTx):
    """One transaction's view of the store. Obtain it from `Store.read()` or `Store.write()`."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def _one(self, sql: str, params=()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def _all(self, sql: str, params=()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    # --- settings -------------------------------------------------------------------
    def setting(self, key: str) -> str | None:
        row = self._one("SELECT value FROM settings WHERE key = ?", (key,))
        return row["value"] if row else None

    def set_setting(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))

    def settings_named(self, keys: tuple[str, ...]) -> dict[str, str]:
        return {r["key"]: r["value"] for r in self._all(
            f"SELECT key, value FROM settings WHERE key IN ({_marks(len(keys))})", keys)}

    def forget_settings(self, keys: tuple[str, ...]) -> None:
        """Delete these settings with their bytes overwritten (secrets: not left in free pages
        that a copy of the file would carry)."""
        self.conn.execute("PRAGMA secure_delete = ON")
        try:
            self.conn.execute(f"DELETE FROM settings WHERE key IN ({_marks(len(keys))})", keys)
        finally:
            self.conn.execute("PRAGMA secure_delete = OFF")

    # --- numbers --------------------------------------------------------------------
    def next_number(self, day: str, prefix: str) -> int:
        """Atomically take the next number of `prefix` for `day` (1 for the day's first)."""
        row = self._one(
            "INSERT INTO number_sequences (day, prefix, last) VALUES (?, ?, 1) "
            "ON CONFLICT (day, prefix) DO UPDATE SET last = last + 1 RETURNING last",
            (day, prefix))
        return row["last"]

    def restart_numbers(self, day: str) -> None:
        self.conn.execute("DELETE FROM number_sequences WHERE day = ?", (day,))

    # --- tickets --------------------------------------------------------------------
    def ticket(self, ticket_id: str) -> Ticket | None:
        return _ticket(self._one(f"{_SELECT_TICKET} WHERE id = ?", (ticket_id,)))

    def ticket_of_day(self, day: str, number: str) -> Ticket | None:
        """The day's ticket with this number (the latest, should a day reset reuse numbers)."""
        return _ticket(self._one(f"{_SELECT_TICKET} WHERE day = ? AND number = ? "
                                 "ORDER BY issued_at DESC LIMIT 1", (day, number)))

    def ticket_by_request(self, request_id: str) -> Ticket | None:
        return _ticket(self._one(f"{_SELECT_TICKET} WHERE request_id = ?", (request_id,)))

    def tickets(self, ids: list[str]) -> list[Ticket]:
        if not ids:
            return []
        return [_ticket(r) for r in self._all(
            f"{_SELECT_TICKET} WHERE id IN ({_marks(len(ids))})", ids)]

    def insert_ticket(self, t: Ticket) -> None:
        self.conn.execute(
            f"INSERT INTO tickets ({','.join(_TICKET_COLUMNS)}) VALUES ({_marks(len(_TICKET_COLUMNS))})",
            [getattr(t, c) for c in _TICKET_COLUMNS])

    def save_ticket(self, t: Ticket) -> None:
        cols = [c for c in _TICKET_COLUMNS if c != "id"]
        self.conn.execute(
            f"UPDATE tickets SET {', '.join(c + ' = ?' for c in cols)} WHERE id = ?",
            [getattr(t, c) for c in cols] + [t.id])

    def queued_tickets(self, businesses: tuple[str, ...] | None = None,
                       counter: str | None = None) -> list[QueuedTicket]:
        """Tickets waiting in a queue; with `businesses`/`counter`, only those a counter
        serving these businesses could call (the routing rule sorts them)."""
        sql = (f"SELECT {', '.join(QueuedTicket._fields)} FROM tickets "
               f"WHERE status IN ({_marks(len(QUEUED))})")
        params: list = list(QUEUED)
        if businesses is not None:
            sql += (f" AND ((target_counter IS NULL AND business IN ({_marks(len(businesses))}))"
                    " OR target_counter = ?)")
            params += [*businesses, counter]
        return [QueuedTicket._make(r) for r in
                self.conn.execute(sql + " ORDER BY issued_at, number", params)]

    def queued_counts(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self.conn.execute(
            f"SELECT business, count(*) FROM tickets WHERE status IN ({_marks(len(QUEUED))}) "
            "GROUP BY business", QUEUED)}

    def queued_ticket_of(self, id_hash: str, business: str) -> Ticket | None:
        """A ticket this person (by ID hash) already has waiting for this business."""
        return _ticket(self._one(
            f"{_SELECT_TICKET} WHERE id_hash = ? AND business = ? AND status IN "
            f"({_marks(len(QUEUED))}) ORDER BY issued_at LIMIT 1", (id_hash, business, *QUEUED)))

    def parked_tickets(self, counter: str | None = None) -> list[Ticket]:
        """Tickets parked (at `counter`, or anywhere), the longest parked first."""
        sql, params = f"{_SELECT_TICKET} WHERE status = ?", [PARKED]
        if counter is not None:
            sql += " AND counter = ?"
            params.append(counter)
        return [_ticket(r) for r in self._all(sql + " ORDER BY parked_at", params)]

    def live_tickets(self, before_day: str | None = None) -> list[Ticket]:
        sql = f"{_SELECT_TICKET} WHERE status IN ({_marks(len(LIVE))})"
        params: list = list(LIVE)
        if before_day is not None:
            sql += " AND day < ?"
            params.append(before_day)
        return [_ticket(r) for r in self._all(sql + " ORDER BY issued_at", params)]

    # --- counters -------------------------------------------------------------------
    def ensure_counters(self, ids: list[str]) -> None:
        self.conn.executemany("INSERT OR IGNORE INTO counters (id) VALUES (?)", [(i,) for i in ids])

    def counter(self, counter_id: str) -> CounterState | None:
        row = self._one("SELECT * FROM counters WHERE id = ?", (counter_id,))
        return _counter(row) if row else None

    def counters(self) -> dict[str, CounterState]:
        return {r["id"]: _counter(r) for r in self._all("SELECT * FROM counters")}

    def save_counter(self, c: CounterState) -> None:
        self.conn.execute(
            "UPDATE counters SET state = ?, clerk = ?, current_ticket = ?, updated_at = ? WHERE id = ?",
            (c.state, c.clerk, c.current_ticket, c.updated_at, c.id))

    # --- ID card reads --------------------------------------------------------------
    def insert_card_read(self, c: CardRead) -> None:
        d = asdict(c)
        self.conn.execute(
            f"INSERT INTO card_reads ({','.join(d)}) VALUES ({_marks(len(d))})", list(d.values()))

    def card_read(self, token: str) -> CardRead | None:
        row = self._one("SELECT * FROM card_reads WHERE token = ?", (token,))
        if row is None:
            return None
        return CardRead(**{**dict(row), "senior": bool(row["senior"])})

    def forget_card_reads(self, token: str | None = None, before: float | None = None) -> None:
        if token is not None:
            self.conn.execute("DELETE FROM card_reads WHERE token = ?", (token,))
        if before is not None:
            self.conn.execute("DELETE FROM card_reads WHERE at < ?", (before,))

    # --- ratings --------------------------------------------------------------------
    def rating(self, ticket_id: str) -> dict | None:
        row = self._one("SELECT * FROM ratings WHERE ticket = ?", (ticket_id,))
        return dict(row) if row else None

    def insert_rating(self, ticket_id: str, score: int, comment: str | None, at: float) -> None:
        self.conn.execute("INSERT INTO ratings (ticket, score, comment, at) VALUES (?, ?, ?, ?)",
                          (ticket_id, score, comment, at))

    # --- staff ----------------------------------------------------------------------
    def staff(self, username: str) -> StaffMember | None:
        row = self._one("SELECT * FROM staff WHERE username = ?", (username,))
        return StaffMember(**{**dict(row), "disabled": bool(row["disabled"])}) if row else None

    def all_staff(self) -> list[StaffMember]:
        return [StaffMember(**{**dict(r), "disabled": bool(r["disabled"])})
                for r in self._all("SELECT * FROM staff ORDER BY username")]

    def save_staff(self, s: StaffMember) -> None:
        self.conn.execute(
            "INSERT INTO staff (username, role, password_hash, disabled, created_at, display_name, "
            "staff_no) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (username) DO UPDATE SET "
            "role = excluded.role, password_hash = excluded.password_hash, "
            "disabled = excluded.disabled, display_name = excluded.display_name, "
            "staff_no = excluded.staff_no",
            (s.username, s.role, s.password_hash, int(s.disabled), s.created_at, s.display_name,
             s.staff_no))


log = logging.getLogger("hall.store")

POOL_SIZE = 16
POOL_WAIT_S = 10.0


def _ours_only(path: str | Path) -> None:
    """The database and its journal: the server's user's alone (0600). SQLite gives a new -wal
    and -shm the database's own mode."""
    for name in (str(path), f"{path}-wal", f"{path}-shm"):
        try:
            if os.stat(name).st_mode & 0o077:
                os.chmod(name, 0o600)
        except FileNotFoundError:
            pass


def _use_wal(conn: sqlite3.Connection, timeout_s: float) -> None:
    """WAL, once per file (it sticks). Several server processes opening a new file at once:
    the switch needs the file to themselves and SQLite does not wait for it, so this does."""
    end = time.monotonic() + timeout_s
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > end:
                raise
            time.sleep(0.05)


class Store:
    """A pool of connections to one SQLite file, the schema applied on opening."""

    def __init__(self, path: str | Path, timeout_s: float = 30.0, durable: bool = True):
        self.path = str(path)
        self._timeout = timeout_s
        # Only the simulator, filling a fresh file it can rebuild, trades durability for speed.
        self._synchronous = "FULL" if durable else "OFF"
        self._pool: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(POOL_SIZE)
        self._held = threading.local()          # connections this thread holds now
        self._lock = threading.Lock()          # guards _closed against pool returns
        self._write_lock = threading.Lock()    # one writer at a time inside this process
        self._closed = False
        self._probe: sqlite3.Connection | None = None    # asks only "did anyone commit?"
        self._probe_lock = threading.Lock()
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._apply_schema()
        if self.path != ":memory:":
            _ours_only(self.path)
        try:
            self.keys = self._open_keys()
        except BaseException:
            self.close()
            raise

    def _open_keys(self) -> key_file.Keys:
        """The session and ID-hash keys (core/keys.py), out of the database: an older one
        still holding them in `settings` gives them to the key file, then forgets them."""
        names = tuple(key_file.LEGACY_SETTINGS)
        with self.read() as tx:
            legacy = tx.settings_named(names)
        keys = key_file.load(self.path, legacy)
        if legacy:
            with self.write() as tx:
                tx.forget_settings(names)
            with self._connection() as conn:     # the old pages out of the WAL too
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return keys

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None,
                               check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")
        _use_wal(conn, self._timeout)
        conn.execute(f"PRAGMA synchronous = {self._synchronous}")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def _apply_schema(self) -> None:
        try:
            conn = self._connect()
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: not a usable SQLite database ({e})") from None
        try:
            with self._write_lock:
                apply_schema(conn, self.path)
        finally:
            self._give_back(conn)

    def _give_back(self, conn: sqlite3.Connection) -> None:
        # A connection in use when the store closed is closed by its own thread, here:
        # closing it from another thread mid-statement crashes the sqlite3 module.
        with self._lock:
            if not self._closed:
                self._pool.put(conn)
                return
        conn.close()

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if self._closed:
            raise RuntimeError("the store is closed")
        # At most POOL_SIZE threads at a time: a burst (every screen reconnecting at once) waits
        # its turn instead of opening a connection each. Closing spares would not give their
        # files back: SQLite keeps a closed connection's file open while others hold locks on
        # it, in a server for ever. A thread already holding one (a read inside a command)
        # does not wait: it would wait for itself.
        depth = getattr(self._held, "n", 0)
        acquired = False
        if depth == 0:
            acquired = self._slots.acquire(timeout=POOL_WAIT_S)
            if not acquired:
                log.warning("all %d database connections busy for %.0f s", POOL_SIZE, POOL_WAIT_S)
        self._held.n = depth + 1
        try:
            with self._pooled() as conn:
                yield conn
        finally:
            self._held.n = depth
            if acquired:
                self._slots.release()

    @contextmanager
    def _pooled(self) -> Iterator[sqlite3.Connection]:
        try:
            conn = self._pool.get_nowait()
        except queue.Empty:
            conn = self._connect()
        try:
            yield conn
        except sqlite3.OperationalError as e:
            if not _disk_trouble(e):
                self._give_back(conn)
                raise
            # The disk refused a write: this connection is not trusted again (a new one next time).
            conn.close()
            raise StorageUnavailable("storage_unavailable",
                                     "服务器磁盘已满或无法写入,本次操作未保存,请联系管理员") from e
        except BaseException:
            self._give_back(conn)
            raise
        self._give_back(conn)

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A consistent snapshot for reading (a deferred transaction)."""
        with self._connection() as conn:
            conn.execute("BEGIN")
            try:
                yield Tx(conn)
            finally:
                conn.execute("COMMIT")

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """An immediate write transaction, committed durably on leaving, rolled back on error
        (a commit the disk refuses too: nothing half-written stays)."""
        with self._connection() as conn, self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    try:
                        conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass            # the connection is dropped by _connection
                raise

    def backup_to(self, dest: str | Path) -> None:
        """An online copy of the whole database into `dest` (SQLite's backup API, in one step:
        a consistent snapshot while writers go on, WAL readers do not block them), checked and
        made self-contained (no -wal file) before it replaces `dest`."""
        dest = Path(dest)
        partial = dest.with_name(dest.name + ".partial")
        partial.unlink(missing_ok=True)
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # 0600 from birth
        with self._connection() as conn:
            copy = sqlite3.connect(str(partial), isolation_level=None)
            try:
                conn.backup(copy)
                copy.execute("PRAGMA journal_mode = DELETE")
                # Never a key in a copy (core/keys.py), whatever the live file held.
                copy.execute("PRAGMA secure_delete = ON")
                names = tuple(key_file.LEGACY_SETTINGS)
                copy.execute(f"DELETE FROM settings WHERE key IN ({_marks(len(names))})", names)
                verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                copy.close()
        if verdict != "ok":
            partial.unlink(missing_ok=True)
            raise StoreError(f"the backup of {self.path} failed its integrity check: {verdict}")
        partial.replace(dest)

    def change_mark(self) -> int:
        """A number that moves whenever any connection, in any process, commits to the file
        (SQLite's data_version, seen from a connection that never writes): a few microseconds,
        no transaction, so a kept picture of the hall is checked at every look."""
        with self._probe_lock:
            if self._closed:
                raise RuntimeError("the store is closed")
            if self._probe is None:
                self._probe = self._connect()
            return self._probe.execute("PRAGMA data_version").fetchone()[0]

    def schema_version(self) -> int:
        with self.read() as tx:
            return tx._one("SELECT max(version) AS v FROM schema_version")["v"]

    def journal_mode(self) -> str:
        with self._connection() as conn:
            return conn.execute("PRAGMA journal_mode").fetchone()[0]

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Checkpoint the WAL and close every connection (clean shutdown)."""
        with self._write_lock:
            with self._lock:
                if self._closed:
                    return
                self._closed = True
            idle = []
            while True:
                try:
                    idle.append(self._pool.get_nowait())
                except queue.Empty:
                    break
            with self._probe_lock:
                if self._probe is not None:
                    idle.append(self._probe)
                    self._probe = None
            for i, conn in enumerate(idle):
                try:
                    if i == 0:
                        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    conn.close()
                except sqlite3.Error:
                    pass
