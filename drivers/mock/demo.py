"""The demo's devices: a mock for every `mock` entry of the config, on its own pty."""
from __future__ import annotations

from pathlib import Path

from .callpad import MockCallPad
from .idcard import MockIdCardReader
from .printer import MockPrinter


class MockSet(dict):
    """"printer:k1" → MockPrinter, "idcard:k1" → MockIdCardReader, "callpad:1" → MockCallPad."""

    @property
    def paths(self) -> dict[str, str]:
        return {key: mock.path for key, mock in self.items()}

    def close(self) -> None:
        for mock in self.values():
            mock.close()


def start_mocks(config, paper_dir: str | Path, place_card: int | None = 0) -> MockSet:
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
    return mocks
