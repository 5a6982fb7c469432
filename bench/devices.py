"""Device figures: bytes per printed ticket and their time on a 9600-baud line; one full ID-card
read cycle at 115200 baud against the mock reader, beside the protocol floor (the time the
bytes themselves need on the line)."""
from __future__ import annotations

import statistics
import tempfile
import time

from core.config import load_config
from core.views import hall_view
from drivers import samv
from drivers.idcard import IdCardReader
from drivers.mock.idcard import MockIdCardReader
from drivers.mock.printer import MockPrinter
from drivers.printer import TicketPrinter, ticket_bytes

TICKET = {"id": "Lud9YtJoEWJIkX5X-MQc9Q", "number": "G007", "business": "M-NEW", "status": "waiting",
          "issued_at": "2026-11-25T09:30:00+08:00", "ahead": 12, "estimated_wait_s": 1500,
          "track_url": "http://192.168.1.10:5000/t/Lud9YtJoEWJIkX5X-MQc9Q", "priority": "senior"}


def line_s(n_bytes: int, baud: int) -> float:
    return n_bytes * 10 / baud          # 8N1: ten bit times per byte


def run(rounds: int = 20) -> dict:
    hall = hall_view(load_config())
    data = ticket_bytes(TICKET, hall)
    with tempfile.TemporaryDirectory() as tmp:
        mock = MockPrinter(out_dir=None)
        printer = TicketPrinter(mock.path)
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            printer.print_ticket(TICKET, hall)
            times.append(time.perf_counter() - t0)
        printer.close()
        mock.close()
    # Status check before printing: 3 × (3 bytes out + 1 byte back).
    status_bytes = 3 * 4
    out = {"ticket_bytes": len(data), "ticket_line_s": line_s(len(data), 9600),
           "print_call_s": statistics.median(times),
           "print_total_line_s": line_s(len(data) + status_bytes, 9600)}
    print(f"[devices] printed ticket: {len(data)} bytes → {out['ticket_line_s'] * 1000:.0f} ms on the "
          f"line at 9600 baud (+{status_bytes} status bytes: {out['print_total_line_s'] * 1000:.0f} ms); "
          f"driver call against the (unpaced) pty mock: median {out['print_call_s'] * 1000:.1f} ms")

    mock = MockIdCardReader(baudrate=115200)
    mock.place(0)
    reader = IdCardReader(mock.path)
    cycles = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        card = reader.read_card()
        cycles.append(time.perf_counter() - t0)
        assert card is not None
    reader.close()
    mock.close()
    requests_bytes = 3 * len(samv.request(samv.FIND))
    answers = len(samv.answer(samv.FOUND, bytes(4))) + len(samv.answer(samv.OK, bytes(8))) + 1295
    floor = line_s(requests_bytes + answers, 115200)
    out.update(read_cycle_s=statistics.median(cycles), read_cycle_p90_s=sorted(cycles)[int(len(cycles) * 0.9) - 1],
               read_floor_s=floor)
    print(f"[devices] ID-card read cycle (find, select, read) at 115200 against the mock: median "
          f"{out['read_cycle_s'] * 1000:.1f} ms, p90 {out['read_cycle_p90_s'] * 1000:.1f} ms  vs protocol floor "
          f"{floor * 1000:.1f} ms ({requests_bytes} + {answers} bytes on the line) → "
          f"{out['read_cycle_s'] / floor:.2f}× the floor (the mock paces its answers, not the host's requests)")
    return out


if __name__ == "__main__":
    run()
