"""The operator's CRM as the hall meets it, for tests and the demo: HTTPS on localhost with a
certificate of a test CA of its own (trustme), star levels by ID number, and the faults a real
one has: slow, down, refusing a wrong token, answering nonsense. It keeps how many it was asked,
never the ID numbers."""
from __future__ import annotations

import json
import ssl
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import trustme

# The demo's cards (drivers/mock/cards.json) that are star customers.
DEMO_STARS = {"650102199906210240": 5}

_running: list["MockCrm"] = []         # this process's, newest last: `[crm] url = "mock"` asks it


def running() -> "MockCrm | None":
    return _running[-1] if _running else None


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A caller that gave up (the hall's timeout) closes mid-answer: nothing to report."""


class MockCrm:
    def __init__(self, stars: dict[str, int] | None = None, token: str | None = None):
        self.stars = dict(DEMO_STARS if stars is None else stars)
        self.token = token              # None: any caller (the demo)
        self.delay_s = 0.0              # slow: answers after this long
        self.fault: str | None = None   # None · "error" (HTTP 500) · "nonsense" (no star level)
        self.asked = 0
        self._dir = tempfile.TemporaryDirectory(prefix="hall-mock-crm-")
        ca = trustme.CA()
        self.ca_file = str(Path(self._dir.name) / "crm-ca.pem")
        ca.cert_pem.write_to_path(self.ca_file)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self._server.server_address[1]}/api/star"
        self._thread = threading.Thread(target=self._server.serve_forever, name="mock-crm",
                                        daemon=True)
        self._thread.start()
        _running.append(self)

    @property
    def path(self) -> str:              # as the other mocks, for the demo's banner
        return self.url

    def _handler(self):
        crm = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"       # kept alive, as a real service's would be
            disable_nagle_algorithm = True      # headers and body apart: no 40 ms delayed ACK

            def log_message(self, *args):       # the request line only: still, say nothing
                pass

            def do_POST(self):
                crm.asked += 1
                # Read whatever is answered: on a kept-alive connection an unread body would be
                # taken for the next request.
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
                if crm.delay_s:
                    time.sleep(crm.delay_s)
                if crm.token is not None and self.headers.get("Authorization") != f"Bearer {crm.token}":
                    return self._answer(401, {"error": "unauthorized"})
                if crm.fault == "error":
                    return self._answer(500, {"error": "internal"})
                try:
                    body = json.loads(raw)
                    id_number = body["id_number"]
                except (ValueError, KeyError, TypeError):
                    return self._answer(400, {"error": "bad request"})
                if crm.fault == "nonsense":
                    return self._answer(200, {"level": "gold"})
                if id_number not in crm.stars:
                    return self._answer(404, {"error": "not a customer"})
                self._answer(200, {"star": crm.stars[id_number]})

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
        return Handler

    def close(self) -> None:
        if self in _running:
            _running.remove(self)
        self._server.shutdown()
        self._server.server_close()
        self._dir.cleanup()
