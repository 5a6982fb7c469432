"""The app factory."""
from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from pathlib import Path

from flask import Flask, request
from flask_socketio import SocketIO
import socketio as socketio_server

from core.config import HallConfig, load_config
from core.enrolment import Enrolment, demo_token
from core.errors import HallError
from core.hall import Hall
from core.sessions import Sessions
from core.staff import StaffAccounts
from core.store import Store
from drivers.relay import DeviceRelay
from drivers.crm import StarLookup
from drivers.service import no_devices

from counter import bp as counter_bp
from display import bp as display_bp
from display.voice import CallWords
from guide import bp as guide_bp
from kiosk import bp as kiosk_bp
from manager import bp as manager_bp

from . import (agents, auth, devices as device_wiring, errors, headers, i18n, limits, pairing, shell,
               sockets)
from .context import HallContext, publish_pending
from .fanout import Fanout
from .publisher import Publisher

MAX_BODY = 64 * 1024
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "var" / "hall.db"

log = logging.getLogger("hall")


def create_app(config: HallConfig | str | Path | None = None, db: str | Path | None = None, *,
               demo: bool = False, clock=None, devices=None, async_mode: str | None = None,
               public_url: str | None = None, message_queue: str | None = None,
               worker: int = 0) -> Flask:
    """`message_queue` (a Redis URL) when the hall runs as several server processes on one
    database (`run.py --workers N`); `worker` is this process's index among them."""
    if not isinstance(config, HallConfig):
        config = load_config(config)
    url = (public_url or config.hall.public_url or "http://127.0.0.1:5000").rstrip("/")
    if url != config.hall.public_url:
        config = config.model_copy(update={"hall": config.hall.model_copy(update={"public_url": url})})
    store = Store(db or DEFAULT_DB)
    hall = Hall(config, store, clock)
    hall.always_open = demo          # the demo issues around the clock (core/hours.py)
    accounts = StaffAccounts(store, hall.clock, hall.tz)     # its log shares the hall's day
    if demo:
        accounts.install_demo()
    else:
        accounts.disable_demo()

    app = Flask(__name__, template_folder=str(ROOT / "web" / "templates"),
                static_folder=str(ROOT / "web" / "static"), static_url_path="/static")
    app.config.update(
        SECRET_KEY=store.keys.session_key,        # from the key file, not the database
        SESSION_COOKIE_NAME="hall_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=url.startswith("https://"),     # auth.cookie_secure(app)
        PERMANENT_SESSION_LIFETIME=timedelta(hours=config.security.session_hours),
        # The cookie's expiry is fixed at sign-in (auth.FixedExpiry): use does not move it.
        SESSION_REFRESH_EACH_REQUEST=False,
        MAX_CONTENT_LENGTH=MAX_BODY,
    )
    app.session_interface = auth.FixedExpiry()
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    queue = {}
    # One channel per hall database: two halls may share a Redis.
    channel = "hall:" + hashlib.sha1(str(Path(store.path).resolve()).encode()).hexdigest()[:12]
    if message_queue:
        # Websocket only: a long-polling client's requests could reach different processes.
        # Named here: Flask-SocketIO takes only redis:// URLs for Redis, not a Unix socket's.
        queue = {"client_manager": socketio_server.RedisManager(message_queue, channel=channel),
                 "transports": ["websocket"]}
    # Threading unless asked: gevent is installed (for measuring) and would be picked by default.
    socketio = SocketIO(app, async_mode=async_mode or "threading", max_http_buffer_size=MAX_BODY,
                        **queue)
    limits.guard_socketio(socketio)        # a deeply nested packet is dropped, not a RecursionError
    publisher = Publisher(socketio, hall, announcer=CallWords(lambda: hall.config))
    devices = devices or no_devices()
    if message_queue:
        fanout = Fanout(message_queue, channel, worker, sleep=socketio.sleep)
        publisher.fanout = fanout
        socketio.start_background_task(fanout.listen, publisher.on_notice, lambda: store.closed)
        devices = DeviceRelay(devices, message_queue, channel, worker)
    throttle = (auth.SharedLoginThrottle(message_queue, channel) if message_queue
                else auth.LoginThrottle())
    enrolment = Enrolment(store, lambda: hall.config, hall.clock, hall.tz)
    app.extensions["hall"] = HallContext(
        hall=hall, accounts=accounts, publisher=publisher,
        devices=devices, throttle=throttle, socketio=socketio, demo=demo, enrolment=enrolment,
        sessions=Sessions(store, hall.clock, hall.tz, lambda: hall.config.security),
        demo_devices=enrol_demo_devices(enrolment, app.config["SECRET_KEY"]) if demo else {},
        crm=StarLookup(lambda: hall.config.crm))

    publisher.screens.context = app.extensions["hall"]     # the staff screens' names and devices
    errors.register(app)
    headers.register(app)       # CSP, nosniff, no framing, Server: hall (web/headers.py)
    i18n.init(app)

    @app.before_request
    def _guard():
        if request.content_length is not None and request.content_length > MAX_BODY:
            raise HallError("body_too_large", "请求内容过大(上限 64 KiB)", status=413)
        if request.path.startswith("/api/") or request.path in ("/login", "/logout"):
            auth.refuse_cross_site()

    if message_queue:
        @app.after_request
        def _which_process(response):       # for the operator (and the tests): who answered
            response.headers["X-Hall-Worker"] = str(worker)
            return response

    # Every command's events go out, whatever became of the request after the command.
    app.teardown_request(lambda _exc: publish_pending())

    for bp in (shell.bp, pairing.bp, kiosk_bp, display_bp, counter_bp, guide_bp, manager_bp):
        app.register_blueprint(bp)
    sockets.register(socketio)
    agents.register(socketio)
    device_wiring.wire(app.extensions["hall"])
    return app


def enrol_demo_devices(enrolment: Enrolment, key) -> dict:
    """The demo's kiosks and counter screens, enrolled with credentials derived from the hall's
    key: the banner's links open them paired, and stay the same across restarts."""
    key = key.decode() if isinstance(key, bytes) else str(key)
    config, out = enrolment.config, {}
    wanted = [("kiosk", k.id) for k in config.kiosks] + [("counter_screen", c.id) for c in config.counters]
    kept = set()
    for kind, target in wanted:
        token = demo_token(key, kind, target)
        kept.add(enrolment.ensure(kind, target, token, by="demo").id)
        out[(kind, target)] = token
    for device in enrolment.all():      # made under an earlier key (run.py keys rotate-session)
        if device.created_by == "demo" and device.id not in kept:
            enrolment.revoke(device.id, by="demo")
    return out
