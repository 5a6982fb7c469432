"""The demo's devices: a mock for every `mock` entry of the config, on its own pty, and (with
`control=`) the Unix socket `run.py mock …` drives them through (drivers/mock/control.py)."""
from __future__ import annotations

import logging
from pathlib import Path

from .callpad import MockCallPad
from .idcard import MockIdCardReader
from .printer import MockPrinter

log = logging.getLogger("hall.mock")


class MockSet(dict):
    """"printer:k1" → MockPrinter, "idcard:k1" → MockIdCardReader, "callpad:1" → MockCallPad,
    "crm:hall" → MockCrm."""

    control = None              # the ControlServer, when the mocks can be driven
    control_error: str | None = None

    @property
    def paths(self) -> dict[str, str]:
        return {key: mock.path for key, mock in self.items()}

    def close(self) -> None:
        if self.control is not None:
            self.control.close()
        for mock in self.values():
            mock.close()


def start_mocks(config, paper_dir: str | Path, place_card: int | None = 0,
                control: str | Path | None = None) -> MockSet:
    mocks = MockSet()
    for k in config.kiosks:
        if k.printer == "mock":
            mocks[f"printer:{k.id}"] = MockPrinter(out_dir=Path(paper_dir) / k.id)
        if k.idcard == "mock":
            reader = MockIdCardReader()
            if place_card is not None:
                reader.place(place_card)
            mocks[f"idcard:{k.id}"] = reader
    for c in config.counters:
        if c.callpad == "mock":
            mocks[f"callpad:{c.id}"] = MockCallPad(c.callpad_id or c.id)
    if config.crm.url == "mock":
        from .crm import MockCrm
        mocks["crm:hall"] = MockCrm()
    if control is not None and mocks:
        from .control import ControlError, ControlServer
        try:
            mocks.control = ControlServer(mocks, control).start()
        except ControlError as e:
            mocks.control_error = str(e)
            log.warning("%s", e)
    return mocks
