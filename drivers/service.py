"""The hall's device service as the web layer sees it.

`NoDevices` is the service of a hall with no devices configured: reading a card says the reader
is unavailable, and a ticket for a kiosk is answered with `printed: false` so the kiosk shows it
on screen. The real service (issue 3) keeps the same three methods.
"""
from __future__ import annotations

from core.errors import Unavailable


class NoDevices:
    def read_card(self, kiosk: str) -> dict | None:
        """The card on the kiosk's reader (the driver's fields), or None when none lies on it."""
        raise Unavailable("reader_unavailable", "本机未连接身份证阅读器,请联系导购")

    def print_ticket(self, kiosk: str, ticket: dict, hall: dict) -> tuple[bool, str | None]:
        """Print; return (printed, error code)."""
        return False, "no_printer"

    def status(self) -> list[dict]:
        return []

    def close(self) -> None:
        pass
