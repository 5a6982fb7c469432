"""`make bench`: every benchmark, each beside its baseline from the same run.

    python -m bench [--server threading|gevent|both] [--only issue|calls]
"""
from __future__ import annotations

import argparse
import platform
import os

from . import calls, devices, display, issue, kiosk, staff


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench")
    p.add_argument("--server", choices=("threading", "gevent", "both"), default="threading")
    p.add_argument("--only", choices=("issue", "calls", "devices", "kiosk", "display", "staff"))
    args = p.parse_args()
    print(f"# hall benchmarks — {platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} CPUs")
    if args.only in (None, "devices"):
        devices.run()
    if args.only in (None, "kiosk"):
        kiosk.run()
    if args.only in (None, "display"):
        display.run()
    if args.only in (None, "staff"):
        staff.run()
    servers = ("threading", "gevent") if args.server == "both" else (args.server,)
    for server in servers:
        if args.only in ("devices", "kiosk", "display", "staff"):
            break
        if args.only in (None, "issue"):
            issue.run(server)
        if args.only in (None, "calls"):
            calls.run(server)


if __name__ == "__main__":
    main()
