#!/usr/bin/env python3
"""Start the hall, and manage its staff and its business day.

    run.py [--host H] [--port P] [--db FILE] [--config FILE] [--demo] [--public-url URL]
           [--workers N [--redis URL]]
    run.py users add <username> --role clerk|guide|manager|admin [--password PW] [--db FILE]
    run.py users list [--db FILE]
    run.py users disable <username> [--db FILE]
    run.py day reset [--db FILE] [--config FILE]
    run.py backup now|list [--db FILE] [--config FILE]
    run.py backup restore COPY [--db FILE]      (with the server stopped)
    run.py simulate --days N [--counters 6|4,5,6|3-8] [--arrivals 600|9:50,10:70,…] [--db FILE]
    run.py agent --server URL --kiosk K1 --key KEY [--printer PORT] [--reader PORT]
"""
from __future__ import annotations

import os
import sys


def _server_choice(argv: list[str]) -> str:
    if "--server" in argv and argv.index("--server") + 1 < len(argv):
        return argv[argv.index("--server") + 1]
    return os.environ.get("HALL_SERVER", "threading")


# gevent must patch the standard library before anything else imports it.
if __name__ == "__main__" and _server_choice(sys.argv) == "gevent":
    from gevent import monkey

    monkey.patch_all()

import argparse  # noqa: E402
import getpass  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import signal  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from core.config import load_config  # noqa: E402
from core.errors import ConfigError, HallError, StoreError  # noqa: E402

ROOT = Path(__file__).resolve().parent
DEFAULT_DB = ROOT / "var" / "hall.db"
PAGES = (("取号机 kiosk", "/kiosk"), ("大屏 display", "/display"), ("窗口 counter", "/counter"),
         ("导购 guide", "/guide"), ("值班经理 manager", "/manager"), ("员工登录 login", "/login"),
         ("API", "/api/openapi.json"))

log = logging.getLogger("hall")


def create_app():
    """For `flask --app run …`: the hall on its defaults (env HALL_DB / HALL_CONFIG)."""
    from web import create_app as factory
    return factory(os.environ.get("HALL_CONFIG"), os.environ.get("HALL_DB", DEFAULT_DB))


# --- serving ------------------------------------------------------------------------------
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
           device_warnings: list[str] = ()) -> str:
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
        log.exception("counting past days for statistics failed")


def serve(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="run.py", description="Start the hall server.")
    p.add_argument("--host", default="0.0.0.0")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--db", default=str(DEFAULT_DB))
    p.add_argument("--config", default=None)
    p.add_argument("--demo", action="store_true", help="mock devices and demo accounts (password demo)")
    p.add_argument("--public-url", default=None, help="the address phones reach (overrides the config)")
    p.add_argument("--server", choices=("threading", "gevent"), default=_server_choice([]))
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
        from drivers.mock.demo import start_mocks
        mocks = start_mocks(config, Path(args.db).resolve().parent / "mock-paper")
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
                                device_warnings))
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
        server = make_server(args.host, args.port, app, threaded=True, fd=args.listen_fd)

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
        from drivers.mock.demo import start_mocks
        mocks = start_mocks(load_config(args.config), Path(args.db).resolve().parent / "mock-paper")
    try:
        return Supervisor(args.workers, worker_argv, args.host, args.port, args.redis,
                          Path(args.db).resolve().parent, mocks.paths if mocks else None).run()
    finally:
        if mocks:
            mocks.close()


# --- staff and the day --------------------------------------------------------------------
def users(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="run.py users", description="Manage staff accounts.")
    sub = p.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add", help="create an account (or --replace an existing one)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=("clerk", "guide", "manager", "admin"))
    add.add_argument("--password", help="asked for when left out")
    add.add_argument("--replace", action="store_true", help="reset an existing account")
    add.add_argument("--name", help="the name shown on the counter screen")
    add.add_argument("--staff-no", help="the staff number (工号) shown on the counter screen")
    add.add_argument("--db", default=str(DEFAULT_DB))
    ls = sub.add_parser("list", help="list accounts")
    ls.add_argument("--db", default=str(DEFAULT_DB))
    dis = sub.add_parser("disable", help="disable an account")
    dis.add_argument("username")
    dis.add_argument("--db", default=str(DEFAULT_DB))
    en = sub.add_parser("enable", help="enable an account again")
    en.add_argument("username")
    en.add_argument("--db", default=str(DEFAULT_DB))
    args = p.parse_args(argv)

    from core.staff import StaffAccounts
    from core.store import Store
    store = Store(args.db)
    accounts = StaffAccounts(store)
    try:
        if args.action == "add":
            password = args.password or getpass.getpass(f"password for {args.username}: ")
            m = accounts.add(args.username, args.role, password, replace=args.replace,
                             display_name=args.name, staff_no=args.staff_no)
            print(f"added {m.username} ({m.role})")
        elif args.action == "list":
            for m in accounts.all():
                print(f"{m.username:<24} {m.role:<8} {'disabled' if m.disabled else 'active'}")
        else:
            m = accounts.set_disabled(args.username, args.action == "disable")
            print(f"{m.username}: {'disabled' if m.disabled else 'active'}")
    finally:
        store.close()
    return 0


