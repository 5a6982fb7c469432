"""`run.py` with no command: start the hall server (one process, or N behind a supervisor)."""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

from core.config import load_config
from web.app import DEFAULT_DB

PAGES = (("取号机 kiosk", "/kiosk"), ("大屏 display", "/display"), ("窗口 counter", "/counter"),
         ("导购 guide", "/guide"), ("值班经理 manager", "/manager"), ("员工登录 login", "/login"),
         ("API", "/api/openapi.json"))

log = logging.getLogger("hall")


def _backups(store, config, clock=None):
    from core.backups import Backups
    return Backups(store, config.backup.dir, config.backup.keep, config.hall.tz, clock)



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


def lan_address() -> str:
    """This machine's address on its default route (no packet is sent), else loopback."""
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            return s.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def banner(app, host: str, port: int, demo: bool, server: str, mocks=None,
           device_warnings: list[str] = (), drive: list[str] = ()) -> str:
    ctx = app.extensions["hall"]
    hall = ctx.hall.config.hall
    local = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    lines = ["", f"  {hall.name} — hall server ({server}) on {host}:{port}", ""]
    lines += [f"  {name:<18} {local}{path}" for name, path in PAGES]
    lines += ["", f"  Phones reach the hall at {hall.public_url} (hall.public_url; ticket QR codes)"]
    if any(h in hall.public_url for h in ("127.0.0.1", "localhost", "[::1]")):
        lines.append("  ! public_url is this machine only: phones on the hall Wi-Fi cannot reach it."
                     " Set hall.public_url or --public-url to the server's LAN address.")
    if mocks:
        lines += ["", "  Mock devices (docs/devices.md):"]
        lines += [f"    {key:<14} {path}" for key, path in mocks.paths.items()]
        paper = next((m.out_dir for m in mocks.values() if getattr(m, "out_dir", None)), None)
        if paper:
            lines.append(f"    printed tickets (text and PNG) land in {paper.parent}/<kiosk>/")
    if ctx.demo_devices:
        lines += ["", "  Demo devices, enrolled (open a link on the screen to pair it; docs/security.md):"]
        lines += [f"    {kind + ' ' + target:<18} {hall.public_url}/pair/{token}"
                  for (kind, target), token in ctx.demo_devices.items()]
    if drive:
        lines += ["", *drive]
    for warning in device_warnings:
        lines.append(f"  ! {warning}")
    if demo:
        lines += ["", "  " + "*" * 72,
                  "  *  DEMO MODE 演示模式: mock devices, demo accounts with password 'demo':  *",
                  "  *  demo-clerk  demo-guide  demo-manager  demo-admin                     *",
                  "  *  Never use --demo in a real hall.                                     *",
                  "  " + "*" * 72]
    return "\n".join(lines) + "\n"


def nightly_backups(backups, at, stop: threading.Event, every_s: float = 300.0) -> None:
    """Take the night's copy once it is due (checked every five minutes), pruning old nights."""
    while not stop.wait(every_s):
        try:
            if backups.due(at):
                log.info("nightly backup: %s", backups.take())
        except Exception:       # noqa: BLE001 — the hall goes on; the next check tries again
            log.exception("nightly backup failed")


def keep_tallies(hall, after_s: float = 60.0) -> None:
    """A minute after start-up, count the past year's days not yet kept for statistics, a week
    at a time (once ever per day; later starts find them kept)."""
    time.sleep(after_s)
    try:
        hall.keep_tallies(pause=lambda: time.sleep(0.05))
    except Exception:           # noqa: BLE001 — statistics count the day when asked instead
        if not hall.store.closed:               # not the server stopping meanwhile
            log.exception("counting past days for statistics failed")


def _drive_hint(db: str, mocks) -> list[str]:
    """The banner's lines on `run.py mock …` (or why the mocks cannot be driven)."""
    from drivers.mock.control import hint, socket_path
    if mocks is not None and mocks.control_error:
        return [f"  ! {mocks.control_error}"]
    return hint(db, DEFAULT_DB) if socket_path(db).exists() else []


