"""The baseline: a bare Flask + Flask-SocketIO app served the same way as the hall.

`GET /bare` answers a constant JSON object (no work); `POST /broadcast` emits one event to every
connected client (no work besides the emit).
"""
from __future__ import annotations

import argparse
import sys

if "gevent" in sys.argv:
    from gevent import monkey
    monkey.patch_all()

from flask import Flask, jsonify, request  # noqa: E402
from flask_socketio import SocketIO  # noqa: E402


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
