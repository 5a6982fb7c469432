"""Every screen's shape, drawn from a picture of the hall (core/picture.py) and the few rows a
screen needs beyond it, passed in: pure functions, no reads. One module per kind of screen; the
shapes several share are in `parts`, each a pydantic model that is also the API's documented
answer (web/schemas.py).

- `phone`: `places` (every phone's place in one broadcast), the ticket page, `ticket_update`;
- `wall`: `hall_state`, the wall's whole board;
- `kiosk`: the catalogue (`GET /api/hall`), the estimates, an issued ticket;
- `desk`: the clerk's counter page and every counter action's answer;
- `floor`: the guide's tablet; `board`: the duty manager's live hall;
- `screen`: the small screen above a window.
"""
from . import board, desk, floor, kiosk, parts, phone, screen, wall  # noqa: F401
from .phone import places, read_place  # noqa: F401
