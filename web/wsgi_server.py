"""The production server: gunicorn's master and its workers (README, "Which server").

The master opens the port, starts the workers, starts a dead one again and, on SIGTERM, lets
each finish its requests (`graceful_timeout`) before it stops. Each worker builds the hall's
app after the fork (no preload: a worker's database connections, threads and Redis links are
its own). The access log leaves out what would let a reader act as someone else: the token in
a ticket's, a pairing's or a phone page's path.
"""
from __future__ import annotations

import logging
import re
from typing import Callable

import gunicorn.http.wsgi
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from web.headers import SERVER

# gunicorn names itself in every answer's Server header, also on the answers Flask never sees
# (Socket.IO's upgrade); the hall says "hall" and no versions (web/headers.py).
gunicorn.http.wsgi.SERVER = SERVER

# gevent: gevent-websocket's worker, since engineio takes gevent-websocket when it is installed.
WORKER_CLASSES = {"gthread": "gthread",
                  "gevent": "geventwebsocket.gunicorn.workers.GeventWebSocketWorker"}
TOKEN_IN_PATH = re.compile(r"(/(?:t|pair|api/tickets)/)([^/?\s]{4})[^/?\s]*")
TOKEN_IN_QUERY = re.compile(r"((?:^|[?&])(?:ticket|token|next)=)[^&\s]*")

log = logging.getLogger("hall")


def redact(text: str) -> str:
    """/t/3f9c0a… → /t/3f9c…: enough to tell two tickets apart in a log, not to follow one."""
    return TOKEN_IN_QUERY.sub(r"\1…", TOKEN_IN_PATH.sub(r"\1\2…", text))


class AccessLog(Logger):
    """gunicorn's logger, its access lines without tokens."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "q", "f", "{raw_uri}e"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        return atoms


class HallServer(BaseApplication):
    """`make_app()` builds the Flask app in each worker; on SIGTERM, `on_stop(app)` lets its
    long-lived connections go (gunicorn waits for every request, a WebSocket's too);
    `on_exit(app)` closes what it holds."""

    def __init__(self, make_app: Callable, options: dict, on_stop: Callable | None = None,
                 on_exit: Callable | None = None):
        self.make_app, self.options = make_app, options
        self.on_stop, self.on_exit = on_stop, on_exit
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)
        if self.on_exit:
            self.cfg.set("worker_exit", lambda _arbiter, worker: self._exit(worker))
        self.cfg.set("post_worker_init", self._graceful_worker)
        # Ctrl-C (SIGINT) stops as gently as SIGTERM, in the master as in the workers (a
        # terminal sends it to both): gunicorn's own SIGINT drops the requests in flight.
        self.cfg.set("when_ready", lambda arbiter: setattr(arbiter, "handle_int", arbiter.handle_term))

    def _graceful_worker(self, worker) -> None:
        import signal
        import threading
        finish = worker.handle_exit

        def handle_exit(sig, frame):
            finish(sig, frame)
            app = getattr(worker, "wsgi", None)
            if app is not None and self.on_stop:    # not in the handler: closing takes locks
                threading.Thread(target=self.on_stop, args=(app,), daemon=True).start()
        signal.signal(signal.SIGTERM, handle_exit)
        signal.signal(signal.SIGINT, handle_exit)

    def _exit(self, worker) -> None:
        app = getattr(worker, "wsgi", None)
        if app is not None:
            try:
                self.on_exit(app)
            except Exception:           # noqa: BLE001 — the worker is ending either way
                log.exception("closing the worker's hall")

    def load(self):
        return self.make_app()


def options(*, host: str, port: int, workers: int, worker_class: str, threads: int,
            connections: int, access_log: str | None, certfile: str | None = None,
            keyfile: str | None = None, proxied: bool = False) -> dict:
    """gunicorn's settings for the hall (docs: https://docs.gunicorn.org/en/stable/settings.html)."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    opts = {
        "bind": [bind],
        "workers": workers,
        "worker_class": WORKER_CLASSES[worker_class],
        # Every WebSocket (a display, a phone) holds one of a gthread worker's threads for its
        # life; half-open and idle connections wait in its poller without one.
        "threads": threads,
        "worker_connections": connections,
        "backlog": 2048,
        # One listening socket shared by the workers (not one each with SO_REUSEPORT): a worker
        # that dies or restarts leaves no queue of accepted-by-nobody connections to be reset.
        "reuse_port": False,
        # A worker that stops answering its master's heartbeat for 30 s is replaced.
        "timeout": 30,
        "graceful_timeout": 10,         # SIGTERM: 10 s to finish what is in flight
        "keepalive": 5,
        "accesslog": access_log,
        "errorlog": "-",
        "logger_class": AccessLog,
        "access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"',
        "capture_output": False,
        "proc_name": "hall",
        # gunicorn 27's control socket (in ~/.gunicorn/) is not used by the hall: one less door.
        "control_socket_disable": True,
        "forwarded_allow_ips": "127.0.0.1,::1" if proxied else "",
    }
    if certfile:
        opts.update(certfile=certfile, keyfile=keyfile)
    return opts
