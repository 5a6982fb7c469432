"""`make bench`: every benchmark, each beside its baseline from the same run.

    python -m bench [--server threading|gevent|both] [--only issue calls …]
"""
from __future__ import annotations

import argparse
import platform
import os

from . import calls, central, devices, display, estimate, issue, kiosk, scaled, staff, stats


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench")
    p.add_argument("--server", choices=("threading", "gevent", "both"), default="threading")
    p.add_argument("--only", nargs="+", choices=("issue", "calls", "devices", "kiosk", "display", "staff", "stats", "estimate",
                                                "central", "scaled"))
    args = p.parse_args()
    chosen = set(args.only or ("issue", "calls", "devices", "kiosk", "display", "staff", "stats",
                               "estimate", "central", "scaled"))
    print(f"# hall benchmarks — {platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} CPUs")
    if "devices" in chosen:
        devices.run()
    if "kiosk" in chosen:
        kiosk.run()
    if "display" in chosen:
        display.run()
    if "staff" in chosen:
        staff.run()
    if "estimate" in chosen:
        estimate.run()
    if "stats" in chosen:
        stats.run()
    if "central" in chosen:
        central.run()
    servers = ("threading", "gevent") if args.server == "both" else (args.server,)
    for server in servers:
        if "issue" in chosen:
            issue.run(server)
        if "calls" in chosen:
            calls.run(server)
        if "scaled" in chosen:
            scaled.run(server)


if __name__ == "__main__":
    main()
