"""Device agents: a kiosk PC's printer and reader, run by `run.py agent`, reached over Socket.IO.

The agent connects to the `/agent` namespace with `auth = {"kiosk": id, "key": credential}`, the
kiosk's enrolled credential (run.py devices add kiosk <id>); the server then sends it `print`
and `read_card` (answered through the ack) and the agent reports `device_status`. A wrong or
revoked credential is refused at connect (and a revocation closes the connection).
"""
from __future__ import annotations

import logging

from flask import request
from flask_socketio import ConnectionRefusedError, join_room

from .context import ctx

NAMESPACE = "/agent"
log = logging.getLogger("hall.agents")


def register(socketio) -> None:
    sids: dict[str, tuple[str, object]] = {}        # sid → (kiosk, caller)

    @socketio.on("connect", namespace=NAMESPACE)
    def connect(auth=None):
        kiosk_id = auth.get("kiosk") if isinstance(auth, dict) else None
        key = auth.get("key") if isinstance(auth, dict) else None
        kiosk = ctx().hall.config.kiosk(kiosk_id) if isinstance(kiosk_id, str) else None
        device = ctx().enrolment.verify(key) if isinstance(key, str) else None
        if kiosk is None or device is None or not device.speaks_for("kiosk", kiosk.id):
            log.warning("device agent refused (kiosk %r)", kiosk_id)
            ctx().enrolment.refused("bad_agent_key", path=NAMESPACE, address=request.remote_addr,
                                    device=device, wanted=f"kiosk:{kiosk_id}")
            raise ConnectionRefusedError("bad_agent_key")
        sid = request.sid
        join_room(f"device:{device.id}")

        def call(event: str, data: dict, timeout: float):
            return socketio.call(event, data, to=sid, namespace=NAMESPACE, timeout=timeout)

        sids[sid] = (kiosk.id, call)
        ctx().devices.attach_agent(kiosk.id, call)
        log.info("device agent for kiosk %s connected", kiosk.id)

    @socketio.on("disconnect", namespace=NAMESPACE)
    def disconnect(*_):
        found = sids.pop(request.sid, None)
        if found:
            ctx().devices.detach_agent(*found)
            log.info("device agent for kiosk %s disconnected", found[0])

    @socketio.on("device_status", namespace=NAMESPACE)
    def device_status(data=None):
        found = sids.get(request.sid)
        if not found or not isinstance(data, dict):
            return {"error": "invalid_body"}
        kind, state = data.get("kind"), data.get("state")
        if kind not in ("printer", "idcard") or not isinstance(state, str) or len(state) > 32:
            return {"error": "invalid_body"}
        ctx().devices.agent_status(found[0], kind, bool(data.get("ok")), state)
        return {"ok": True}
