"""`run.py sync` (a hall's log to the central PostgreSQL) and `run.py central` (the company's
view, and its accounts).

    run.py sync --to postgresql://… [--db FILE] [--config FILE] [--follow [--every S]] [--batch N]
    run.py central --db postgresql://… [--host H] [--port P]
    run.py central users add|list|disable|enable [NAME] --db postgresql://… [--password PW]

The URL may come from $HALL_CENTRAL_URL instead (a password on the command line is in every
`ps` listing); libpq's PGPASSWORD and ~/.pgpass work too. It is never printed with its password.
"""
from __future__ import annotations

import argparse
import getpass
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from core.config import load_config
from core.errors import HallError
from core.store import Store

from .store import CentralStore, check_url, redact

ENV_URL = "HALL_CENTRAL_URL"
log = logging.getLogger("hall.sync")


def _url(value: str | None) -> str:
    return check_url(value or os.environ.get(ENV_URL))


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    return stop


def sync(argv: list[str], default_db: Path) -> int:
    from .sync import BATCH, follow, sync_once
    p = argparse.ArgumentParser(prog="run.py sync",
                                description="Push the hall's event log to the company's central "
                                            "PostgreSQL (what is missing there, in batches).")
    p.add_argument("--to", help=f"postgresql://user:password@host:5432/db (or ${ENV_URL})")
    p.add_argument("--db", default=str(default_db))
    p.add_argument("--config", default=None)
    p.add_argument("--follow", action="store_true", help="keep syncing; ride out the server's absences")
    p.add_argument("--every", type=float, default=60.0, help="seconds between syncs with --follow")
    p.add_argument("--batch", type=int, default=BATCH, help="events per transaction")
    args = p.parse_args(argv)
    if args.every <= 0 or args.batch < 1:
        p.error("--every and --batch must be positive")
    url = _url(args.to)
    if not Path(args.db).exists():
        raise HallError("no_database", f"{args.db}: 没有这个营业厅数据库 (no such hall database)")
    config = load_config(args.config)
    store = Store(args.db)
    try:
        if args.follow:
            stop = _stop_on_signals()
            log.info("syncing hall %s to %s every %.0f s", config.hall.code, redact(url), args.every)
            follow(store, config, lambda: CentralStore(url), args.every, stop, args.batch)
            return 0
        central = CentralStore(url)
        try:
            sent = sync_once(store, config, central, args.batch,
                             lambda n, seq: log.info("sent %d events (to seq %d)", n, seq))
            n, top = central.count(config.hall.code)
        finally:
            central.close()
        print(f"{config.hall.code}: sent {sent} events to {central.shown}; it holds {n} "
              f"events of this hall, up to seq {top}")
        return 0
    finally:
        store.close()


def _users(central: CentralStore, argv: list[str]) -> int:
    from .app import add_account, set_disabled
    p = argparse.ArgumentParser(prog="run.py central users",
                                description="Accounts that may open the central view.")
    p.add_argument("action", choices=("add", "list", "disable", "enable"))
    p.add_argument("username", nargs="?")
    p.add_argument("--password", help="asked for when left out")
    p.add_argument("--replace", action="store_true", help="reset an existing account's password")
    args = p.parse_args(argv)
    if args.action == "list":
        for a in central.accounts():
            print(f"{a['username']:<24} {'disabled' if a['disabled'] else 'active'}")
        return 0
    if not args.username:
        p.error(f"{args.action} needs a username")
    if args.action == "add":
        add_account(central, args.username, args.password or getpass.getpass(
            f"password for {args.username}: "), replace=args.replace)
        print(f"added {args.username}")
    else:
        set_disabled(central, args.username, args.action == "disable")
        print(f"{args.username}: {'disabled' if args.action == 'disable' else 'active'}")
    return 0


def central(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="run.py central",
                                description="The company's view: the halls side by side.")
    p.add_argument("--db", help=f"postgresql://user:password@host:5432/db (or ${ENV_URL})")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5100)
    args, rest = p.parse_known_args(argv)
    if rest and rest[0] != "users":
        p.error(f"unrecognized arguments: {' '.join(rest)}")
    store = CentralStore(_url(args.db))
    try:
        if rest:
            return _users(store, rest[1:])
        return _serve(store, args.host, args.port)
    finally:
        store.close()


def _serve(store: CentralStore, host: str, port: int) -> int:
    from werkzeug.serving import make_server

    from .app import create_app
    server = make_server(host, port, create_app(store), threaded=True)
    stop = _stop_on_signals()
    threading.Thread(target=lambda: (stop.wait(), server.shutdown()), daemon=True).start()
    print(f"\n  公司营业厅对比 central view on http://{host}:{port}/central  ({store.shown})\n"
          f"  accounts: run.py central users add NAME --db …\n", flush=True)
    if not store.accounts():
        print("  ! no account yet: add one with `run.py central users add NAME --db …`", flush=True)
    server.serve_forever()
    return 0


def main(argv: list[str], default_db: Path) -> int:
    """run.py's entry for both commands."""
    try:
        return sync(argv[1:], default_db) if argv[0] == "sync" else central(argv[1:])
    except HallError as e:
        print(f"hall: {e.message}", file=sys.stderr)
        return 1
