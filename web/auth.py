"""Staff sign-in: server-side sessions carried in a signed cookie, roles, cross-site refusal and
slowed repeated failures."""
from __future__ import annotations

import logging
import threading
import time
from collections import deque
from datetime import datetime, timezone
from urllib.parse import urlsplit

from flask import current_app, request, session
from flask.sessions import SecureCookieSessionInterface

from core.errors import Forbidden, HallError
from core.staff import password_mark
from core.tickets import StaffMember

log = logging.getLogger("hall.auth")

WINDOW_S = 60.0           # the hall-wide count looks back this far
SLOWDOWN_S = 1.5          # while the count is high, every attempt is refused (Retry-After: 2)


class Unauthorized(HallError):
    status = 401


class LoginThrottle:
    """Failures are counted per (account, address) pair and per address, never per account
    alone: a stranger guessing a clerk's password from elsewhere cannot lock the clerk out at
    the counter. After `free` failures of a pair (`free_per_address` of an address: several
    clerks may share a PC, a proxy makes many one), each further attempt must wait twice as long
    as the last (1 s, 2 s, 4 s … up to `cap_s`). A success clears its pair.

    More than `hall_wide` failures in the hall within a minute is guessing from many addresses:
    every attempt is then refused for SLOWDOWN_S (429). Refused rather than held: a held request
    would keep a server thread (and a slow scrypt check) per guess; a clerk just tries again.

    Memory is bounded without a flush: entries are forgotten `forget_s` after their last
    failure; at `max_keys` those under no penalty go first, oldest first; those under penalty
    stay, and while the table is still full a name it holds no place for gets the slowdown."""

    def __init__(self, free: int = 5, cap_s: float = 300.0, clock=time.monotonic, *,
                 free_per_address: int = 20, hall_wide: int = 60, max_keys: int = 10_000):
        self.free, self.cap_s, self.clock = free, cap_s, clock
        self.free_per_address, self.hall_wide, self.max_keys = free_per_address, hall_wide, max_keys
        self.forget_s = cap_s * 4
        self._fails: dict[str, tuple[int, float]] = {}   # key → (failures, last failure)
        self._recent: deque[float] = deque(maxlen=hall_wide + 1)   # the latest failures' times
        self._full = False
        self._swept = float("-inf")
        self._lock = threading.Lock()

    def _wait(self, key: str, n: int, last: float, now: float) -> float:
        free = self.free_per_address if key.startswith("addr:") else self.free
        return last + min(self.cap_s, 2.0 ** (n - free)) - now if n >= free else 0.0

    def _busy(self, now: float) -> bool:
        return len(self._recent) > self.hall_wide and now - self._recent[0] < WINDOW_S

    def retry_after(self, *keys: str) -> float:
        now = self.clock()
        with self._lock:
            if self._full and now - self._swept >= 1.0:
                self._make_room(now)
            waits = [self._wait(k, *self._fails[k], now) for k in keys if k in self._fails]
            if self._busy(now) or (self._full and any(k not in self._fails for k in keys)):
                waits.append(SLOWDOWN_S)
            return max([0.0, *waits])

    def failed(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            self._recent.append(now)
            for key in keys:
                if key not in self._fails and len(self._fails) >= self.max_keys:
                    self._make_room(now)
                    if self._full:
                        continue            # no place: its next attempt gets the slowdown
                n, _ = self._fails.get(key, (0, 0.0))
                self._fails[key] = (n + 1, now)

    def _make_room(self, now: float) -> None:
        fails, self._swept = self._fails, now
        for key in [k for k, (_, last) in fails.items() if now - last >= self.forget_s]:
            del fails[key]
        if len(fails) >= self.max_keys:     # keep the penalised, then the most recent
            loose = sorted((last, k) for k, (n, last) in fails.items()
                           if self._wait(k, n, last, float("inf")) == 0.0)
            for _, key in loose[:len(fails) - int(self.max_keys * 0.9)]:
                del fails[key]
        self._full = len(fails) >= self.max_keys

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._fails.pop(key, None)


class SharedLoginThrottle(LoginThrottle):
    """The same rule counted in Redis, for several server processes (`run.py --workers`): each
    would otherwise give a guesser its own five free tries. Redis away: this process's count.
    Redis's entries expire on their own, and the hall-wide count is one counter a minute."""

    def __init__(self, url: str, prefix: str, **kwargs):
        import redis
        super().__init__(clock=time.time, **kwargs)      # one clock for every process
        self._redis = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        self._prefix = prefix

    def _key(self, key: str) -> str:
        return f"{self._prefix}:login-failures:{key}"

    def _minute(self, minute: int) -> str:
        return f"{self._prefix}:login-failures-in-minute:{minute}"

    def retry_after(self, *keys: str) -> float:
        now = self.clock()
        minute = int(now // WINDOW_S)
        try:
            found = [self._redis.hmget(self._key(k), "n", "last") for k in keys]
            this, last = self._redis.mget(self._minute(minute), self._minute(minute - 1))
        except Exception:       # noqa: BLE001 — redis.ConnectionError and its kin
            return super().retry_after(*keys)
        waits = [self._wait(k, int(n), float(at), now) for k, (n, at) in zip(keys, found)
                 if n is not None]
        # The last 60 s, estimated from this minute's count and the share of the last one's.
        share = 1 - (now % WINDOW_S) / WINDOW_S
        if int(this or 0) + int(last or 0) * share > self.hall_wide:
            waits.append(SLOWDOWN_S)
        return max([0.0, *waits])

    def failed(self, *keys: str) -> None:
        super().failed(*keys)
        now = self.clock()
        try:
            with self._redis.pipeline() as pipe:
                for k in keys:
                    pipe.hincrby(self._key(k), "n", 1)
                    pipe.hset(self._key(k), "last", now)
                    pipe.expire(self._key(k), int(self.forget_s))
                minute = self._minute(int(now // WINDOW_S))
                pipe.incr(minute)
                pipe.expire(minute, int(WINDOW_S * 3))
                pipe.execute()
        except Exception:       # noqa: BLE001
            pass

    def succeeded(self, key: str) -> None:
        super().succeeded(key)
        try:
            self._redis.delete(self._key(key))
        except Exception:       # noqa: BLE001
            pass


def checked(throttle: LoginThrottle, username: str, authenticate):
    """`authenticate()` (the account, or None for a wrong name or password) behind the
    throttle: too many failures for the name at this address, or from this address, wait
    first (429). A failure is logged with the name and the address, never the password."""
    address = request.remote_addr or "-"
    keys = (f"pair:{username}|{address}", f"addr:{address}")
    wait = throttle.retry_after(*keys)
    if wait > 0:
        raise HallError("too_many_attempts", f"登录失败次数过多,请 {int(wait) + 1} 秒后再试",
                        status=429, retry_after_s=int(wait) + 1)
    found = authenticate()
    if found is None:
        throttle.failed(*keys)
        log.warning("sign-in failed: %r from %s", username[:64], address)
        raise Unauthorized("bad_credentials", "用户名或密码错误")
    throttle.succeeded(keys[0])
    return found


class FixedExpiry(SecureCookieSessionInterface):
    """Flask's signed cookie, but a signed-in one expires when its session does (`exp`, set at
    sign-in), however often it is used or re-issued since."""

    def get_expiration_time(self, app, session):
        exp = session.get("exp")
        if session.permanent and isinstance(exp, (int, float)):
            return datetime.fromtimestamp(exp, timezone.utc)
        return super().get_expiration_time(app, session)


def cookie_secure(app=None) -> bool:
    """Whether the hall's cookies carry `Secure`: it is reached over https (hall.public_url)."""
    return bool((app or current_app).config.get("SESSION_COOKIE_SECURE"))


def _sessions():
    return current_app.extensions["hall"].sessions


def login(accounts, throttle: LoginThrottle, username: str, password: str) -> StaffMember:
    """Sign in: a new server-side session (core/sessions.py) whose random id the cookie holds;
    the one the cookie came with, if any, ends."""
    sessions, address = _sessions(), request.remote_addr
    try:
        member = checked(throttle, username, lambda: accounts.authenticate(username, password))
    except Unauthorized:
        sessions.failed(username, address)
        raise
    sessions.end(session.get("sid"), "signed_in_again")
    session.clear()
    session["sid"] = sessions.start(member, address)
    session["pw"] = password_mark(member)
    session["exp"] = int(time.time() + sessions.lifetime_s)
    session.permanent = True
    log.info("signed in: %s (%s) from %s", member.username, member.role, address)
    return member


def logout() -> None:
    """The session ends on the server: the same cookie, replayed, signs nobody in."""
    sid = session.get("sid")
    if sid and _sessions().end(sid, "signed_out"):
        log.info("signed out from %s", request.remote_addr)
    session.clear()


def current_staff() -> StaffMember | None:
    """The signed-in staff member: their session open (not signed out, timed out or ended), and
    the account re-read, so that disabling, a new role or a new password end it at once."""
    sid = session.get("sid")
    if not sid:
        return None
    sessions = _sessions()
    s = sessions.current(sid)
    member = current_app.extensions["hall"].accounts.get(s.username) if s else None
    if (member is None or member.disabled or member.role != s.role
            or session.get("pw") != password_mark(member)):
        if s is not None:
            sessions.end(sid, "account_changed")
        session.clear()
        return None
    return member


def require_staff(roles: tuple[str, ...]) -> StaffMember:
    member = current_staff()
    if member is None:
        raise Unauthorized("login_required", "请先登录")
    if member.role not in roles:
        raise Forbidden("wrong_role", "您的角色无权进行此操作")
    return member


ROLE_NAMES = {"clerk": "营业员", "guide": "导购员", "manager": "值班经理", "admin": "管理员"}


def roles_text(roles: tuple[str, ...]) -> str:
    """管理员(admin) · 值班经理(manager)和管理员(admin) · 导购员(guide)、值班经理(manager)和管理员(admin)."""
    names = [f"{ROLE_NAMES.get(r, r)}({r})" for r in roles]
    return names[0] if len(names) == 1 else "、".join(names[:-1]) + "和" + names[-1]


def staff_pages() -> list[dict]:
    """Every staff page with the roles that may open it (the roles as each page declares them)."""
    from counter.page import ROLES as COUNTER
    from guide.api import FLOOR_ROLES
    from manager.api import MANAGER_ROLES
    from manager.staff import ADMIN
    return [{"path": "/counter", "name": "窗口叫号", "roles": COUNTER},
            {"path": "/guide", "name": "大堂引导", "roles": FLOOR_ROLES},
            {"path": "/manager", "name": "值班经理 · 实时大厅", "roles": MANAGER_ROLES},
            {"path": "/manager/stats", "name": "值班经理 · 统计", "roles": MANAGER_ROLES},
            {"path": "/manager/staff", "name": "员工账号", "roles": ADMIN},
            {"path": "/manager/devices", "name": "设备登记", "roles": ADMIN}]


def forbidden_page(member: StaffMember, roles: tuple[str, ...]):
    """A signed-in member whose role may not open this page: a clear 403 (not the login page,
    which would only sign them in again as themselves), with the pages they may open."""
    from flask import render_template

    from .context import ctx
    mine = [p for p in staff_pages() if member.role in p["roles"] and p["path"] != request.path]
    html = render_template("forbidden.html", hall=ctx().hall.config.hall, demo=ctx().demo,
                           message=f"此页面仅限{roles_text(roles)}使用",
                           me=member.display_name or member.username,
                           my_role=ROLE_NAMES.get(member.role, member.role), pages=mine)
    return html, 403


def refuse_cross_site() -> None:
    """State-changing requests must come from the hall's own pages (or from no page at all,
    like a script): a browser tells us with Sec-Fetch-Site or Origin."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        raise Forbidden("cross_site", "拒绝来自其他网站的请求")
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        if urlsplit(origin).netloc.lower() != (request.host or "").lower():
            raise Forbidden("cross_site", "拒绝来自其他网站的请求")
    elif origin == "null":
        raise Forbidden("cross_site", "拒绝来自其他网站的请求")
