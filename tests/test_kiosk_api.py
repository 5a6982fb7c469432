"""The kiosk's API: the same card twice says the truth, and a ticket prints again (never a second
ticket, at most once a minute)."""
from __future__ import annotations

from datetime import date

from conftest import as_device, issue


class Printer:
    """Stands in for the hall's devices: records what it prints, or fails like a printer."""

    def __init__(self, fail: str | None = None):
        self.printed: list[tuple[str, str]] = []
        self.fail = fail

    def print_ticket(self, kiosk, ticket, hall):
        if self.fail:
            return False, self.fail
        self.printed.append((kiosk, ticket["number"]))
        return True, None


def card(app) -> str:
    hall = app.extensions["hall"].hall
    return hall.register_card("k1", "王小明", "110101199003071234", date(1990, 3, 7)).token


def test_the_same_card_twice_is_told_nothing_printed(app, client):
    printer = Printer()
    app.extensions["hall"].devices = printer
    first = issue(client, "M-NEW", "k1-a", kiosk="k1", card_token=card(app))
    assert first.status_code == 201
    t = first.get_json()
    assert t["printed"] is True and t["existing"] is False
    again = issue(client, "M-NEW", "k1-b", kiosk="k1", card_token=card(app))
    assert again.status_code == 200
    a = again.get_json()
    assert a["id"] == t["id"] and a["existing"] is True and a["printed_before"] is True
    assert a["printed"] is False and a["print_error"] == "already_issued"
    assert printer.printed == [("k1", "G001")]
    # A retry of the first request is that request's answer: it printed.
    retry = issue(client, "M-NEW", "k1-a", kiosk="k1", card_token=card(app)).get_json()
    assert retry["existing"] is False and retry["printed"] is True


def test_a_ticket_prints_again_once_a_minute_and_is_never_a_new_one(app, client, clock):
    printer = Printer()
    app.extensions["hall"].devices = printer
    t = issue(client, "F-RENEW", kiosk="k1").get_json()
    k2 = as_device(app.test_client(), "kiosk", "k2")          # the customer went to the other kiosk
    r = k2.post(f"/api/tickets/{t['id']}/print", json={"kiosk": "k2"})
    assert r.status_code == 200
    body = r.get_json()
    assert body["number"] == t["number"] and body["printed"] is True and body["reprint"] is True
    assert printer.printed == [("k1", "C001"), ("k2", "C001")]
    as_device(client)
    too_soon = client.post(f"/api/tickets/{t['id']}/print", json={"kiosk": "k1"})
    assert too_soon.status_code == 429
    err = too_soon.get_json()["error"]
    assert err["code"] == "reprint_too_soon" and 0 < err["retry_after_s"] <= 60
    assert too_soon.headers["Retry-After"] == str(err["retry_after_s"])
    clock.advance(61)
    assert client.post(f"/api/tickets/{t['id']}/print", json={"kiosk": "k1"}).status_code == 200
    assert app.extensions["hall"].hall.waiting_counts()["F-RENEW"] == 1
    assert len(printer.printed) == 3


def test_a_failed_reprint_can_be_tried_again_at_once(app, client):
    app.extensions["hall"].devices = Printer(fail="paper_out")
    t = issue(client, "F-RENEW", "rp-1", kiosk="k1").get_json()
    assert t["printed"] is False
    r = as_device(client).post(f"/api/tickets/{t['id']}/print", json={"kiosk": "k1"}).get_json()
    assert r["printed"] is False and r["print_error"] == "paper_out"
    app.extensions["hall"].devices = Printer()                 # the guide put paper in
    r = client.post(f"/api/tickets/{t['id']}/print", json={"kiosk": "k1"}).get_json()
    assert r["printed"] is True
    # The ticket now counts as printed: a retry of the first request says so.
    again = issue(client, "F-RENEW", "rp-1", kiosk="k1").get_json()
    assert again["number"] == "C001" and again["printed"] is True


def test_reprint_refusals(app, client, clerk):
    app.extensions["hall"].devices = Printer()
    t = issue(client, "F-NEW", kiosk="k1").get_json()
    as_device(client)
    assert client.post("/api/tickets/nope/print", json={"kiosk": "k1"}).status_code == 404
    r = clerk.post(f"/api/tickets/{t['id']}/print", json={"kiosk": "k9"})     # staff may name any
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "unknown_kiosk"
    r = client.post(f"/api/tickets/{t['id']}/print", json={"kiosk": "k2"})    # a kiosk only itself
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "wrong_device"
    assert client.post(f"/api/tickets/{t['id']}/print", json={}).status_code == 422
    clerk.post("/api/counters/1/call-next")
    clerk.post("/api/counters/1/start")
    clerk.post("/api/counters/1/finish")
    r = client.post(f"/api/tickets/{t['id']}/print", json={"kiosk": "k1"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "ticket_not_waiting"
