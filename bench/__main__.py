"""`make bench`: every benchmark, each beside its baseline from the same run.

    python -m bench [--server gthread|gevent|dev|all] [--only issue calls serving …]
"""
from __future__ import annotations

import argparse
import platform
import os

from . import calls, central, crm, devices, display, estimate, issue, kiosk, scaled, serving, staff, stats


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench")
    p.add_argument("--server", choices=("gthread", "gevent", "dev", "all"), default="gthread",
                   help="the server of the issue, calls and scaled benchmarks (serving compares all)")
    p.add_argument("--only", nargs="+", choices=("issue", "calls", "devices", "crm", "kiosk", "display", "staff", "stats",
                                                "estimate", "central", "scaled", "serving"))
    args = p.parse_args()
    chosen = set(args.only or ("issue", "calls", "devices", "crm", "kiosk", "display", "staff", "stats",
                               "estimate", "central", "scaled", "serving"))
    print(f"# hall benchmarks — {platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} CPUs")
    if "devices" in chosen:
        devices.run()
    if "crm" in chosen:
        crm.run()
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
    if "serving" in chosen:
        serving.run()
    servers = ("gthread", "gevent", "dev") if args.server == "all" else (args.server,)
    for server in servers:
        if "issue" in chosen:
            issue.run(server)
        if "calls" in chosen:
            calls.run(server)
        if "scaled" in chosen:
            scaled.run(server)


if __name__ == "__main__":
    main()
