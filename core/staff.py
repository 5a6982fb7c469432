"""Staff accounts: roles, hashed passwords (scrypt via werkzeug.security), enabling."""
from __future__ import annotations

import re
import secrets
import time

from werkzeug.security import check_password_hash, generate_password_hash

from .errors import HallError, NotFound
from .store import Store
from .tickets import ROLES, StaffMember

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,32}$")
DEMO_ACCOUNTS = {"demo-clerk": "clerk", "demo-guide": "guide", "demo-manager": "manager",
                 "demo-admin": "admin"}
DEMO_NAMES = {"demo-clerk": ("李晓燕", "D1001"), "demo-guide": ("王芳", "D2001"),
              "demo-manager": ("陈伟", "D3001"), "demo-admin": ("管理员", "D0001")}
DEMO_PASSWORD = "demo"
MIN_PASSWORD = 8

# Checked when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(8))
_demo_hash: str | None = None


class StaffAccounts:
    def __init__(self, store: Store):
        self.store = store

    def add(self, username: str, role: str, password: str, *, allow_short: bool = False,
            replace: bool = False, display_name: str | None = None,
            staff_no: str | None = None) -> StaffMember:
        if not USERNAME.match(username or ""):
            raise HallError("bad_username", "用户名须为 2–32 位字母、数字或 _ . -")
        if role not in ROLES:
            raise HallError("bad_role", f"角色须为 {' / '.join(ROLES)} 之一")
        if len(password or "") < MIN_PASSWORD and not allow_short:
            raise HallError("weak_password", f"密码至少 {MIN_PASSWORD} 位")
        member = StaffMember(username=username, role=role,
                             password_hash=generate_password_hash(password),
                             disabled=False, created_at=time.time(),
                             display_name=(display_name or "")[:32] or None,
                             staff_no=(staff_no or "")[:16] or None)
        with self.store.write() as tx:
            if tx.staff(username) is not None and not replace:
                raise HallError("user_exists", f"用户 {username} 已存在", status=409)
            tx.save_staff(member)
        return member

    def set_disabled(self, username: str, disabled: bool = True) -> StaffMember:
        with self.store.write() as tx:
            member = tx.staff(username)
            if member is None:
                raise NotFound("unknown_user", f"没有用户 {username}")
            member = StaffMember(**{**member.__dict__, "disabled": disabled})
            tx.save_staff(member)
        return member

    def all(self) -> list[StaffMember]:
        with self.store.read() as tx:
            return tx.all_staff()

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
        with self.store.write() as tx:
            for name, role in DEMO_ACCOUNTS.items():
                display_name, staff_no = DEMO_NAMES[name]
                tx.save_staff(StaffMember(username=name, role=role, password_hash=_demo_hash,
                                          disabled=False, created_at=time.time(),
                                          display_name=display_name, staff_no=staff_no))

    def disable_demo(self) -> None:
        """Without --demo no account may have a known password."""
        for name in DEMO_ACCOUNTS:
            member = self.get(name)
            if member is not None and not member.disabled:
                self.set_disabled(name, True)