def day(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="run.py day", description="The business day.")
    sub = p.add_subparsers(dest="action", required=True)
    reset = sub.add_parser("reset", help="end the day now: close live tickets and counters, "
                                         "restart numbering at 001")
    reset.add_argument("--db", default=str(DEFAULT_DB))
    reset.add_argument("--config", default=None)
    args = p.parse_args(argv)

    from core.hall import Hall
    from core.store import Store
    store = Store(args.db)
    try:
        closed, _ = Hall(load_config(args.config), store).reset_day()
        print(f"day reset: {closed} live ticket(s) closed; numbering restarts at 001")
    finally:
        store.close()
    return 0


def _backups(store, config, clock=None):
    from core.backups import Backups
    return Backups(store, config.backup.dir, config.backup.keep, config.hall.tz, clock)


def backup(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="run.py backup", description="Copies of the hall's database.")
    sub = p.add_subparsers(dest="action", required=True)
    for name, text in (("now", "copy the database now (the server may be running)"),
                       ("list", "list the copies")):
        one = sub.add_parser(name, help=text)
        one.add_argument("--db", default=str(DEFAULT_DB))
        one.add_argument("--config", default=None)
    back = sub.add_parser("restore", help="put a copy back as the database (stop the server first)")
    back.add_argument("copy")
    back.add_argument("--db", default=str(DEFAULT_DB))
    args = p.parse_args(argv)

    if args.action == "restore":
        from core.backups import restore
        aside = restore(args.copy, args.db)
        print(f"restored {args.copy} as {args.db}; the database it replaced is kept as {aside}")
        return 0
    from core.store import Store
    config = load_config(args.config)
    store = Store(args.db)
    try:
        backups = _backups(store, config)
        if args.action == "now":
            print(f"copied to {backups.take(by_hand=True)}")
        else:
            for path in backups.all():
                print(f"{path}  {path.stat().st_size / 1e6:8.1f} MB")
    finally:
        store.close()
    return 0


class _ClosedWebSocketNoise(logging.Filter):
    """Werkzeug reads the bytes a client sends after its WebSocket closed as a bad HTTP request
    and logs an error; those are WebSocket frames (first byte 0x81/0x82/0x88…), not a fault."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        if "code 400" not in msg:
            return True
        quoted = msg[msg.find("('") + 2:] if "('" in msg else ""
        # The bytes appear escaped (a repr): a frame opcode reads as \x81, \x88 …
        return not (quoted.startswith("\\x8") or "\x80" <= quoted[:1] <= "\x8f")


def agent(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="run.py agent",
                                description="Run a kiosk PC's printer and ID-card reader for the hall server.")
    p.add_argument("--server", required=True, help="the hall server, e.g. http://10.0.0.5:5000")
    p.add_argument("--kiosk", required=True, help="this kiosk's id in the hall's config")
    p.add_argument("--key", default=os.environ.get("HALL_AGENT_KEY"),
                   help="the kiosk's agent_key from the config (or env HALL_AGENT_KEY)")
    p.add_argument("--printer", help="printer port or pyserial URL")
    p.add_argument("--printer-baud", type=int, default=9600)
    p.add_argument("--reader", help="ID-card reader port")
    p.add_argument("--reader-baud", type=int, default=115200)
    args = p.parse_args(argv)
    if not args.key:
        p.error("--key (or HALL_AGENT_KEY) is required")
    from drivers.agent import DeviceAgent
    a = DeviceAgent(args.server, args.kiosk, args.key, args.printer, args.reader,
                    args.printer_baud, args.reader_baud)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    a.start()
    print(f"device agent for kiosk {args.kiosk} → {args.server}", flush=True)
    stop.wait()
    a.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_ClosedWebSocketNoise())
    logging.getLogger("werkzeug").addFilter(_ClosedWebSocketNoise())
    try:
        if argv[:1] == ["users"]:
            return users(argv[1:])
        if argv[:1] == ["day"]:
            return day(argv[1:])
        if argv[:1] == ["agent"]:
            return agent(argv[1:])
        if argv[:1] == ["backup"]:
            return backup(argv[1:])
        if argv[:1] in (["sync"], ["central"]):      # a company of halls (central/)
            from central.cli import main as company
            return company(argv, DEFAULT_DB)
        if argv[:1] == ["simulate"]:
            from sim.cli import main as simulate
            return simulate(argv[1:], DEFAULT_DB)
        return serve(argv)
    except ConfigError as e:
        print(f"hall: cannot start: {e}", file=sys.stderr)
        return 2
    except StoreError as e:
        print(f"hall: cannot start: {e}", file=sys.stderr)
        return 2
    except HallError as e:
        print(f"hall: {e.message} ({e.code})", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"hall: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
