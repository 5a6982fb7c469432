"""The central PostgreSQL: every hall's event log, their registrations, the kept day tallies and
the central accounts. The only place with PostgreSQL's SQL.

A hall's events are keyed (hall, seq) and a batch is committed with the hall's new `last_seq`
in one transaction, so what the central server says it has is exactly what it has, and a batch
that arrives twice (the hall never heard the commit) adds nothing the second time."""
from __future__ import annotations

import json
import queue
import secrets
from contextlib import contextmanager
from typing import Iterator
from urllib.parse import unquote, urlsplit

import psycopg

from core.errors import Conflict, HallError, Unavailable
from core.store_log import EVENT_COLUMNS

SCHEMA_VERSION = 1
_SCHEMA_LOCK = 0x4841_4C4C      # an advisory lock: two halls' first syncs never race the CREATEs
_COLS = ", ".join(EVENT_COLUMNS)
# The events' columns without the hall's code (bench/central.py's bare COPY), and the types of
# a row with it, for binary COPY.
_STAGING = ("seq bigint, at double precision, day text, kind text, ticket text, number text, "
            "business text, counter text, clerk text, data text")
_TYPES = ["text", "int8", "float8", "text", "text", "text", "text", "text", "text", "text", "text"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);
-- One row per hall: what it is, its own standards (its HallConfig as JSON) and how far its log
-- has arrived. `log_id` is the hall database's own id: a second hall under the same code is refused.
CREATE TABLE IF NOT EXISTS halls (
    code      text PRIMARY KEY,
    log_id    text NOT NULL,
    name      text NOT NULL,
    name_en   text NOT NULL DEFAULT '',
    timezone  text NOT NULL,
    config    text NOT NULL,
    last_seq  bigint NOT NULL DEFAULT 0,
    last_day  text,                          -- the business day of the newest event received
    synced_at timestamptz
);
-- Each hall's events as the hall wrote them (`data` is the hall's JSON text, verbatim).
CREATE TABLE IF NOT EXISTS events (
    hall     text NOT NULL,
    seq      bigint NOT NULL,
    at       double precision NOT NULL,
    day      text NOT NULL,
    kind     text NOT NULL,
    ticket   text,
    number   text,
    business text,
    counter  text,
    clerk    text,
    data     text,
    PRIMARY KEY (hall, seq)
);
CREATE INDEX IF NOT EXISTS events_by_day ON events (hall, day);
-- A past day's statistics of one hall, counted once (core.stats.Tally as JSON); `key` is
-- stats.fingerprint of the hall's config: other standards, counted again. New events of a day
-- drop its tally.
CREATE TABLE IF NOT EXISTS day_tallies (
    hall text NOT NULL,
    day  text NOT NULL,
    key  text NOT NULL,
    data text NOT NULL,
    PRIMARY KEY (hall, day)
);
-- Who may open the central view (the company's managers; not any hall's staff).
CREATE TABLE IF NOT EXISTS accounts (
    username      text PRIMARY KEY,
    password_hash text NOT NULL,
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);
"""


class BadURL(HallError):
    pass


class CentralUnavailable(Unavailable):
    """The central server cannot be reached, or went away mid-way: nothing half-done stays."""


class CentralRefused(Conflict):
    """The central copy and this hall disagree (another hall's code, a log behind the copy)."""


def redact(url: str) -> str:
    """The URL with its password replaced by ***, for logs and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{parts.username or ''}:***@{host}").geturl()


def _scrub(text: str, url: str) -> str:
    """A driver's message on one line, without the password in any spelling."""
    line = " ".join(part.strip() for part in str(text).splitlines() if part.strip())
    password = urlsplit(url).password
    for secret in {password, unquote(password)} if password else ():
        line = line.replace(secret, "***")
    return line


def check_url(url: str | None) -> str:
    if not url or urlsplit(url).scheme not in ("postgresql", "postgres"):
        raise BadURL("bad_url", "中央数据库地址须形如 postgresql://user:password@host:5432/dbname "
                                "(central database URL must be postgresql://…)")
    return url


class CentralStore:
    """A small pool of connections to the central database (the web view serves several
    requests at once; the sync uses one), the schema applied on opening."""

    def __init__(self, url: str, connect_timeout_s: int = 10):
        self.url = check_url(url)
        self.shown = redact(url)
        self._timeout = connect_timeout_s
        self._idle: queue.LifoQueue[psycopg.Connection] = queue.LifoQueue()
        try:
            with self._conn() as conn, conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                conn.execute(SCHEMA)
                conn.execute("INSERT INTO settings VALUES ('schema_version', %s) "
                             "ON CONFLICT DO NOTHING", (str(SCHEMA_VERSION),))
                version = int(conn.execute(
                    "SELECT value FROM settings WHERE key = 'schema_version'").fetchone()[0])
        except psycopg.Error as e:      # e.g. a user that may not create tables there
            raise CentralRefused("central_schema", f"无法在中央数据库 {self.shown} 建表: "
                                 f"{_scrub(e, self.url)}") from None
        if version > SCHEMA_VERSION:
            raise CentralRefused("central_newer", f"{self.shown}: 中央数据库的结构版本 {version} "
                                 f"比本程序新 ({SCHEMA_VERSION}),请升级程序")

    def _connect(self) -> psycopg.Connection:
        try:
            return psycopg.connect(self.url, connect_timeout=self._timeout, autocommit=True,
                                   application_name="hall-central")
        except psycopg.OperationalError as e:
            raise CentralUnavailable("central_unavailable",
                                     f"无法连接中央数据库 {self.shown}: {_scrub(e, self.url)}") from None
        except psycopg.ProgrammingError as e:      # a URL libpq cannot parse
            raise BadURL("bad_url", f"中央数据库地址有误 {self.shown}: {_scrub(e, self.url)}") from None

    @contextmanager
    def _conn(self) -> Iterator[psycopg.Connection]:
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            conn = self._connect()
        try:
            yield conn
        except (psycopg.OperationalError, psycopg.InterfaceError) as e:
            conn.close()        # a lost connection is never handed out again
            raise CentralUnavailable("central_unavailable",
                                     f"中央数据库 {self.shown} 连接中断: {_scrub(e, self.url)}") from None
        except BaseException:
            self._idle.put(conn)
            raise
        self._idle.put(conn)

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return

    # --- halls ------------------------------------------------------------------------
    def register(self, code: str, log_id: str, name: str, name_en: str, timezone: str,
                 config_json: str) -> int:
        """Record (or refresh) the hall and its standards; answer its last seq received."""
        with self._conn() as conn, conn.transaction():
            row = conn.execute("SELECT log_id, last_seq FROM halls WHERE code = %s FOR UPDATE",
                               (code,)).fetchone()
            if row is not None and row[0] != log_id:
                raise CentralRefused(
                    "hall_code_taken", f"中央数据库里已有另一个营业厅使用代码 {code!r};请在 "
                    f"[hall] code 中为本厅设置公司内唯一的代码 (hall code {code!r} belongs to "
                    "another hall's database)")
            conn.execute(
                "INSERT INTO halls (code, log_id, name, name_en, timezone, config) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (code) DO UPDATE SET "
                "name = excluded.name, name_en = excluded.name_en, timezone = excluded.timezone, "
                "config = excluded.config", (code, log_id, name, name_en, timezone, config_json))
            return row[1] if row else 0

    def halls(self) -> list[dict]:
        with self._conn() as conn:
            cur = conn.execute("SELECT code, name, name_en, timezone, config, last_seq, last_day, "
                               "synced_at FROM halls ORDER BY code")
            names = [d.name for d in cur.description]
            return [dict(zip(names, row)) for row in cur]

    # --- the events ---------------------------------------------------------------------
    def push(self, code: str, rows: list[tuple], via: str = "copy") -> int:
        """Add a batch of the hall's events (rows in EVENT_COLUMNS order, by seq) and move its
        last_seq, in one transaction; answers the new last_seq.

        Under the hall's row lock, its events above last_seq are never here (every batch moves
        last_seq with its rows) and those at or below it all are: the rows at or below it are
        dropped, so a batch sent twice adds nothing, and the rest go straight in by COPY (1.5×
        the rate of COPY into a staging table then INSERT … ON CONFLICT DO NOTHING; the key
        (hall, seq) stays the backstop). `via="insert"`: executemany with ON CONFLICT DO
        NOTHING instead, 2–3× slower (bench/central.py measures both)."""
        with self._conn() as conn, conn.transaction():
            found = conn.execute("SELECT last_seq FROM halls WHERE code = %s FOR UPDATE",
                                 (code,)).fetchone()
            if found is None:
                raise CentralRefused("unknown_hall", f"中央数据库里没有营业厅 {code!r}")
            new = [row for row in rows if row[0] > found[0]]
            if not new:
                return found[0]
            try:
                if via == "copy":
                    with conn.cursor().copy(f"COPY events (hall, {_COLS}) FROM STDIN (FORMAT BINARY)") as copy:
                        copy.set_types(_TYPES)
                        for row in new:
                            copy.write_row((code, *row))
                else:
                    conn.cursor().executemany(
                        f"INSERT INTO events (hall, {_COLS}) VALUES "
                        f"({', '.join(['%s'] * (1 + len(EVENT_COLUMNS)))}) ON CONFLICT DO NOTHING",
                        [(code, *row) for row in new])
            except psycopg.IntegrityError as e:
                raise CentralRefused(
                    "central_inconsistent", f"中央数据库中营业厅 {code!r} 的记录与其事件不一致"
                    f" (events above last_seq {found[0]} exist): {_scrub(e, self.url)}") from None
            # A day that got new events is counted again (a late event of a kept day included).
            conn.execute("DELETE FROM day_tallies WHERE hall = %s AND day = ANY(%s)",
                         (code, sorted({row[2] for row in new})))
            top = max(row[0] for row in new)
            conn.execute("UPDATE halls SET last_seq = %s, last_day = greatest(last_day, %s), "
                         "synced_at = now() WHERE code = %s", (top, max(row[2] for row in new), code))
            return top

    def copy_bare(self, rows: list[tuple]) -> None:
        """bench/central.py's floor: the same rows COPYed into an unindexed table, nothing else."""
        with self._conn() as conn, conn.transaction():
            conn.execute(f"CREATE TEMP TABLE bare ({_STAGING}) ON COMMIT DROP")
            with conn.cursor().copy(f"COPY bare ({_COLS}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(_TYPES[1:])
                for row in rows:
                    copy.write_row(row)

    def count(self, code: str) -> tuple[int, int]:
        """How many events of the hall are here, and the largest seq."""
        with self._conn() as conn:
            n, top = conn.execute("SELECT count(*), max(seq) FROM events WHERE hall = %s",
                                  (code,)).fetchone()
            return n, top or 0

    def events(self, code: str, day_from: str, day_to: str) -> list[dict]:
        """The hall's events of these days in order, `data` parsed (as core.stats reads them)."""
        with self._conn() as conn:
            cur = conn.execute(f"SELECT {_COLS} FROM events WHERE hall = %s AND day BETWEEN %s AND %s "
                               "ORDER BY seq", (code, day_from, day_to))
            out = []
            for row in cur:
                e = dict(zip(EVENT_COLUMNS, row))
                e["data"] = json.loads(e["data"]) if e["data"] else {}
                out.append(e)
            return out

    # --- kept day tallies ---------------------------------------------------------------
    def day_tallies(self, code: str, day_from: str, day_to: str, key: str) -> dict[str, str]:
        with self._conn() as conn:
            return dict(conn.execute(
                "SELECT day, data FROM day_tallies WHERE hall = %s AND day BETWEEN %s AND %s "
                "AND key = %s", (code, day_from, day_to, key)).fetchall())

    def save_day_tallies(self, code: str, tallies: dict[str, str], key: str, seen_seq: int) -> None:
        """Keep tallies counted from the log as it was at `seen_seq`; if events arrived since
        (a push may have dropped one of these days), keep none: they are counted next time."""
        with self._conn() as conn, conn.transaction():
            still = conn.execute("SELECT last_seq FROM halls WHERE code = %s FOR SHARE",
                                 (code,)).fetchone()
            if still is None or still[0] != seen_seq:
                return
            conn.cursor().executemany(
                "INSERT INTO day_tallies (hall, day, key, data) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (hall, day) DO UPDATE SET key = excluded.key, data = excluded.data",
                [(code, day, key, data) for day, data in tallies.items()])

    # --- the central view -------------------------------------------------------------
    def secret_key(self) -> str:
        """The view's session-signing key: made once, shared by every process serving it."""
        with self._conn() as conn, conn.transaction():
            conn.execute("INSERT INTO settings VALUES ('secret_key', %s) ON CONFLICT DO NOTHING",
                         (secrets.token_hex(32),))
            return conn.execute("SELECT value FROM settings WHERE key = 'secret_key'").fetchone()[0]

    def account(self, username: str) -> dict | None:
        with self._conn() as conn:
            row = conn.execute("SELECT username, password_hash, disabled FROM accounts "
                               "WHERE username = %s", (username,)).fetchone()
        return dict(zip(("username", "password_hash", "disabled"), row)) if row else None

    def accounts(self) -> list[dict]:
        with self._conn() as conn:
            rows = conn.execute("SELECT username, disabled FROM accounts ORDER BY username").fetchall()
        return [{"username": u, "disabled": d} for u, d in rows]

    def save_account(self, username: str, password_hash: str | None, disabled: bool) -> None:
        """Create or update an account (`password_hash` None: keep the password)."""
        with self._conn() as conn:
            conn.execute(
                "INSERT INTO accounts (username, password_hash, disabled) VALUES (%s, %s, %s) "
                "ON CONFLICT (username) DO UPDATE SET disabled = excluded.disabled, "
                "password_hash = coalesce(%s, accounts.password_hash)",
                (username, password_hash or "", disabled, password_hash))
