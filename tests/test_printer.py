"""The ticket printer driver against the mock printer over a pty."""
from __future__ import annotations

import time

import pytest

from core.config import load_config
from core.views import hall_view
from drivers.mock.escpos import EscPosParser
from drivers.mock.printer import MockPrinter
from drivers.printer import (CoverOpen, PaperOut, PrinterError, PrinterOffline, TicketPrinter,
                             ticket_bytes)

HALL = hall_view(load_config())
TICKET = {"id": "tok", "number": "G007", "business": "M-NEW", "status": "waiting",
          "issued_at": "2026-11-25T09:30:00+08:00", "ahead": 5, "estimated_wait_s": 600,
          "track_url": "http://192.168.1.10:5000/t/Lud9YtJoEWJIkX5X-MQc9Q", "priority": None}


@pytest.fixture
def mock(tmp_path):
    m = MockPrinter(out_dir=tmp_path / "paper")
    yield m
    m.close()


@pytest.fixture
def printer(mock):
    p = TicketPrinter(mock.path, status_timeout=0.2)
    yield p
    p.close()


def test_a_printed_ticket_decodes_back(printer, mock, tmp_path):
    printer.print_ticket(TICKET, HALL)
    ticket = mock.wait_for_tickets(1)[0]
    texts = [line.text for line in ticket.lines]
    assert texts[0] == HALL["name"]
    assert "5G移动业务 · 新开户" in texts
    number = next(line for line in ticket.lines if line.text == "G007")
    assert number.width == 5 and number.height == 5 and number.bold
    assert "您前面还有 5 人在等待" in texts and "预计等待:约 10 分钟" in texts
    assert "取号时间:2026-11-25 09:30" in texts
    assert "请准备好您的有效证件" in texts                    # M-NEW needs ID
    assert ticket.qr == [TICKET["track_url"]] and "扫码查看排队进度" in texts
    assert ticket.cut == "full"
    assert mock.parser.unknown == []
    assert (tmp_path / "paper" / "ticket-0001.png").stat().st_size > 1000
    assert "G007" in (tmp_path / "paper" / "ticket-0001.txt").read_text(encoding="utf-8")


def test_no_id_line_for_a_business_without_id(printer, mock):
    printer.print_ticket({**TICKET, "business": "M-TOPUP", "number": "M001", "priority": "senior"}, HALL)
    texts = [line.text for line in mock.wait_for_tickets(1)[0].lines]
    assert "请准备好您的有效证件" not in texts and "【绿色通道】" in texts


def test_chinese_goes_as_gb18030_in_chinese_mode():
    data = ticket_bytes(TICKET, HALL)
    assert data.startswith(b"\x1b\x40\x1c\x26")                      # ESC @, FS &
    assert "您前面还有".encode("gb18030") in data
    assert b"\x1b\x74" not in data                                   # never a code-page switch
    assert len(data) * 10 / 9600 < 0.6                               # well under a second at 9600


@pytest.mark.parametrize("state,status,error", [
    ({"paper": "out"}, {"online": False, "paper_out": True, "cover_open": False}, PaperOut),
    ({"cover_open": True}, {"online": False, "paper_out": False, "cover_open": True}, CoverOpen),
    ({"unplugged": True}, {"online": False, "paper_out": None, "cover_open": None}, PrinterOffline),
])
def test_every_status_condition(printer, mock, state, status, error):
    mock.set_state(**state)
    start = time.monotonic()
    got = printer.status()
    assert time.monotonic() - start < 1.5                           # a silent printer is not a hang
    assert {k: got[k] for k in status} == status
    with pytest.raises(error) as e:
        printer.print_ticket(TICKET, HALL)
    assert isinstance(e.value, PrinterError) and e.value.code in ("paper_out", "cover_open", "offline")
    assert mock.tickets == []                                        # nothing sent into the void


def test_paper_near_end_still_prints(printer, mock):
    mock.set_state(paper="near_end")
    assert printer.status() == {"online": True, "paper_out": False, "paper_near_end": True,
                                "cover_open": False}
    printer.print_ticket(TICKET, HALL)
    assert len(mock.wait_for_tickets(1)) == 1


def test_recovery_after_a_fault(printer, mock):
    mock.set_state(paper="out")
    with pytest.raises(PaperOut):
        printer.print_ticket(TICKET, HALL)
    mock.set_state(paper="ok")
    printer.print_ticket(TICKET, HALL)
    assert len(mock.wait_for_tickets(1)) == 1


def test_pyserial_urls_and_missing_ports():
    loop = TicketPrinter("loop://", status_timeout=0.1)
    assert loop.status()["online"] is False            # loop:// echoes 10 04 01: not a status byte
    with pytest.raises(PrinterOffline):
        TicketPrinter("/dev/does-not-exist").print_ticket(TICKET, HALL)
    assert TicketPrinter("/dev/does-not-exist").status()["online"] is False


def test_the_reference_ticket_parses():
    from pathlib import Path
    # The reference's example ticket (../shared/devices/escpos-ticket-example.bin).
    raw = (Path(__file__).resolve().parent / "fixtures" / "escpos-ticket-example.bin").read_bytes()
    got = []
    parser = EscPosParser(on_ticket=got.append)
    for i in range(0, len(raw), 7):                     # split commands across reads
        parser.feed(raw[i:i + 7])
    assert got[0].lines[0].text == "市民服务中心 一号大厅"
    assert got[0].qr == ["https://queue.example.gov.cn/t?hall=SZ01&no=A007&ts=1741398087"]
    assert got[0].cut == "full"


def test_held_data_prints_when_the_fault_clears(mock):
    """A host that sends without checking status: the mock holds it, like a real printer."""
    mock.set_state(cover_open=True)
    mock.feed(ticket_bytes(TICKET, HALL))
    assert mock.tickets == []
    mock.set_state(cover_open=False)
    assert len(mock.tickets) == 1


def test_a_cable_pulled_mid_ticket_is_not_a_printed_ticket(printer, mock):
    mock.unplug_after(200)                  # the header is out, the number is not
    with pytest.raises(PrinterOffline):
        printer.print_ticket(TICKET, HALL)
    assert mock.tickets == []               # nothing whole came out of it
    mock.set_state(unplugged=False)         # plugged back: the next ticket prints
    printer.print_ticket(TICKET, HALL)
    assert len(mock.wait_for_tickets(1)) == 1
