"""`run.py` with no command: start the hall server; `run.py devices serve`: the device process.

Production is gunicorn (web/wsgi_server.py): its master starts N workers on one port and
starts a dead one again. With one worker and no Redis, that worker also owns the serial devices
and the nightly jobs; with several (or `--devices separate`, as systemd runs it), the serial
devices, the nightly backup and the statistics' counting belong to one process of their own,
reached through Redis (drivers/relay.py), so that any web worker may die or restart without
taking a printer or a reader with it. `--server dev` is Werkzeug's server, for development.
"""
from __future__ import annotations

import argparse
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



def _parser(usage: str | None, commands: str | None) -> argparse.ArgumentParser:
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
    p.add_argument("--server", choices=("gthread", "gevent", "dev"),
                   default=os.environ.get("HALL_SERVER", "gthread"),
                   help="gunicorn's threaded worker (default), its gevent worker, or dev: "
                        "Werkzeug's development server (or env HALL_SERVER)")
    p.add_argument("--workers", type=int, default=1,
                   help="gunicorn worker processes (more than 1 needs Redis: see --redis)")
    p.add_argument("--threads", type=int, default=1500,
                   help="gthread: threads per worker, each WebSocket holds one (default 1500)")
    p.add_argument("--connections", type=int, default=3000,
                   help="connections per worker, idle and half-open ones included (default 3000)")
    p.add_argument("--redis", default=None, help="Redis URL between the processes (default with "
                   "--workers > 1: a private redis-server)")
    p.add_argument("--devices", choices=("in-worker", "child", "separate"), default=None,
                   help="who owns the serial devices: the one worker (default with --workers 1 "
                        "and no --redis), a child process started here (default otherwise), or "
                        "a process run apart, `run.py devices serve` (systemd)")
    p.add_argument("--access-log", default="-", help="gunicorn's access log: a file, - for "
                   "standard output (default), or none")
    p.add_argument("--certfile", default=None, help="HTTPS directly: the certificate (PEM)")
    p.add_argument("--keyfile", default=None, help="HTTPS directly: its private key (PEM)")
    p.add_argument("--behind-proxy", action="store_true",
                   help="behind nginx on this machine: trust its X-Forwarded-For and -Proto")
    return p


def _build(args, *, owner: bool, message_queue: str | None, worker: int, async_mode: str,
           mock_paths: dict | None = None, mocks=None):
    """The Flask app of one process. `owner`: this process opens the serial devices."""
    from drivers.service import DeviceService, Ports, ports_from_config
    from web import create_app as factory
    config = load_config(args.config)
    public_url = args.public_url or config.hall.public_url or f"http://{lan_address()}:{args.port}"
    ports, warnings = ports_from_config(config, mock_paths) if owner else (None, [])
    app = factory(config, args.db, demo=args.demo, public_url=public_url,
                  devices=DeviceService(ports if owner else Ports({}, {}, {})),
                  async_mode=async_mode, message_queue=message_queue, worker=worker)
    if getattr(args, "behind_proxy", False):
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    return app, warnings


def _start_mocks(args):
    from drivers.mock.control import socket_path
    from drivers.mock.demo import start_mocks
    return start_mocks(load_config(args.config), Path(args.db).resolve().parent / "mock-paper",
                       control=socket_path(args.db))


def _housekeeping(app, args, stop: threading.Event) -> None:
    """What one process of the hall does: count past days for statistics, take the nightly copy."""
    hall = app.extensions["hall"].hall
    config = hall.config
    threading.Thread(target=keep_tallies, args=(hall,), daemon=True).start()
    threading.Thread(target=nightly_backups, daemon=True,
                     args=(_backups(hall.store, config, hall.clock), config.backup.at, stop)).start()


def _close(app, mocks=None) -> None:
    ctx = app.extensions["hall"]
    ctx.devices.close()
    if mocks:
        mocks.close()
    ctx.hall.store.close()


def serve(argv: list[str], usage: str | None = None, commands: str | None = None) -> int:
    """`usage` and `commands` (run.py's sub-commands) make `run.py --help` list them."""
    p = _parser(usage, commands)
    args = p.parse_args(argv)
    if args.workers < 1:
        p.error("--workers must be at least 1")
    if args.server == "dev":
        if args.workers > 1 or args.redis or args.devices not in (None, "in-worker"):
            p.error("--server dev is one process: --workers, --redis and --devices need gunicorn")
        return _serve_dev(args)
    if args.certfile and not args.keyfile:
        p.error("--certfile needs --keyfile")
    devices = args.devices or ("in-worker" if args.workers == 1 and not args.redis else "child")
    if devices == "in-worker" and args.workers > 1:
        p.error("--devices in-worker is for one worker: several would each open the ports")
    if devices == "separate" and not args.redis:
        p.error("--devices separate needs --redis: the web workers reach the device process through it")
    return _serve_gunicorn(args, devices, argv)


# A file-size limit reached (a full quota) fails the write; by default it would kill the hall.
def _survive_a_full_disk() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def _serve_dev(args) -> int:
    import serving_dev
    mocks = _start_mocks(args) if args.demo else None
    app, warnings = _build(args, owner=True, message_queue=None, worker=0, async_mode="threading",
                           mock_paths=mocks.paths if mocks else None)
    _print_banner(app, args, "development server, Werkzeug", mocks, warnings)
    _survive_a_full_disk()
    stop = threading.Event()
    _housekeeping(app, args, stop)
    drained = serving_dev.run(app, args.host, args.port, stop)
    _close(app, mocks)
    log.info("stopped cleanly%s", "" if drained else " (some requests were still running)")
    return 0


