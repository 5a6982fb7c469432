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
    run.py keys rotate-session|path [--db FILE]
    run.py simulate --days N [--counters 6|4,5,6|3-8] [--arrivals 600|9:50,10:70,…] [--db FILE]
    run.py agent --server URL --kiosk K1 --key KEY [--printer PORT] [--reader PORT]
    run.py sync --to postgresql://… [--follow [--every S]] [--db FILE] [--config FILE]
    run.py central --db postgresql://… [--host H] [--port P]
    run.py central users add|list|disable|enable …
    run.py mock status|printer|card|reader|pad …   (drives a running demo's mock devices)
    run.py devices add kiosk|counter_screen|display [TARGET] [--name N] | list | revoke ID

`run.py --help` lists the commands; `run.py COMMAND --help` explains one.
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
import logging  # noqa: E402
import signal  # noqa: E402
import threading  # noqa: E402
from pathlib import Path  # noqa: E402

from core.errors import ConfigError, HallError, StoreError  # noqa: E402

ROOT = Path(__file__).resolve().parent
DEFAULT_DB = ROOT / "var" / "hall.db"

log = logging.getLogger("hall")


def create_app():
    """For `flask --app run …`: the hall on its defaults (env HALL_DB / HALL_CONFIG)."""
    from web import create_app as factory
    return factory(os.environ.get("HALL_CONFIG"), os.environ.get("HALL_DB", DEFAULT_DB))


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

    from core.config import load_config
    from core.hall import Hall
    from core.store import Store
    store = Store(args.db)
    try:
        closed, _ = Hall(load_config(args.config), store).reset_day()
        print(f"day reset: {closed} live ticket(s) closed; numbering restarts at 001")
    finally:
        store.close()
    return 0


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
    from core.config import load_config
    from core.store import Store
    config = load_config(args.config)
    store = Store(args.db)
    try:
        from serving import _backups
        backups = _backups(store, config)
        if args.action == "now":
            print(f"copied to {backups.take(by_hand=True)}")
        else:
            for path in backups.all():
                print(f"{path}  {path.stat().st_size / 1e6:8.1f} MB")
    finally:
        store.close()
    return 0


def keys(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="run.py keys", description="The hall's secrets, kept beside "
                                "the database in <db>.keys (docs/security-sessions.md).")
    sub = p.add_subparsers(dest="action", required=True)
    rot = sub.add_parser("rotate-session", help="a new session key: every staff session ends now "
                                                "(restart the server to sign with the new key)")
    rot.add_argument("--db", default=str(DEFAULT_DB))
    rot.add_argument("--config", default=None)
    where = sub.add_parser("path", help="where the key file is")
    where.add_argument("--db", default=str(DEFAULT_DB))
    args = p.parse_args(argv)

    from core import keys as key_file
    from core.store import Store
    store = Store(args.db)           # an older database moves its keys out here
    try:
        if args.action == "path":
            print(store.keys.path or "(a database in memory has no key file)")
            return 0
        from core.config import load_config
        from core.sessions import Sessions
        key_file.rotate_session(args.db)
        ended = Sessions(store, tz=load_config(args.config).hall.tz).end_all("session_key_rotated")
        print(f"new session key in {store.keys.path}; {ended} staff session(s) ended")
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
                   help="the kiosk's enrolled credential (run.py devices add kiosk K1; or env HALL_AGENT_KEY)")
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


def mock(argv: list[str]) -> int:
    from drivers.mock.control import main as control
    return control(argv, DEFAULT_DB)


def _simulate(argv: list[str]) -> int:
    from sim.cli import main as simulate
    return simulate(argv, DEFAULT_DB)


def _company(name: str):
    def run(argv: list[str]) -> int:                # a company of halls (central/)
        from central.cli import main as company
        return company([name, *argv], DEFAULT_DB)
    return run


# run.py's sub-commands: name → (what it does, in one line; its entry with the rest of argv).
COMMANDS = {
    "users": ("staff accounts: add, list, disable, enable", users),
    "day": ("the business day: reset (end it now; numbering restarts at 001)", day),
    "backup": ("copies of the database: now, list, restore", backup),
    "keys": ("the hall's secrets: rotate-session (every staff session ends), path", keys),
    "simulate": ("simulated busy days into a database; how many windows each hour needs",
                 _simulate),
    "agent": ("run a kiosk PC's printer and ID-card reader for a hall server", agent),
    "sync": ("push the hall's event log to the company's central PostgreSQL", _company("sync")),
    "central": ("the company's view of its halls side by side, and its accounts",
                _company("central")),
    "mock": ("drive a running demo's mock devices: paper out, a card placed, a key pressed …",
             mock),
    "devices": ("the devices the hall trusts: add (enrol a kiosk or screen), list, revoke; serve",
                lambda argv: __import__("devices_cli").main(argv, DEFAULT_DB)),
}
USAGE = ("%(prog)s [--host H] [--port P] [--db FILE] [--config FILE] [--demo] [--public-url URL]\n"
         "              [--server gthread|gevent|dev] [--workers N [--redis URL] [--devices …]]\n"
         "       %(prog)s COMMAND …   (%(prog)s COMMAND --help)")


def _commands_help() -> str:
    return "\n".join([f"  {name:<10} {text}" for name, (text, _) in COMMANDS.items()]
                     + [f"  {'help':<10} this list, or `run.py help COMMAND`"])


def _serve(argv: list[str]) -> int:
    from serving import serve
    return serve(argv, usage=USAGE, commands=_commands_help())


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["help"]:
        if argv[1:2] and argv[1] in COMMANDS:
            argv = [argv[1], "--help"]
        else:
            argv = ["--help"]
    if argv and not argv[0].startswith("-") and argv[0] not in COMMANDS:
        print(f"run.py: unknown command {argv[0]!r}; the commands: {', '.join(COMMANDS)} "
              "(run.py --help)", file=sys.stderr)
        return 2
    # Whatever the hall writes (database, journal, backups, key file, logs): its user's alone.
    os.umask(0o077)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_ClosedWebSocketNoise())
    logging.getLogger("werkzeug").addFilter(_ClosedWebSocketNoise())
    try:
        if argv and argv[0] in COMMANDS:
            return COMMANDS[argv[0]][1](argv[1:])
        return _serve(argv)
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
