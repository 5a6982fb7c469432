"""The app factory."""
from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from flask import Flask, request
from flask_socketio import SocketIO

from core.config import HallConfig, load_config
from core.errors import HallError
from core.hall import Hall
from core.staff import StaffAccounts
from core.store import Store
from drivers.service import no_devices

from counter import bp as counter_bp
from display import bp as display_bp
from guide import bp as guide_bp
from kiosk import bp as kiosk_bp
from manager import bp as manager_bp

from . import agents, auth, devices as device_wiring, errors, i18n, shell, sockets
from .context import HallContext, publish_pending
from .publisher import Publisher

MAX_BODY = 64 * 1024
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "var" / "hall.db"

log = logging.getLogger("hall")


def create_app(config: HallConfig | str | Path | None = None, db: str | Path | None = None, *,
               demo: bool = False, clock=None, devices=None, async_mode: str | None = None,
               public_url: str | None = None) -> Flask:
    if not isinstance(config, HallConfig):
        config = load_config(config)
    url = (public_url or config.hall.public_url or "http://127.0.0.1:5000").rstrip("/")
    if url != config.hall.public_url:
        config = config.model_copy(update={"hall": config.hall.model_copy(update={"public_url": url})})
    store = Store(db or DEFAULT_DB)
    hall = Hall(config, store, clock)
    accounts = StaffAccounts(store, hall.clock, hall.tz)     # its log shares the hall's day
    if demo:
        accounts.install_demo()
    else:
        accounts.disable_demo()

    app = Flask(__name__, template_folder=str(ROOT / "web" / "templates"),
                static_folder=str(ROOT / "web" / "static"), static_url_path="/static")
    app.config.update(
        SECRET_KEY=hall.secret("session_secret"),
        SESSION_COOKIE_NAME="hall_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        MAX_CONTENT_LENGTH=MAX_BODY,
    )
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    # Threading unless asked: gevent is installed (for measuring) and would be picked by default.
    socketio = SocketIO(app, async_mode=async_mode or "threading", max_http_buffer_size=MAX_BODY)
    publisher = Publisher(socketio, hall)
    app.extensions["hall"] = HallContext(
        hall=hall, accounts=accounts, publisher=publisher,
        devices=devices or no_devices(), throttle=auth.LoginThrottle(), socketio=socketio, demo=demo)

    errors.register(app)
    i18n.init(app)

    @app.before_request
    def _guard():
        if request.content_length is not None and request.content_length > MAX_BODY:
            raise HallError("body_too_large", "请求内容过大(上限 64 KiB)", status=413)
        if request.path.startswith("/api/") or request.path in ("/login", "/logout"):
            auth.refuse_cross_site()

    # Every command's events go out, whatever became of the request after the command.
    app.teardown_request(lambda _exc: publish_pending())

    for bp in (shell.bp, kiosk_bp, display_bp, counter_bp, guide_bp, manager_bp):
        app.register_blueprint(bp)
    sockets.register(socketio)
    agents.register(socketio)
    device_wiring.wire(app.extensions["hall"])
    return app
