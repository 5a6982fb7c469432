"""Staff sign-in: session cookies, roles, cross-site refusal and slowed repeated failures."""
from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

from flask import current_app, request, session

from core.errors import Forbidden, HallError
from core.staff import password_mark
from core.tickets import StaffMember


class Unauthorized(HallError):
    status = 401


class LoginThrottle:
    """After `free` failures for a username or an address, each further attempt must wait
    twice as long as the last (1 s, 2 s, 4 s … up to `cap_s`). A success clears the name."""

    def __init__(self, free: int = 5, cap_s: float = 300.0, clock=time.monotonic):
        self.free, self.cap_s, self.clock = free, cap_s, clock
        self._fails: dict[str, tuple[int, float]] = {}   # key → (failures, last failure)
        self._lock = threading.Lock()

    def retry_after(self, *keys: str) -> float:
        now = self.clock()
        with self._lock:
            waits = []
            for key in keys:
                n, last = self._fails.get(key, (0, 0.0))
                if n >= self.free:
                    waits.append(last + min(self.cap_s, 2.0 ** (n - self.free)) - now)
            return max([0.0, *waits])

    def failed(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            if len(self._fails) > 10_000:   # bounded memory under a flood
                self._fails.clear()
            for key in keys:
                n, _ = self._fails.get(key, (0, 0.0))
                self._fails[key] = (n + 1, now)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._fails.pop(key, None)


class SharedLoginThrottle(LoginThrottle):
    """The same rule counted in Redis, for several server processes (`run.py --workers`): each
    would otherwise give a guesser its own five free tries. Redis away: this process's count."""

    def __init__(self, url: str, prefix: str, **kwargs):
        import redis
        super().__init__(clock=time.time, **kwargs)      # one clock for every process
        self._redis = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        self._prefix = prefix

    def _key(self, key: str) -> str:
        return f"{self._prefix}:login-failures:{key}"

    def retry_after(self, *keys: str) -> float:
        try:
            found = [self._redis.hmget(self._key(k), "n", "last") for k in keys]
        except Exception:       # noqa: BLE001 — redis.ConnectionError and its kin
            return super().retry_after(*keys)
        now, waits = self.clock(), []
        for n, last in found:
            if n is not None and int(n) >= self.free:
                waits.append(float(last) + min(self.cap_s, 2.0 ** (int(n) - self.free)) - now)
        return max([0.0, *waits])

    def failed(self, *keys: str) -> None:
        super().failed(*keys)
        try:
            with self._redis.pipeline() as pipe:
                for k in keys:
                    pipe.hincrby(self._key(k), "n", 1)
                    pipe.hset(self._key(k), "last", self.clock())
                    pipe.expire(self._key(k), int(self.cap_s * 4))
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
    throttle: too many failures for the name or the address wait first (429)."""
    keys = (f"user:{username}", f"addr:{request.remote_addr}")
    wait = throttle.retry_after(*keys)
    if wait > 0:
        raise HallError("too_many_attempts", f"登录失败次数过多,请 {int(wait) + 1} 秒后再试",
                        status=429, retry_after_s=int(wait) + 1)
    found = authenticate()
    if found is None:
        throttle.failed(*keys)
        raise Unauthorized("bad_credentials", "用户名或密码错误")
    throttle.succeeded(keys[0])
    return found


def login(accounts, throttle: LoginThrottle, username: str, password: str) -> StaffMember:
    member = checked(throttle, username, lambda: accounts.authenticate(username, password))
    session.clear()
    session["user"] = member.username
    session["role"] = member.role
    session["pw"] = password_mark(member)
    session.permanent = True
    return member


def current_staff() -> StaffMember | None:
    """The signed-in staff member, re-read so that disabling, a new role or a new password
    ends the sessions signed in before at once."""
    name = session.get("user")
    if not name:
        return None
    member = current_app.extensions["hall"].accounts.get(name)
    if (member is None or member.disabled or member.role != session.get("role")
            or session.get("pw") != password_mark(member)):
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
            {"path": "/manager/staff", "name": "员工账号", "roles": ADMIN}]


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
