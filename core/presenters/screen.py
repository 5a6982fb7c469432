"""The small screen above a window (`GET /api/counters/<id>/screen`, pushed as `screen` to
topic counter:<id>): its number, its clerk by name and staff number, 暂停服务."""
from __future__ import annotations

from pydantic import Field

from ..picture import Picture
from . import parts
from .parts import CounterStateOut


class CounterScreenOut(CounterStateOut):
    clerk_name: str | None = None
    staff_no: str | None = None
    v: int | None = Field(None, description="the picture's version (pushed `screen`)")


def screen(p: Picture, counter_id: str, clerk, v: int | None = None) -> dict:
    """`clerk`: the account at the counter (display_name, staff_no), or None."""
    return parts.counter(p.config, p.counters[counter_id], p.current_of(counter_id),
                         model=CounterScreenOut,
                         clerk_name=clerk.display_name if clerk else None,
                         staff_no=clerk.staff_no if clerk else None,
                         **({"v": v} if v is not None else {}))
