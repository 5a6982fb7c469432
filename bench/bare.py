"""The baseline: a bare Flask + Flask-SocketIO app served the same way as the hall.

`GET /bare` answers a constant JSON object (no work); `POST /broadcast` emits one event to every
connected client (no work besides the emit). `GET /page` is the least a staff page can be: a
button whose click POSTs `/call` (a counter, emitted to everyone) and shows the answer, and the
number shown again whenever `ticket_called` arrives.
"""
from __future__ import annotations

import argparse
import sys

if "gevent" in sys.argv:
    from gevent import monkey
    monkey.patch_all()

import itertools  # noqa: E402
from pathlib import Path  # noqa: E402

from flask import Flask, jsonify, request, send_file  # noqa: E402
from flask_socketio import SocketIO  # noqa: E402


PAGE = """<!doctype html><html><head><meta charset="utf-8">
<script src="/socket.io.min.js"></script></head><body>
<button id="call">call</button><b id="number"></b>
<script>
const show = (n) => { document.getElementById("number").textContent = n; };
const s = io({ transports: ["websocket", "polling"] });
s.on("connect", () => { document.body.dataset.connection = "online"; });
s.on("ticket_called", (d) => show(d.number));
document.getElementById("call").addEventListener("click", async () => {
  const r = await fetch("/call", { method: "POST" });
  show((await r.json()).number);
});
</script></body></html>"""


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--server", default="threading")
    args = p.parse_args()
    app = Flask(__name__)
    socketio = SocketIO(app, async_mode=args.server)

    @app.get("/bare")
    def bare():
        return jsonify({"ok": True})

    @app.post("/bare")
    def bare_post():
        request.get_json(silent=True)
        return jsonify({"ok": True}), 201

    @app.post("/broadcast")
    def broadcast():
        socketio.emit("ticket_called", request.get_json(silent=True) or {})
        return jsonify({"ok": True})

    numbers = itertools.count(1)
    socket_js = Path(__file__).resolve().parent.parent / "node_modules/socket.io-client/dist/socket.io.min.js"

    @app.get("/socket.io.min.js")
    def socket_client():
        return send_file(socket_js)

    @app.get("/page")
    def page():
        return PAGE

    @app.post("/call")
    def call():
        number = f"N{next(numbers):03d}"
        socketio.emit("ticket_called", {"number": number})
        return jsonify({"number": number})

    if args.server == "gevent":
        from gevent import pywsgi
        from geventwebsocket.handler import WebSocketHandler
        pywsgi.WSGIServer(("127.0.0.1", args.port), app, handler_class=WebSocketHandler,
                          log=None).serve_forever()
    else:
        import logging
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        from werkzeug.serving import make_server
        make_server("127.0.0.1", args.port, app, threaded=True).serve_forever()


if __name__ == "__main__":
    main()
