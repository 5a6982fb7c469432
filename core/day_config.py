"""Today's changes to the hall's configuration: the businesses a manager gives a counter for the
day (a clerk off sick, a queue to drain). Kept in the store, so every process of the hall sees
them, and dropped by themselves when the business day ends."""
from __future__ import annotations

import json
import logging
import time

from pydantic import ValidationError

from .clock import business_day
from .config import HallConfig
from .errors import Conflict, HallError

log = logging.getLogger("hall.settings")

SETTING = "counter_businesses"
REFRESH_S = 2.0            # how stale another process's change may be seen


def apply(config: HallConfig, changes: dict[str, list[str]]) -> HallConfig:
    """The config with these counters serving these businesses; validated like the file (every
    business still served by some counter)."""
    if not changes:
        return config
    known = {b.code for b in config.businesses}
    for counter_id, codes in changes.items():
        c = config.counter(counter_id)
        unknown = [code for code in codes if code not in known]
        if c is None or unknown:
            raise Conflict("counter_businesses_invalid",
                           f"没有编号为 {counter_id} 的窗口" if c is None else f"没有代码为 {unknown[0]} 的业务")
        if not codes:
            raise Conflict("counter_businesses_invalid", f"请至少给{c.name}留一项业务(不办理时请关闭窗口)")
        if len(set(codes)) != len(codes):
            raise Conflict("counter_businesses_invalid", f"{c.name}的业务有重复")
    served = {code for c in config.counters for code in changes.get(c.id, c.businesses)}
    orphans = [b for b in config.businesses if b.code not in served]
    if orphans:
        names = "、".join(f"「{line_name(b)}」" for b in orphans)
        raise Conflict("counter_businesses_invalid",
                       f"这样调整后{names}没有窗口办理了:每项业务至少要留一个窗口办理",
                       businesses=[b.code for b in orphans])
    data = config.model_dump()
    for counter in data["counters"]:
        if counter["id"] in changes:
            counter["businesses"] = list(changes[counter["id"]])
    try:
        return HallConfig.model_validate(data)
    except ValidationError as e:
        detail = "; ".join(err["msg"].removeprefix("Value error, ") for err in e.errors())
        raise Conflict("counter_businesses_invalid", f"这样调整后有业务无窗口办理:{detail}") from e


def line_name(b) -> str:
    """「固网查询」, 「5G查询」: a business with its line, as the hall names it."""
    return {"fixed": "固网", "mobile": "5G"}.get(b.line, "") + b.name


class DayPlan:
    """The day's plan: `config` is the hall's settings in force (`base_config`: the version in
    force of core/settings.py, else the file's config) with today's changes applied, seen by
    every process within REFRESH_S."""

    def __init__(self, base_config: HallConfig, store, clock, settings=None):
        self._base = base_config
        self.settings = settings
        self.store = store
        self.clock = clock
        self.tz = base_config.hall.tz       # a new time zone takes a restart (a day's numbers)
        self._config = base_config
        self._version: int | None = None
        self._key: tuple | None = None
        self._checked = float("-inf")

    @property
    def config(self) -> HallConfig:
        if time.monotonic() - self._checked >= REFRESH_S:
            self._refresh()
        return self._config

    @property
    def base_config(self) -> HallConfig:
        if time.monotonic() - self._checked >= REFRESH_S:
            self._refresh()
        return self._base

    @property
    def version(self) -> int | None:
        """The settings version in force (None: the file as read, no version yet)."""
        self.config
        return self._version

    def counter_name(self, counter_id: str) -> str:
        c = self.config.counter(counter_id)
        return c.name if c else counter_id

    def business_name(self, code: str) -> str:
        """「固网查询」, 「5G查询」: a business as the hall names it, with its line."""
        b = self.config.business(code)
        return line_name(b) if b else code

    def day_changes(self, tx=None) -> dict[str, list[str]]:
        """Counter → the businesses it serves today, where a manager changed them (read in
        `tx` when given: a change is read, modified and written in one transaction)."""
        if tx is None:
            with self.store.read() as rtx:
                return self.day_changes(rtx)
        raw = tx.setting(SETTING)
        saved = json.loads(raw) if raw else {}
        today = business_day(self.clock.now(), self.tz)
        return saved.get("counters", {}) if saved.get("day") == today else {}

    def changed(self) -> None:
        """Read the changes again at the next look (this process just wrote one)."""
        self._checked = float("-inf")

    def _refresh(self) -> None:
        if self.store.closed:
            return
        self._checked = time.monotonic()
        if self.settings is not None and self.settings.in_force_id() not in (None, self._version):
            v = self.settings.in_force()
            try:
                self._base, self._version = self.settings.config_of(v), v["id"]
            except ValidationError as e:     # a version this program cannot read: keep ours
                log.warning("settings version %s does not fit this program (%s); the file's "
                            "settings stay in force", v["id"], e.errors()[0]["msg"])
                self._version = v["id"]
        changes = self.day_changes()
        key = (self._version, tuple(sorted((k, tuple(v)) for k, v in changes.items())))
        if key != self._key:
            try:
                self._config = apply(self._base, changes)
            except HallError:           # the settings changed under a saved change: they win
                self._config = self._base
            self._key = key
