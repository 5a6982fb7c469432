"""`run.py devices add|list|revoke`: enrolling the hall's kiosks, counter screens and displays
from the server's shell (the same as /manager/devices; docs/security.md). `run.py devices
serve`: the process that owns the serial devices (serving.serve_devices)."""
from __future__ import annotations

import argparse
from datetime import datetime


def main(argv: list[str], default_db) -> int:
    if argv[:1] == ["serve"]:
        from serving import serve_devices
        return serve_devices(argv[1:])
    p = argparse.ArgumentParser(prog="run.py devices",
                                description="The devices the hall trusts (kiosks, counter screens, displays).")
    sub = p.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add", help="enrol a device; prints its credential and pair link once")
    add.add_argument("kind", choices=("kiosk", "counter_screen", "display"))
    add.add_argument("target", nargs="?", help="the kiosk id, the counter id, or a display zone")
    add.add_argument("--name", help="what the admin's list calls it")
    ls = sub.add_parser("list", help="list enrolled devices (never a credential)")
    ls.add_argument("--all", action="store_true", help="revoked ones too")
    rv = sub.add_parser("revoke", help="revoke a device at once")
    rv.add_argument("device")
    sub.add_parser("serve", help="the process owning the serial devices and the nightly jobs "
                                 "(run.py devices serve --help)", add_help=False)
    for parser in (add, ls, rv):
        parser.add_argument("--db", default=str(default_db))
        parser.add_argument("--config", default=None)
        parser.add_argument("--public-url", default=None, help="for the pair link (default: the config's)")
    args = p.parse_args(argv)

    from core.config import load_config
    from core.enrolment import Enrolment
    from core.errors import HallError
    from core.store import Store
    config = load_config(args.config)
    store = Store(args.db)
    enrolment = Enrolment(store, config)
    try:
        if args.action == "add":
            device, token = enrolment.enrol(args.kind, args.target, args.name, by="cli")
            url = (args.public_url or config.hall.public_url or "http://127.0.0.1:5000").rstrip("/")
            print(f"enrolled {device.id}  {device.kind} {device.target or '-'}  {device.name}")
            print(f"credential (shown once): {token}")
            print(f"pair link: {url}/pair/{token}")
        elif args.action == "list":
            for d in enrolment.all(include_revoked=args.all):
                seen = datetime.fromtimestamp(d.last_seen).strftime("%Y-%m-%d %H:%M") if d.last_seen else "never"
                state = "revoked" if d.revoked_at else ("online" if enrolment.online(d) else "offline")
                print(f"{d.id:<10} {d.kind:<15} {d.target or '-':<6} {state:<8} {seen:<17} {d.name}")
        else:
            d = enrolment.revoke(args.device, by="cli")
            print(f"{d.id}: revoked")
    except HallError as e:
        print(f"run.py devices: {e.message} ({e.code})", file=__import__("sys").stderr)
        return 1
    finally:
        store.close()
    return 0
