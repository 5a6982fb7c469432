"""Staff accounts: roles, hashed passwords (scrypt via werkzeug.security), enabling."""
from __future__ import annotations

import dataclasses
import hashlib
import re
import secrets
import time
from zoneinfo import ZoneInfo

from werkzeug.security import check_password_hash, generate_password_hash

from . import passwords
from .clock import SystemClock, business_day
from .config import HallInfo
from .errors import Conflict, HallError, NotFound
from .passwords import MIN_PASSWORD  # noqa: F401 (central/app.py's accounts use it)
from .sessions import end_member_sessions
from .store import Store
from .tickets import ROLES, StaffMember

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,32}$")
DEMO_ACCOUNTS = {"demo-clerk": "clerk", "demo-guide": "guide", "demo-manager": "manager",
                 "demo-admin": "admin"}
DEMO_NAMES = {"demo-clerk": ("李晓燕", "D1001"), "demo-guide": ("王芳", "D2001"),
              "demo-manager": ("陈伟", "D3001"), "demo-admin": ("管理员", "D0001")}
DEMO_PASSWORD = "demo"

# Checked when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(8))
_demo_hash: str | None = None
KEEP = object()      # update(): leave this field as it is


def shown_name(member: StaffMember | None, username: str | None = None) -> str | None:
    """How staff pages show a person: the name (display_name), else the username."""
    if member is None:
        return username
    return member.display_name or member.username


def password_mark(member: StaffMember) -> str:
    """A short mark of the password hash, kept in the session: a new password ends the
    sessions signed in with the old one."""
    return hashlib.sha256(member.password_hash.encode()).hexdigest()[:16]


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise HallError("bad_role", f"角色须为 {' / '.join(ROLES)} 之一")


def _check_password(password: str, *user_inputs: str | None) -> None:
    passwords.check(password, *(u for u in user_inputs if u))


def _text(value: str | None, limit: int) -> str | None:
    return (value or "").strip()[:limit] or None


def _existing(tx, username: str) -> StaffMember:
    member = tx.staff(username)
    if member is None:
        raise NotFound("unknown_user", f"没有用户 {username}")
    return member


def _active_admin(m: StaffMember) -> bool:
    return m.role == "admin" and not m.disabled


def _keep_an_admin(tx, old: StaffMember, new: StaffMember, by: str | None) -> None:
    """An admin cannot lock themselves out, and the hall always keeps an enabled admin."""
    if not _active_admin(old) or _active_admin(new):
        return
    if by == old.username:
        raise Conflict("own_account", "不能停用自己的账号或取消自己的管理员角色,请让另一位管理员操作")
    if not any(_active_admin(m) for m in tx.all_staff() if m.username != old.username):
        raise Conflict("last_admin", "这是最后一个可用的管理员账号,不能停用或改为其他角色;请先添加另一位管理员")


