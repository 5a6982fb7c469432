"""`run.py --server dev`: Werkzeug's development server, one process, for development only
(no bound on threads, no timeout for a slow client; README, "Which server")."""
from __future__ import annotations

import logging
import signal
import threading
import time

log = logging.getLogger("hall")


class InFlight:
    """WSGI middleware counting ordinary requests (not Socket.IO's long-lived ones), so a
    shutdown can let them finish."""

    def __init__(self, app):
        self.app, self.n, self.lock = app, 0, threading.Lock()

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/socket.io"):
            return self.app(environ, start_response)
        with self.lock:
            self.n += 1
        try:
            return list(self.app(environ, start_response))
        finally:
            with self.lock:
                self.n -= 1

    def drain(self, timeout_s: float) -> bool:
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            if self.n == 0:
                return True
            time.sleep(0.02)
        return self.n == 0


def run(app, host: str, port: int, stop: threading.Event) -> bool:
    """Serve until SIGTERM or SIGINT; True when every in-flight request finished."""
    from werkzeug.serving import make_server

    from web.headers import QuietHandler
    inflight = InFlight(app.wsgi_app)
    app.wsgi_app = inflight
    server = make_server(host, port, app, threaded=True,
                         request_handler=QuietHandler)   # Server: hall, no versions

    def on_signal(signum, _frame):
        if not stop.is_set():
            stop.set()
            log.info("signal %s: finishing in-flight requests", signum)
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server.serve_forever()
    server.server_close()
    return inflight.drain(10.0)
