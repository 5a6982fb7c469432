"""The central view's Flask app and its sign-in.

Who may look: accounts of the central database itself (`run.py central users add`), not any
hall's staff: a hall's managers are that hall's, the company's figures are the company's. The
passwords are hashed as the hall hashes its staff's (werkzeug's scrypt); the session cookie is
signed with a key kept in the central database, so every process serving the view (and a
restart) honours it; a new password or a disabled account ends the sessions signed in before."""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, current_app, session
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.security import check_password_hash, generate_password_hash

from core.errors import HallError
from core.staff import MIN_PASSWORD, USERNAME
from web import errors, headers
from web.auth import LoginThrottle, checked, refuse_cross_site

from .store import CentralStore

ROOT = Path(__file__).resolve().parent.parent
_DUMMY = generate_password_hash("not-a-password")      # an unknown name costs as long as a wrong password


def _mark(account: dict) -> str:
    return hashlib.sha256(account["password_hash"].encode()).hexdigest()[:16]


def add_account(central: CentralStore, username: str, password: str, replace: bool = False) -> None:
    if not USERNAME.match(username or ""):
        raise HallError("bad_username", "用户名须为 2–32 位字母、数字或 . _ -")
    if len(password or "") < MIN_PASSWORD:
        raise HallError("weak_password", f"密码至少 {MIN_PASSWORD} 位")
    if central.account(username) is not None and not replace:
        raise HallError("user_exists", f"用户 {username} 已存在 (use --replace to reset it)")
    central.save_account(username, generate_password_hash(password), disabled=False)


def set_disabled(central: CentralStore, username: str, disabled: bool) -> None:
    if central.account(username) is None:
        raise HallError("unknown_user", f"没有用户 {username}", status=404)
    central.save_account(username, None, disabled)


def login(username: str, password: str) -> str:
    central: CentralStore = current_app.extensions["central"]

    def authenticate() -> dict | None:
        account = central.account(username) if USERNAME.match(username or "") else None
        good = check_password_hash(account["password_hash"] if account else _DUMMY, password or "")
        return account if account is not None and not account["disabled"] and good else None

    account = checked(current_app.extensions["central_throttle"], username, authenticate)
    session.clear()
    session.update(central_user=username, pw=_mark(account))
    session.permanent = True
    return username


def current_user() -> str | None:
    name = session.get("central_user")
    if not name:
        return None
    account = current_app.extensions["central"].account(name)
    if account is None or account["disabled"] or session.get("pw") != _mark(account):
        session.clear()
        return None
    return name


def create_app(central: CentralStore) -> Flask:
    app = Flask(__name__, static_folder=str(ROOT / "web" / "static"), static_url_path="/static")
    # The hall's look: its base template and stylesheet beside the view's own templates.
    app.jinja_loader = ChoiceLoader([FileSystemLoader(str(Path(__file__).parent / "templates")),
                                     FileSystemLoader(str(ROOT / "web" / "templates"))])
    app.secret_key = central.secret_key()
    app.config.update(SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_NAME="hall_central")
    app.extensions["central"] = central
    app.extensions["central_throttle"] = LoginThrottle()
    app.before_request(refuse_cross_site)
    errors.register(app)
    headers.register(app)       # the hall's CSP, nosniff, no framing (web/headers.py)
    from .views import bp
    app.register_blueprint(bp)
    return app