class StaffAccounts:
    """Every change is one write transaction that also appends a 'staff' event (who did what to
    whom; never a password or its hash). `by` is the admin's username, "cli" from run.py."""

    def __init__(self, store: Store, clock=None, tz: ZoneInfo | None = None):
        self.store = store
        self.clock = clock or SystemClock()
        self.tz = tz or ZoneInfo(HallInfo.model_fields["timezone"].default)

    def add(self, username: str, role: str, password: str, *, allow_short: bool = False,
            replace: bool = False, display_name: str | None = None,
            staff_no: str | None = None, by: str | None = None) -> StaffMember:
        if not USERNAME.match(username or ""):
            raise HallError("bad_username", "用户名须为 2–32 位字母、数字或 _ . -")
        _check_role(role)
        if not allow_short:           # (only the tests' and the demo's own accounts)
            _check_password(password, username, display_name)
        member = StaffMember(username=username, role=role,
                             password_hash=generate_password_hash(password),
                             disabled=False, created_at=self.clock.now(),
                             display_name=_text(display_name, 32), staff_no=_text(staff_no, 16))
        with self.store.write() as tx:
            old = tx.staff(username)
            if old is not None and not replace:
                raise HallError("user_exists", f"用户 {username} 已存在", status=409)
            if old is not None:
                _keep_an_admin(tx, old, member, by)
                self._end_sessions(tx, member, "account_replaced")
            tx.save_staff(member)
            self._log(tx, by, member, "added" if old is None else "replaced")
        return member

    def update(self, username: str, *, role: str | None = None, disabled: bool | None = None,
               display_name: str | None | object = KEEP, staff_no: str | None | object = KEEP,
               by: str | None = None, keep_an_admin: bool = True) -> StaffMember:
        """Change any of role, enabling, name and staff number at once (one transaction)."""
        if role is not None:
            _check_role(role)
        with self.store.write() as tx:
            old = _existing(tx, username)
            member = dataclasses.replace(
                old, role=role if role is not None else old.role,
                disabled=disabled if disabled is not None else old.disabled,
                display_name=old.display_name if display_name is KEEP else _text(display_name, 32),
                staff_no=old.staff_no if staff_no is KEEP else _text(staff_no, 16))
            if keep_an_admin:
                _keep_an_admin(tx, old, member, by)
            tx.save_staff(member)
            if member.role != old.role or (member.disabled and not old.disabled):
                self._end_sessions(tx, member, "account_changed")
            if member.role != old.role:
                self._log(tx, by, member, "role", from_role=old.role)
            if member.disabled != old.disabled:
                self._log(tx, by, member, "disabled" if member.disabled else "enabled")
            if (member.display_name, member.staff_no) != (old.display_name, old.staff_no):
                self._log(tx, by, member, "details", display_name=member.display_name,
                          staff_no=member.staff_no)
        return member

    def set_role(self, username: str, role: str, by: str | None = None) -> StaffMember:
        return self.update(username, role=role, by=by)

    def set_disabled(self, username: str, disabled: bool = True, by: str | None = None) -> StaffMember:
        return self.update(username, disabled=disabled, by=by)

    def reset_password(self, username: str, new_password: str, by: str | None = None) -> StaffMember:
        _check_password(new_password, username)
        password_hash = generate_password_hash(new_password)     # slow: outside the write lock
        with self.store.write() as tx:
            member = dataclasses.replace(_existing(tx, username), password_hash=password_hash)
            tx.save_staff(member)
            self._end_sessions(tx, member, "new_password")
            self._log(tx, by, member, "password")
        return member

    def _end_sessions(self, tx, member: StaffMember, reason: str) -> None:
        # Here, in the change's own transaction; web/auth.py also re-checks on every request.
        end_member_sessions(tx, self.clock.now(), self.tz, member.username, reason)

    def _log(self, tx, by: str | None, member: StaffMember, action: str, **data) -> None:
        now = self.clock.now()
        tx.append_event(at=now, day=business_day(now, self.tz), kind="staff", clerk=by or "cli",
                        action=action, target=member.username, role=member.role, **data)

    def all(self) -> list[StaffMember]:
        with self.store.read() as tx:
            return tx.all_staff()

    def names(self) -> dict[str, str]:
        """username → the name staff pages show (display_name, else the username)."""
        return {m.username: shown_name(m) for m in self.all()}

    def get(self, username: str) -> StaffMember | None:
        with self.store.read() as tx:
            return tx.staff(username)

    def authenticate(self, username: str, password: str) -> StaffMember | None:
        member = self.get(username) if USERNAME.match(username or "") else None
        if member is None:
            check_password_hash(_DUMMY_HASH, password or "")
            return None
        if not check_password_hash(member.password_hash, password or "") or member.disabled:
            return None
        return member

    def install_demo(self) -> None:
        """The --demo accounts, password `demo` (its hash computed once per process: the
        password is public anyway, and scrypt is deliberately slow)."""
        global _demo_hash
        if _demo_hash is None:
            _demo_hash = generate_password_hash(DEMO_PASSWORD)
        with self.store.read() as tx:
            olds = {name: tx.staff(name) for name in DEMO_ACCOUNTS}
        # Still `demo` from an earlier start: keep the hash, so signed-in demo staff stay signed
        # in across a restart (sessions hold a mark of the hash).
        kept = {name: m for name, m in olds.items()
                if m is not None and check_password_hash(m.password_hash, DEMO_PASSWORD)}
        with self.store.write() as tx:
            for name, role in DEMO_ACCOUNTS.items():
                display_name, staff_no = DEMO_NAMES[name]
                old = kept.get(name)
                tx.save_staff(StaffMember(username=name, role=role,
                                          password_hash=old.password_hash if old else _demo_hash,
                                          disabled=False,
                                          created_at=old.created_at if old else time.time(),
                                          display_name=display_name, staff_no=staff_no))

    def disable_demo(self) -> None:
        """Without --demo no account may have a known password."""
        for name in DEMO_ACCOUNTS:
            member = self.get(name)
            if member is not None and not member.disabled:
                # Even the last admin: a known password is worse than no admin (the CLI adds one).
                self.update(name, disabled=True, by="start-up", keep_an_admin=False)
