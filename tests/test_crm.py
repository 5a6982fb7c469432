"""The operator's CRM (星级客户, issue 18): asked over HTTPS with a short timeout when a card is
read, the ID number never logged; the hall works the same while it is down, and says so."""
from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError

from conftest import as_device, issue
from core.config import Crm
from drivers.crm import StarLookup
from drivers.mock.crm import MockCrm
from tests.test_devices import rig, wait  # noqa: F401 (the fixture)

STAR_CARD = "650102199906210240"            # drivers/mock/cards.json's 古丽米拉, 5 stars there


@pytest.fixture
def crm():
    mock = MockCrm(token="s3cret")
    yield mock
    mock.close()


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def lookup(crm, clock=None, **changes):
    cfg = Crm(**{"url": crm.url, "ca_file": crm.ca_file, "timeout_s": 0.5, **changes})
    reports = []
    return StarLookup(cfg, on_status=reports.append, clock=clock or Clock(),
                      environ={"HALL_CRM_TOKEN": "s3cret"}), reports


def test_a_star_level_is_asked_over_https_and_the_id_number_never_logged(crm, caplog):
    caplog.set_level(logging.DEBUG)
    stars, reports = lookup(crm)
    assert stars.star(STAR_CARD) == 5
    assert stars.star("110101195803140016") == 0           # not a customer of note: 404
    crm.delay_s = 1.0                                      # slow: past the hall's timeout
    assert stars.star(STAR_CARD) is None
    assert reports[-1]["device"] == "crm" and reports[-1]["ok"] is False
    assert reports[-1]["state"] == "timeout"
    assert STAR_CARD not in caplog.text and "110101195803140016" not in caplog.text
    assert "timeout" in caplog.text


def test_after_a_failure_it_is_not_asked_again_for_a_while(crm):
    clock = Clock()
    stars, reports = lookup(crm, clock, retry_after_s=30)
    crm.fault = "error"
    assert stars.star(STAR_CARD) is None and reports[-1]["state"] == "bad_answer"
    asked = crm.asked
    crm.fault = None
    clock.t += 10
    assert stars.star(STAR_CARD) is None and crm.asked == asked      # the kiosk does not wait
    clock.t += 25
    assert stars.star(STAR_CARD) == 5 and reports[-1] == {**reports[-1], "ok": True, "state": "ok"}
    crm.fault = "nonsense"
    clock.t += 100
    assert stars.star(STAR_CARD) is None and reports[-1]["state"] == "bad_answer"


def test_a_wrong_token_an_untrusted_certificate_or_no_service_is_no_star(crm):
    stars, reports = lookup(crm)
    stars._environ = {"HALL_CRM_TOKEN": "wrong"}
    assert stars.star(STAR_CARD) is None and reports[-1]["state"] == "refused"
    untrusted, reports = lookup(crm, ca_file="")                    # the system's CAs only
    assert untrusted.star(STAR_CARD) is None and reports[-1]["state"] == "certificate"
    port = crm.url.split(":")[2].split("/")[0]
    crm.close()
    gone = StarLookup(Crm(url=f"https://127.0.0.1:{port}/api/star", timeout_s=0.5))
    assert gone.star(STAR_CARD) is None
    assert StarLookup(Crm()).star(STAR_CARD) is None                # none configured


def test_the_config_takes_only_https():
    with pytest.raises(ValidationError, match="https"):
        Crm(url="http://crm.example/api/star")
    assert Crm(url="mock").url == "mock" and Crm(url="https://crm.example/x").url


def test_a_star_customer_reading_a_card_gets_the_star_class_and_the_log_says_the_crm(rig):
    app, mocks = rig                                        # [crm] url = "mock": the rig's own
    client = as_device(app.test_client())
    mocks["idcard:k1"].place(1)                             # 古丽米拉, 27: no age priority
    body = client.post("/api/kiosks/k1/read-card").get_json()
    t = issue(client, "M-NEW", card_token=body["card_token"], kiosk="k1").get_json()
    assert t["priority"] == "star"
    hall = app.extensions["hall"].hall
    e = [e for e in hall.events(hall.today(), hall.today()) if e["kind"] == "priority_given"][-1]
    assert e["clerk"] == "crm" and e["data"]["note"] == "星级 5" and e["data"]["at_issue"] is True
    # The CRM down: the same card reads, the ticket is an ordinary one, and staff are told.
    mocks["crm:hall"].fault = "error"
    mocks["idcard:k1"].remove()
    mocks["idcard:k1"].place(1)
    body = client.post("/api/kiosks/k1/read-card").get_json()
    t = issue(client, "M-PLAN", card_token=body["card_token"], kiosk="k1").get_json()
    assert t["priority"] is None
    assert wait(lambda: any(a["kind"] == "device" and a["subject"] == "crm" for a in hall.alerts()))
    (alert,) = [a for a in hall.alerts() if a["subject"] == "crm"]
    assert "客户系统" in alert["message"] and "应答有误" in alert["message"]
