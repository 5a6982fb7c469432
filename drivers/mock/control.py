"""Driving the demo's mock devices while the demo runs: `run.py mock <device> <command>`.

The demo process (`run.py --demo`) listens on a Unix socket in its state directory, next to
the database (`var/mock-control.sock`, mode 0600, and only a client of the same user is
answered; never on the network). A client sends one JSON line and reads one JSON line back:

    → {"device": "printer", "command": "paper-out", "target": "k1"}
    ← {"ok": true, "message": "printer k1: paper out …"}

The commands flip the mocks' own switches (`MockPrinter.set_state`, `MockIdCardReader.place`,
`.stick`, `MockCallPad.press`), so the hall's real drivers see the change in the bytes on the
pty (DLE EOT status, reader answers, pad lines) as they would from real hardware.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import stat
import struct
import sys
import threading
from datetime import date
from pathlib import Path

log = logging.getLogger("hall.mock-control")

SOCKET_NAME = "mock-control.sock"
MAX_REQUEST = 4096

# Names for the cards of drivers/mock/cards.json (an index works too).
CARD_NAMES = {
    "senior": (0, "张三, born 1958: a senior (green channel)"),
    "elder": (3, "王秀英, born 1948: a senior"),
    "young": (1, "古丽米拉, born 1999: a young adult"),
    "adult": (2, "欧阳小明, born 1985"),
    "hk-permit": (4, "陈大文: a Hong Kong/Macau/Taiwan residence permit (expired 2025-06-01)"),
    "foreigner": (5, "SMITH, JOHN: a foreigner's permanent residence permit (2017 model)"),
    "foreigner-2023": (6, "MARTIN, MARIE CLAIRE: a foreigner's permanent residence permit (2023)"),
}

PRINTER_COMMANDS = {
    "paper-out": ({"paper": "out"}, "paper out"),
    "paper-near-end": ({"paper": "near_end"}, "paper near its end (still prints)"),
    "paper-ok": ({"paper": "ok"}, "paper ok"),
    "cover-open": ({"cover_open": True}, "cover open"),
    "cover-closed": ({"cover_open": False}, "cover closed"),
    "offline": ({"unplugged": True}, "offline (cable pulled: answers nothing)"),
    "online": ({"unplugged": False}, "cable plugged back"),
    "normal": ({"paper": "ok", "cover_open": False, "unplugged": False}, "back to normal"),
}
READER_MODES = {
    "silent": ("silent", "silent (answers nothing)"),
    "garbage": ("garble", "answering garbage (broken frames)"),
    "bad-checksum": ("badsum", "answering with bad checksums"),
    "normal": (None, "back to normal"),
}
PAD_KEYS = ("CALL", "RECALL", "NOSHOW", "START", "FINISH", "PAUSE", "PARK", "BACK")   # drivers/callpad.py


def socket_path(db: str | Path) -> Path:
    """The control socket of the demo whose database is `db` (its state directory)."""
    return Path(db).resolve().parent / SOCKET_NAME


class ControlError(Exception):
    """A command the demo refused (unknown kiosk, card …): the message says what to do."""


# --- the demo's side ------------------------------------------------------------------------
def _age(card: dict) -> int | None:
    try:
        born = date(int(card["birth"][:4]), int(card["birth"][4:6]), int(card["birth"][6:8]))
    except (KeyError, ValueError):
        return None
    today = date.today()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _describe(card: dict | None) -> str:
    if card is None:
        return "no card"
    name = card.get("name", "?")
    if card.get("english_name"):
        name += f" ({card['english_name']})"
    age = _age(card)
    return f"{name}, {card.get('card_type', 'resident')}" + (f", {age}" if age is not None else "")


class Controller:
    """Answers control requests against a demo's MockSet ("printer:k1" → MockPrinter …)."""

    def __init__(self, mocks):
        self.mocks = mocks

    def _target(self, kind: str, target: str | None, what: str = "kiosk"):
        owners = [key.split(":", 1)[1] for key in self.mocks if key.startswith(kind + ":")]
        if not owners:
            raise ControlError(f"the demo has no mock {kind}")
        owner = target or owners[0]
        if owner not in owners:
            raise ControlError(f"no mock {kind} at {what} {owner!r} (the demo's: {', '.join(owners)})")
        return owner, self.mocks[f"{kind}:{owner}"]

    def handle(self, request: dict) -> dict:
        device, command = request.get("device"), request.get("command")
        target, arg = request.get("target"), request.get("arg")
        if device == "status":
            return {"ok": True, "message": self.status()}
        if device == "printer":
            return {"ok": True, "message": self.printer(command, target)}
        if device == "card":
            return {"ok": True, "message": self.card(command, target, arg)}
        if device == "reader":
            return {"ok": True, "message": self.reader(command, target)}
        if device == "pad":
            return {"ok": True, "message": self.pad(command, target)}
        raise ControlError(f"unknown device {device!r}: printer, card, reader, pad or status")

    def printer(self, command: str, target: str | None) -> str:
        kiosk, m = self._target("printer", target)
        if command == "tickets":
            if not m.tickets:
                return f"printer {kiosk}: no ticket printed yet"
            return (f"printer {kiosk}: {len(m.tickets)} ticket(s) printed; the last:\n"
                    + m.tickets[-1].text())
        if command not in PRINTER_COMMANDS:
            raise ControlError(f"unknown printer command {command!r}: "
                               f"{' · '.join([*PRINTER_COMMANDS, 'tickets'])}")
        change, said = PRINTER_COMMANDS[command]
        m.set_state(**change)
        return f"printer {kiosk}: {said} — now {self._printer_state(m)}"

    @staticmethod
    def _printer_state(m) -> str:
        return (f"paper {m.paper}, cover {'open' if m.cover_open else 'closed'}, "
                f"cable {'pulled' if m.unplugged else 'in'}, {len(m.tickets)} printed")

    def card(self, command: str, target: str | None, arg: str | None) -> str:
        kiosk, m = self._target("idcard", target)
        if command == "list":
            named = {i: name for name, (i, _) in CARD_NAMES.items()}
            return "\n".join(f"{named.get(i, str(i)):<15} {i}  {_describe(c)}"
                             for i, c in enumerate(m.cards))
        if command == "remove":
            m.remove()
            return f"reader {kiosk}: card removed"
        if command != "place":
            raise ControlError(f"unknown card command {command!r}: place NAME · remove · list")
        index = CARD_NAMES[arg][0] if arg in CARD_NAMES else None
        if index is None and arg is not None and arg.isdigit():
            index = int(arg)
        if index is None or index >= len(m.cards):
            raise ControlError(f"no card {arg!r}: {', '.join(CARD_NAMES)} or 0–{len(m.cards) - 1}"
                               " (run.py mock card list)")
        m.place(index)
        return f"reader {kiosk}: card placed — {_describe(m.card)}"

    def reader(self, command: str, target: str | None) -> str:
        kiosk, m = self._target("idcard", target)
        if command not in READER_MODES:
            raise ControlError(f"unknown reader command {command!r}: {' · '.join(READER_MODES)}")
        fault, said = READER_MODES[command]
        m.stick(fault)
        return f"reader {kiosk}: {said} — card: {_describe(m.card)}"

    def pad(self, command: str, target: str | None) -> str:
        counter, m = self._target("callpad", target, "counter")
        if command == "display":
            return f"pad {counter}: display {m.display!r}" + (
                f"; last error {m.errors[-1]}" if m.errors else "")
        key = (command or "").upper()
        if key not in PAD_KEYS:
            raise ControlError(f"unknown pad key {command!r}: {' '.join(PAD_KEYS)} or display")
        m.press(key)
        return f"pad {counter}: pressed {key}"

    def status(self) -> str:
        lines = []
        for key, m in self.mocks.items():
            kind, owner = key.split(":", 1)
            if kind == "printer":
                lines.append(f"printer {owner:<4} {self._printer_state(m)}  ({m.path})")
            elif kind == "idcard":
                mode = {None: "normal", "silent": "silent", "garble": "garbage",
                        "badsum": "bad checksums"}.get(m.stuck, m.stuck)
                lines.append(f"reader  {owner:<4} {mode}; card: {_describe(m.card)}  ({m.path})")
            elif kind == "callpad":
                lines.append(f"pad     {owner:<4} display {m.display!r}  ({m.path})")
        return "\n".join(lines) or "no mock devices"