def _print_banner(app, args, server: str, mocks, warnings, drive: bool = True) -> None:
    sys.stdout.write(banner(app, args.host, args.port, args.demo, server, mocks, warnings,
                            _drive_hint(args.db, mocks) if args.demo and drive else ()))
    sys.stdout.flush()


def _serve_gunicorn(args, devices: str, argv: list[str]) -> int:
    # Before any fork: a broken config or database stops start-up here with its message (in a
    # worker it would be "worker failed to boot"), and the database is migrated once.
    load_config(args.config)
    from core.store import Store
    Store(args.db).close()
    if devices == "child":
        return _serve_beside_children(args, argv)
    from web import sockets, wsgi_server
    name = f"gunicorn {args.server}, {args.workers} worker{'s' * (args.workers > 1)}"
    held = {}                                   # this worker's app and mocks (one per worker)

    def make_app():
        owner = devices == "in-worker"
        mocks = _start_mocks(args) if args.demo and owner else None
        app, warnings = _build(args, owner=owner, message_queue=None if owner else args.redis,
                               worker=0 if owner else os.getpid(),
                               async_mode="gevent" if args.server == "gevent" else "threading",
                               mock_paths=mocks.paths if mocks else None)
        held.update(app=app, mocks=mocks)
        if owner:
            _housekeeping(app, args, threading.Event())
        if _first_worker():
            _print_banner(app, args, name, mocks, warnings, drive=owner)
        return app

    options = wsgi_server.options(
        host=args.host, port=args.port, workers=args.workers, worker_class=args.server,
        threads=args.threads, connections=args.connections,
        access_log=None if args.access_log == "none" else args.access_log,
        certfile=args.certfile, keyfile=args.keyfile, proxied=args.behind_proxy)
    options["post_fork"] = lambda _arbiter, worker: _FIRST.append(worker.age)
    _survive_a_full_disk()
    try:
        wsgi_server.HallServer(
            make_app, options,
            on_stop=lambda app: sockets.drop_every_socket(app.extensions["hall"].socketio),
            on_exit=lambda app: (_close(app, held.get("mocks")),
                                 log.info("worker %s stopped cleanly", os.getpid()))).run()
    except SystemExit as e:                     # gunicorn's master ends with sys.exit
        return int(e.code or 0)
    return 0


def _serve_beside_children(args, argv: list[str]) -> int:
    """`--workers N` on a machine without systemd: a private Redis (unless --redis), the device
    process and gunicorn, each a child of this one (hall_processes.py), stopped together."""
    from hall_processes import Children
    children = Children(Path(args.db).resolve().parent, args.redis)
    try:
        children.start_devices(_device_argv(args, children.redis_url))
        web = _without(_without(argv, "--devices"), "--redis")
        return children.run_web([*web, "--devices", "separate", "--redis", children.redis_url])
    finally:
        children.stop()


def _without(argv: list[str], flag: str) -> list[str]:
    """argv without `flag VALUE` or `flag=VALUE`."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a == flag:
            skip = True
        elif not a.startswith(flag + "="):
            out.append(a)
    return out


_FIRST: list[int] = []          # in a worker: its age (1 for the first one the master started)


def _first_worker() -> bool:
    return _FIRST[:1] == [1]


def _device_argv(args, queue: str) -> list[str]:
    argv = ["--db", args.db, "--redis", queue]
    for flag, value in (("--config", args.config), ("--public-url", args.public_url)):
        if value:
            argv += [flag, value]
    return argv + (["--demo"] if args.demo else [])


def serve_devices(argv: list[str]) -> int:
    """`run.py devices serve`: the process that owns the hall's serial printers, ID-card readers
    and call pads, and does the nightly jobs; the web workers reach it through Redis."""
    p = argparse.ArgumentParser(prog="run.py devices serve", description=serve_devices.__doc__)
    p.add_argument("--db", default=str(DEFAULT_DB))
    p.add_argument("--config", default=None)
    p.add_argument("--redis", required=True, help="the Redis the web workers use")
    p.add_argument("--demo", action="store_true", help="mock devices on pseudo-terminals")
    p.add_argument("--public-url", default=None)
    p.add_argument("--port", type=int, default=5000, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    mocks = _start_mocks(args) if args.demo else None
    app, warnings = _build(args, owner=True, message_queue=args.redis, worker=0,
                           async_mode="threading", mock_paths=mocks.paths if mocks else None)
    owned = app.extensions["hall"].devices.local.owned()
    print(f"  device process: {len(owned)} device(s) {', '.join(sorted(owned))}; "
          f"web workers reach them through {args.redis}", flush=True)
    for line in ([f"  ! {w}" for w in warnings]
                 + (_drive_hint(args.db, mocks) if args.demo else [])):
        print(line, flush=True)
    _survive_a_full_disk()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    _housekeeping(app, args, stop)
    stop.wait()
    _close(app, mocks)
    log.info("device process stopped")
    return 0
