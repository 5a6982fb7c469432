"""Staff sessions kept by the server, so that they can end: signing out, `session_hours` after
sign-in (use does not extend it), a role's idle time ([security] in config/hall.toml), a new
session key (run.py keys rotate-session), an account disabled or changed (core/staff.py).

The cookie carries a random session id; the `sessions` table only its SHA-256, so a copy of the
database signs nobody in. Each sign-in, sign-out and failed sign-in is in the event log.
"""
from __future__ import annotations

import hashlib
import secrets
from typing import Callable
from zoneinfo import ZoneInfo

from .clock import SystemClock, business_day
from .config import HallInfo, Security
from .store import Store, Tx
from .store_sessions import StaffSession
from .tickets import StaffMember

# `last_seen` is written at most this often per session: writes are the hall's bottleneck, and
# an idle time in minutes needs no finer mark.
TOUCH_EVERY_S = 60
KEEP_ENDED_S = 86400      # ended rows are dropped a day later (the event log keeps the story)


def id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def log_event(tx: Tx, now: float, tz: ZoneInfo, kind: str, username: str, **data) -> None:
    tx.append_event(at=now, day=business_day(now, tz), kind=kind, clerk=username[:64],
                    **{k: v for k, v in data.items() if v is not None})


def end_member_sessions(tx: Tx, now: float, tz: ZoneInfo, username: str, reason: str) -> int:
    """In the caller's transaction: every open session of this member ends (a disabled account,
    a new role or password)."""
    ended = tx.end_sessions(now, username=username)
    for s in ended:
        log_event(tx, now, tz, "signed_out", s.username, reason=reason, address=s.address)
    return len(ended)


class Sessions:
    def __init__(self, store: Store, clock=None, tz: ZoneInfo | None = None,
                 security: Security | Callable[[], Security] | None = None):
        self.store = store
        self.clock = clock or SystemClock()
        self.tz = tz or ZoneInfo(HallInfo.model_fields["timezone"].default)
        # A getter too: the settings in force (a changed idle time holds from the next request).
        self._security_of = security if callable(security) else (lambda: security or Security())

    @property
    def security(self) -> Security:
        return self._security_of()

    @property
    def lifetime_s(self) -> float:
        return self.security.session_hours * 3600

    def idle_s(self, role: str) -> float:
        return getattr(self.security.idle_timeout_min, role) * 60

    def start(self, member: StaffMember, address: str | None) -> str:
        """A new session for a member just signed in; returns its id (for the cookie only)."""
        session_id = secrets.token_urlsafe(32)
        now = self.clock.now()
        with self.store.write() as tx:
            tx.forget_sessions(ended_before=now - KEEP_ENDED_S,
                               started_before=now - self.lifetime_s - KEEP_ENDED_S)
            tx.insert_session(StaffSession(id_hash(session_id), member.username, member.role,
                                           now, now, None, address))
            log_event(tx, now, self.tz, "signed_in", member.username, role=member.role,
                      address=address)
        return session_id

    def failed(self, username: str, address: str | None) -> None:
        """A wrong name or password (never the password itself in the log)."""
        now = self.clock.now()
        with self.store.write() as tx:
            log_event(tx, now, self.tz, "sign_in_failed", username, address=address)

    def _over(self, s: StaffSession, now: float) -> str | None:
        if now - s.created_at >= self.lifetime_s:
            return "lifetime"
        if now - s.last_seen >= self.idle_s(s.role):
            return "idle"
        return None

    def current(self, session_id: str | None) -> StaffSession | None:
        """The open session with this id, or None (unknown, signed out, too old, idle too long:
        then it ends here). Marks it seen, at most once a minute."""
        if not session_id:
            return None
        key = id_hash(session_id)
        with self.store.read() as tx:
            s = tx.staff_session(key)
        if s is None or s.ended_at is not None:
            return None
        now = self.clock.now()
        reason = self._over(s, now)
        if reason is not None:
            self.end(session_id, reason)
            return None
        if now - s.last_seen >= TOUCH_EVERY_S:
            with self.store.write() as tx:
                tx.touch_session(key, now)
        return s

    def end(self, session_id: str | None, reason: str = "signed_out") -> bool:
        if not session_id:
            return False
        now = self.clock.now()
        with self.store.write() as tx:
            ended = tx.end_sessions(now, id_hash=id_hash(session_id))
            for s in ended:
                log_event(tx, now, self.tz, "signed_out", s.username, reason=reason,
                          address=s.address)
        return bool(ended)

    def end_all(self, reason: str) -> int:
        """Every open session ends (a new session key)."""
        now = self.clock.now()
        with self.store.write() as tx:
            ended = tx.end_sessions(now)
            for s in ended:
                log_event(tx, now, self.tz, "signed_out", s.username, reason=reason,
                          address=s.address)
        return len(ended)
