"""The service standard's one limit rule, shared by the long-service alert (core/alerts.py) and
the manager's red timer (core/presenters/board.py)."""
from __future__ import annotations


def service_limit_s(business) -> int | None:
    """A service's maximum: the business's max_s, else twice its target (None without either).
    The long-service alert and the manager's red timer use this one rule."""
    if business is None:
        return None
    if business.max_s:
        return business.max_s
    return business.target_s * 2 if business.target_s else None
