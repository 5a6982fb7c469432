"""python -m drivers.mock printer|idcard|callpad [--baud N] …

Starts one mock device on a pseudo-terminal, prints its device path on the first line, then
takes commands on standard input, one per line (docs/devices.md):

  printer:  paper ok|near_end|out · cover open|closed · unplug · plug · tickets · quit
  idcard:   place N · remove · fault garble|badsum|truncate|silent|status:XX [find|select|read] · cards · quit
  callpad:  CALL · RECALL · NOSHOW · START · FINISH · PAUSE · raw TEXT · display · quit
"""
from __future__ import annotations

import argparse
import sys
import tempfile


def _printer(args) -> object:
    from .printer import MockPrinter
    out = args.out or tempfile.mkdtemp(prefix="mock-printer-")
    m = MockPrinter(out_dir=out, baudrate=args.baud or 9600, pace=args.pace)
    print(m.path, flush=True)
    print(f"# tickets are written to {out}", file=sys.stderr, flush=True)

    def command(words: list[str]) -> str:
        if words[:1] == ["paper"] and len(words) == 2:
            m.set_state(paper=words[1])
        elif words[:1] == ["cover"] and len(words) == 2 and words[1] in ("open", "closed"):
            m.set_state(cover_open=words[1] == "open")
        elif words == ["unplug"]:
            m.set_state(unplugged=True)
        elif words == ["plug"]:
            m.set_state(unplugged=False)
        elif words == ["tickets"]:
            return "\n".join(f"--- ticket {i + 1}\n{t.text()}" for i, t in enumerate(m.tickets)) or "no tickets"
        else:
            raise ValueError("paper ok|near_end|out · cover open|closed · unplug · plug · tickets")
        return f"paper={m.paper} cover_open={m.cover_open} unplugged={m.unplugged}"
    return m, command


def _idcard(args) -> object:
    from .idcard import MockIdCardReader, load_cards
    m = MockIdCardReader(load_cards(args.cards), baudrate=args.baud or 115200, rf_delay=args.rf_delay)
    if args.place is not None:
        m.place(args.place)
    print(m.path, flush=True)

    def command(words: list[str]) -> str:
        if words[:1] == ["place"] and len(words) == 2:
            m.place(int(words[1]))
            return f"placed {m.card.get('name')}"
        if words == ["remove"]:
            m.remove()
            return "removed"
        if words[:1] == ["fault"] and len(words) in (2, 3):
            m.inject(words[1], words[2] if len(words) == 3 else "any")
            return f"next answer: {words[1]}"
        if words == ["cards"]:
            return "\n".join(f"{i}: {c.get('name')} ({c.get('card_type', 'resident')})"
                             for i, c in enumerate(m.cards))
        raise ValueError("place N · remove · fault KIND [find|select|read] · cards")
    return m, command


def _callpad(args) -> object:
    from .callpad import MockCallPad
    m = MockCallPad(args.pad)
    print(m.path, flush=True)

    def command(words: list[str]) -> str:
        if len(words) == 1 and words[0].upper() in ("CALL", "RECALL", "NOSHOW", "START", "FINISH", "PAUSE"):
            m.press(words[0].upper())
            return f"pressed {words[0].upper()}"
        if words[:1] == ["raw"]:
            m.send_raw((" ".join(words[1:]) + "\r\n").encode("ascii", errors="replace"))
            return "sent"
        if words == ["display"]:
            return f"display: {m.display!r}; errors: {m.errors}"
        raise ValueError("CALL · RECALL · NOSHOW · START · FINISH · PAUSE · raw TEXT · display")
    return m, command


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m drivers.mock")
    p.add_argument("device", choices=("printer", "idcard", "callpad"))
    p.add_argument("--baud", type=int, default=None)
    p.add_argument("--out", help="printer: where tickets (text + PNG) go")
    p.add_argument("--pace", action="store_true", help="printer: take bytes at the baud rate")
    p.add_argument("--cards", help="idcard: a JSON file of cards (default drivers/mock/cards.json)")
    p.add_argument("--place", type=int, default=None, help="idcard: place this card at start")
    p.add_argument("--rf-delay", type=float, default=0.0, help="idcard: seconds before a read answer")
    p.add_argument("--pad", default="P1", help="callpad: the pad's id on the line")
    args = p.parse_args(argv)
    mock, command = {"printer": _printer, "idcard": _idcard, "callpad": _callpad}[args.device](args)
    try:
        for line in sys.stdin:
            words = line.split()
            if not words:
                continue
            if words == ["quit"]:
                break
            try:
                print(command(words), flush=True)
            except (ValueError, IndexError) as e:
                print(f"? {e}", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        mock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
