"""What the operator's CRM (星级客户) costs a kiosk's card read, through the hall's API with the
mock reader: no CRM (the baseline), the mock CRM answering over HTTPS, and the CRM slower than
the hall's timeout (the first read waits `timeout_s`, the next ones not at all for
`retry_after_s`)."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from .common import ms, pct

READS = 40


def _reads(config, tmp: Path, name: str, slow_s: float = 0.0) -> list[float]:
    from drivers.mock.demo import start_mocks
    from drivers.service import DeviceService, ports_from_config
    from web import create_app
    mocks = start_mocks(config, tmp / f"paper-{name}", place_card=1)      # the 5-star card
    service = DeviceService(ports_from_config(config, mocks.paths)[0], poll_s=5)
    app = create_app(config, tmp / f"{name}.db", demo=True, devices=service,
                     public_url="http://hall.example:5000")
    try:
        if "crm:hall" in mocks:
            mocks["crm:hall"].delay_s = slow_s
        client = app.test_client()            # as the demo's enrolled kiosk k1
        client.environ_base["HTTP_AUTHORIZATION"] = (
            "Bearer " + app.extensions["hall"].demo_devices[("kiosk", "k1")])
        times = []
        for _ in range(READS):
            t0 = time.perf_counter()
            r = client.post("/api/kiosks/k1/read-card")
            times.append(time.perf_counter() - t0)
            assert r.status_code == 200 and r.get_json()["card_token"], r.get_json()
        return times
    finally:
        service.close()
        mocks.close()
        app.extensions["hall"].hall.store.close()


def run() -> dict:
    from core.config import load_config
    base = load_config()
    off = base.model_copy(update={"crm": base.crm.model_copy(update={"url": ""})})
    on = base.model_copy(update={"crm": base.crm.model_copy(update={"url": "mock"})})
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        none = _reads(off, tmp, "none")
        answering = _reads(on, tmp, "answering")
        slow = _reads(on, tmp, "slow", slow_s=2.0)
    print(f"[crm] first reads (cold): no CRM {ms(none[0])}, answering {ms(answering[0])}")
    none, answering = none[1:], answering[1:]
    out = {"none_p50": pct(none, 50), "none_p99": pct(none, 99), "answering_p50": pct(answering, 50),
           "answering_p99": pct(answering, 99), "slow_first": slow[0], "slow_rest_p50": pct(slow[1:], 50)}
    print(f"[crm] a kiosk's card read (mock reader, {READS} reads after the first): no CRM p50 {ms(out['none_p50'])}, "
          f"p99 {ms(out['none_p99'])}; "
          f"the CRM answering over HTTPS p50 {ms(out['answering_p50'])}, p99 {ms(out['answering_p99'])} "
          f"({out['answering_p50'] / out['none_p50']:.2f}×); the CRM slower than the timeout "
          f"({on.crm.timeout_s} s): the first read {ms(out['slow_first'])}, the next ones p50 "
          f"{ms(out['slow_rest_p50'])} ({out['slow_rest_p50'] / out['none_p50']:.2f}×, not asked "
          f"for {on.crm.retry_after_s} s)")
    return out