class ControlServer:
    """The demo's end of the channel: a Unix socket (0600) answered by a daemon thread."""

    def __init__(self, mocks, path: str | Path):
        self.path = Path(path)
        self.controller = Controller(mocks)
        self._sock: socket.socket | None = None
        self._inode: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "ControlServer":
        """Bind and serve; raises ControlError when the socket cannot be taken."""
        if self.path.exists() or self.path.is_symlink():
            if not stat.S_ISSOCK(os.lstat(self.path).st_mode):
                raise ControlError(f"{self.path} exists and is not a socket: mock control is off")
            if _alive(self.path):
                raise ControlError(f"another demo answers on {self.path}: this demo's mocks "
                                   "cannot be driven")
            self.path.unlink()                  # left by a demo that was killed
        self.path.parent.mkdir(parents=True, exist_ok=True)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            old = os.umask(0o177)               # created 0600, never briefly wider
            try:
                sock.bind(str(self.path))
            finally:
                os.umask(old)
            os.chmod(self.path, 0o600)
            sock.listen(8)
        except OSError as e:
            sock.close()
            raise ControlError(f"cannot listen on {self.path}: {e}") from None
        sock.settimeout(0.2)
        self._sock, self._inode = sock, os.stat(self.path).st_ino
        self._thread = threading.Thread(target=self._loop, name="mock-control", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (socket.timeout, BlockingIOError):
                continue
            except OSError:
                return
            with conn:
                try:
                    self._serve(conn)
                except Exception:               # noqa: BLE001 — one bad client, not the demo
                    log.exception("mock control request")

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(5.0)
        _, uid, _ = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                        struct.calcsize("3i")))
        if uid != os.geteuid():
            conn.sendall(_line({"ok": False, "message": "not the demo's user"}))
            return
        data = b""
        while b"\n" not in data and len(data) < MAX_REQUEST:
            chunk = conn.recv(MAX_REQUEST)
            if not chunk:
                break
            data += chunk
        try:
            request = json.loads(data.split(b"\n", 1)[0])
            if not isinstance(request, dict):
                raise ValueError("not an object")
        except ValueError:
            conn.sendall(_line({"ok": False, "message": "a request is one JSON object on a line"}))
            return
        try:
            answer = self.controller.handle(request)
        except (ControlError, ValueError) as e:
            answer = {"ok": False, "message": str(e)}
        log.info("mock control: %s %s %s → %s", request.get("device"), request.get("command"),
                 request.get("target") or "", "ok" if answer["ok"] else answer["message"])
        conn.sendall(_line(answer))

    def close(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(1)
        if self._sock:
            self._sock.close()
            try:                                # only our own file, not a later demo's
                if os.stat(self.path).st_ino == self._inode:
                    self.path.unlink()
            except OSError:
                pass


def _line(obj: dict) -> bytes:
    return (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")


def _alive(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(1.0)
        try:
            s.connect(str(path))
            return True
        except OSError:
            return False


# --- the command's side -----------------------------------------------------------------------
def send(path: str | Path, request: dict, timeout: float = 10.0) -> dict:
    """One request to a running demo; raises ControlError when none answers at `path`."""
    path = Path(path)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        try:
            s.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError):
            raise ControlError(f"no demo is running here (nothing answers on {path}); start one "
                               "with `run.py --demo`, or pass the demo's --db") from None
        except PermissionError:
            raise ControlError(f"{path} belongs to another user: run the command as the "
                               "demo's user") from None
        s.sendall(_line(request))
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    try:
        return json.loads(data)
    except ValueError:
        raise ControlError(f"the demo gave no answer on {path}") from None


def hint(db: str | Path, default_db: str | Path) -> list[str]:
    """The banner's lines on how to drive the mocks."""
    db_flag = "" if Path(db).resolve() == Path(default_db).resolve() else f" (add --db {db})"
    return [f"  Drive the mocks live{db_flag}: run.py mock printer paper-out|paper-near-end|"
            "cover-open|offline|normal --kiosk k1",
            "    run.py mock card place senior|young|foreigner · card remove · reader silent|garbage|"
            "normal · pad CALL · status  (--help)"]


def main(argv: list[str], default_db: Path) -> int:
    """`run.py mock …`."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS,
                        help=f"the demo's database: its control socket is beside it "
                             f"(default {default_db.parent.name}/{default_db.name})")
    common.add_argument("--socket", default=argparse.SUPPRESS, help="the control socket itself")
    p = argparse.ArgumentParser(
        prog="run.py mock", parents=[common],
        description="Drive the mock devices of a running demo (run.py --demo) through its control\n"
                    "socket (mock-control.sock beside the database, for the demo's user only).\n"
                    "The hall's real drivers see the change on the line, so the kiosk and the\n"
                    "guide's device alerts react as to real hardware (status is polled every 5 s).",
        epilog="examples:\n"
               "  run.py mock status\n"
               "  run.py mock printer paper-out --kiosk k1     then: run.py mock printer normal\n"
               "  run.py mock card place senior --kiosk k2     (run.py mock card list)\n"
               "  run.py mock card remove\n"
               "  run.py mock reader silent                    then: run.py mock reader normal\n"
               "  run.py mock pad CALL --counter 1",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="device", required=True, metavar="DEVICE")
    sub.add_parser("status", parents=[common], help="every mock device and its state")
    pr = sub.add_parser("printer", parents=[common], help="a kiosk's ticket printer",
                        description="Change a kiosk's mock printer.")
    pr.add_argument("command", choices=[*PRINTER_COMMANDS, "tickets"],
                    help="paper-out · paper-near-end · paper-ok · cover-open · cover-closed · "
                         "offline (cable pulled) · online (plugged back) · normal (all of these "
                         "fixed) · tickets (how many printed, and the last)")
    pr.add_argument("--kiosk", help="default: the first kiosk (k1)")
    ca = sub.add_parser("card", parents=[common], help="place or remove an ID card on a reader",
                        description="Place a card on a kiosk's mock reader, or take it off.")
    ca.add_argument("command", choices=("place", "remove", "list"))
    ca.add_argument("card", nargs="?", help=f"with place: {', '.join(CARD_NAMES)} or a number")
    ca.add_argument("--kiosk", help="default: the first kiosk (k1)")
    re_ = sub.add_parser("reader", parents=[common], help="make a reader faulty, or normal again",
                         description="Make a kiosk's mock ID-card reader faulty until normal.")
    re_.add_argument("command", choices=tuple(READER_MODES),
                     help="silent (no answer) · garbage (broken frames) · bad-checksum · normal")
    re_.add_argument("--kiosk", help="default: the first kiosk (k1)")
    pa = sub.add_parser("pad", parents=[common], aliases=["callpad"],
                        help="press a key on a counter's call pad",
                        description="Press a key on a counter's mock call pad (the hall acts as "
                                    "the clerk signed in there), or show its display.")
    pa.add_argument("command", type=str.upper, choices=(*PAD_KEYS, "DISPLAY"), metavar="KEY",
                    help=" · ".join((*PAD_KEYS, "display")))
    pa.add_argument("--counter", help="default: the first counter with a pad (1)")
    args = p.parse_args(argv)

    device = "pad" if args.device == "callpad" else args.device
    if device == "card" and args.command == "place" and not args.card:
        p.error(f"card place needs a card: {', '.join(CARD_NAMES)} or a number")
    request = {"device": device, "command": getattr(args, "command", None),
               "target": getattr(args, "kiosk", None) or getattr(args, "counter", None),
               "arg": getattr(args, "card", None)}
    if device == "pad":
        request["command"] = request["command"].lower() if args.command == "DISPLAY" else args.command
    path = Path(args.socket) if getattr(args, "socket", None) else socket_path(
        getattr(args, "db", default_db))
    try:
        answer = send(path, request)
    except ControlError as e:
        print(f"hall: {e}", file=sys.stderr)
        return 1
    print(answer.get("message", ""), file=sys.stdout if answer.get("ok") else sys.stderr)
    return 0 if answer.get("ok") else 1