def serve(argv: list[str], usage: str | None = None, commands: str | None = None) -> int:
    """`usage` and `commands` (run.py's sub-commands) make `run.py --help` list them."""
    p = argparse.ArgumentParser(prog="run.py", usage=usage,
                                description="Start the hall server" + (
                                    f", or run a command:\n\n{commands}" if commands else "."),
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="0.0.0.0", help="the address to listen on (default 0.0.0.0)")
    p.add_argument("--port", type=int, default=5000, help="default 5000")
    p.add_argument("--db", default=str(DEFAULT_DB), help="the hall's SQLite database "
                   "(default var/hall.db)")
    p.add_argument("--config", default=None, help="the hall's config (default config/hall.toml)")
    p.add_argument("--demo", action="store_true", help="mock devices and demo accounts (password demo)")
    p.add_argument("--public-url", default=None, help="the address phones reach (overrides the config)")
    p.add_argument("--server", choices=("threading", "gevent"),
                   default=os.environ.get("HALL_SERVER", "threading"),
                   help="the WSGI server (default threading, or env HALL_SERVER)")
    p.add_argument("--workers", type=int, default=1,
                   help="server processes on this hall (more than 1 needs Redis: see --redis)")
    p.add_argument("--redis", default=None, help="Redis URL for several processes (default: start "
                   "a private redis-server)")
    p.add_argument("--worker-index", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--listen-fd", type=int, default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.workers < 1:
        p.error("--workers must be at least 1")
    if args.workers > 1 and args.worker_index is None:
        return supervise(args, argv)

    from drivers.service import DeviceService, Ports, ports_from_config
    from web import create_app as factory
    config = load_config(args.config)
    public_url = args.public_url or config.hall.public_url or f"http://{lan_address()}:{args.port}"
    owner = args.worker_index in (None, 0)      # of the devices, the backups and the tallies
    mocks = None
    mock_paths = json.loads(os.environ.get("HALL_MOCK_PATHS", "null"))
    if args.demo and mock_paths is None and args.worker_index is None:
        from drivers.mock.control import socket_path
        from drivers.mock.demo import start_mocks
        mocks = start_mocks(config, Path(args.db).resolve().parent / "mock-paper",
                            control=socket_path(args.db))
        mock_paths = mocks.paths
    ports, device_warnings = ports_from_config(config, mock_paths)
    app = factory(config, args.db, demo=args.demo, public_url=public_url,
                  devices=DeviceService(ports if owner else Ports({}, {}, {})),
                  async_mode="gevent" if args.server == "gevent" else "threading",
                  message_queue=args.redis if args.worker_index is not None else None,
                  worker=args.worker_index or 0)
    hall = app.extensions["hall"].hall
    if owner:
        threading.Thread(target=keep_tallies, args=(hall,), daemon=True).start()
    inflight = InFlight(app.wsgi_app)
    app.wsgi_app = inflight
    if owner:
        sys.stdout.write(banner(app, args.host, args.port, args.demo, args.server, mocks,
                                device_warnings, _drive_hint(args.db, mocks) if args.demo else ()))
        sys.stdout.flush()

    # A file-size limit reached (a full quota) fails the write; by default it would kill the hall.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    stop = threading.Event()
    if owner:
        threading.Thread(target=nightly_backups, daemon=True,
                         args=(_backups(hall.store, config, hall.clock), config.backup.at, stop)).start()
    if args.server == "gevent":
        import gevent
        from gevent import pywsgi
        from geventwebsocket.handler import WebSocketHandler
        import socket
        listener = ((args.host, args.port) if args.listen_fd is None
                    else socket.socket(fileno=args.listen_fd))
        server = pywsgi.WSGIServer(listener, app, handler_class=WebSocketHandler, log=None)
        gevent.signal_handler(signal.SIGTERM, lambda: (stop.set(), server.stop(timeout=10)))
        gevent.signal_handler(signal.SIGINT, lambda: (stop.set(), server.stop(timeout=10)))
        server.serve_forever()
    else:
        from werkzeug.serving import make_server
        if args.listen_fd is not None:
            # Shared with the other processes: all are woken by a new connection, one takes it,
            # and the others' accept must not block (it would hold up their shutdown).
            os.set_blocking(args.listen_fd, False)
        from web.headers import QuietHandler
        server = make_server(args.host, args.port, app, threaded=True, fd=args.listen_fd,
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
    drained = inflight.drain(10.0)
    ctx = app.extensions["hall"]
    ctx.devices.close()
    if mocks:
        mocks.close()
    ctx.hall.store.close()
    log.info("stopped cleanly%s", "" if drained else " (some requests were still running)")
    return 0


def supervise(args, argv: list[str]) -> int:
    """`--workers N`: the supervisor of N server processes (workers.py)."""
    from workers import Supervisor
    worker_argv, skip = [], False
    for a in argv:                              # each worker gets the same flags but these
        if skip:
            skip = False
        elif a in ("--workers", "--redis"):
            skip = True
        elif not a.startswith(("--workers=", "--redis=")):
            worker_argv.append(a)
    mocks = None
    if args.demo:                               # outlive a worker's restart: the supervisor's
        from drivers.mock.control import socket_path
        from drivers.mock.demo import start_mocks
        mocks = start_mocks(load_config(args.config), Path(args.db).resolve().parent / "mock-paper",
                            control=socket_path(args.db))
    try:
        return Supervisor(args.workers, worker_argv, args.host, args.port, args.redis,
                          Path(args.db).resolve().parent, mocks.paths if mocks else None).run()
    finally:
        if mocks:
            mocks.close()
