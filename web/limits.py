"""How deep a JSON request may nest. Python's parser recurses once per level: a 64 KiB body of
`[[[[…` would end in a RecursionError (a 500) deep inside it. The hall's bodies are at most
three levels deep; the check is a cheap scan of the brackets, made before parsing."""
from __future__ import annotations

import re

from core.errors import HallError

MAX_DEPTH = 32
# A string (to its end, even unterminated: one pass, no backtracking) or a bracket. Brackets
# inside strings do not nest.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.S)


def nesting_depth(raw: str | bytes, stop_above: int | None = None) -> int:
    """The deepest nesting of arrays and objects in a JSON text (valid or not); with
    `stop_above`, as soon as it is known to be deeper than that."""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    depth = deepest = 0
    for m in _TOKEN.finditer(raw):
        token = m.group()
        if token[0] == '"':
            continue
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if stop_above is not None and deepest > stop_above:
                break
        else:
            depth = max(depth - 1, 0)
    return deepest


def check_depth(raw: str | bytes, limit: int = MAX_DEPTH) -> None:
    """A too deep body → 400 `too_deep`. Most bodies have too few brackets to need the scan."""
    if raw.count(b"[" if isinstance(raw, bytes) else "[") + \
            raw.count(b"{" if isinstance(raw, bytes) else "{") <= limit:
        return
    if nesting_depth(raw, limit) > limit:
        raise HallError("too_deep", f"请求内容嵌套过深(最多 {limit} 层)")


def guard_socketio(socketio) -> None:
    """Socket.IO event payloads get the same limit: its packet decoder's json module is wrapped,
    so a packet nested deeper than MAX_DEPTH is a malformed packet (dropped), never parsed.
    Call once after `SocketIO(app, …)` is made (web/app.py create_app)."""
    packet_class = socketio.server.packet_class
    inner = packet_class.json
    if getattr(inner, "shallow", False):
        return

    class Shallow:
        shallow = True

        @staticmethod
        def dumps(*args, **kwargs):
            return inner.dumps(*args, **kwargs)

        @staticmethod
        def loads(s, *args, **kwargs):
            if nesting_depth(s, MAX_DEPTH) > MAX_DEPTH:
                raise ValueError("JSON nested too deeply")
            return inner.loads(s, *args, **kwargs)

    packet_class.json = Shallow
