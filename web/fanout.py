"""Notices between the hall's server processes (`run.py --workers N`), over Redis pub/sub.

Flask-SocketIO's message queue carries every emit to every process's clients. What it cannot
carry is what only one process knows: the phones tracking tickets on its sockets (their
`ticket_update` is worked out where they are connected), its cached `hall_state`, and the
sockets of an account whose sessions just ended. A process that changed the hall says so here;
the others act on their own sockets.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Callable

log = logging.getLogger("hall.fanout")


class Fanout:
    def __init__(self, url: str, channel: str, worker: int, sleep: Callable[[float], None] = time.sleep):
        import redis
        self._redis = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=None,
                                           health_check_interval=10)
        self._publisher = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self.channel = f"{channel}:notices"
        self.worker = worker
        self._sleep = sleep
        self._down_since: float | None = None

    def notify(self, kind: str, **data) -> None:
        """Tell the other processes. Redis away: they miss it, and say so in the log; the hall
        goes on (its state is in the database, every client resyncs on reconnect)."""
        try:
            self._publisher.publish(self.channel, json.dumps({"from": self.worker, "kind": kind,
                                                              "data": data}))
        except Exception as e:          # noqa: BLE001 — redis.ConnectionError and its kin
            log.warning("notice %s not sent to the other processes: %s", kind, e)

    def listen(self, handle: Callable[[str, dict], None], done: Callable[[], bool]) -> None:
        """Until `done()`: every other process's notice to `handle(kind, data)`; after Redis was
        away, `handle("reconnected", {})` (the clients here may have missed emits meanwhile)."""
        while not done():
            try:
                pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.channel)
                if self._down_since is not None:
                    log.info("Redis is back after %.0f s", time.monotonic() - self._down_since)
                    self._down_since = None
                    self._handle(handle, "reconnected", {})
                while not done():
                    message = pubsub.get_message(timeout=1.0)
                    if message is None or message.get("type") != "message":
                        continue
                    notice = json.loads(message["data"])
                    if notice.get("from") != self.worker:
                        self._handle(handle, notice.get("kind", ""), notice.get("data") or {})
                pubsub.close()
            except Exception as e:      # noqa: BLE001 — Redis restarting; keep trying
                if self._down_since is None:
                    self._down_since = time.monotonic()
                    log.warning("Redis unreachable (%s): retrying every second", e)
                self._sleep(1.0)

    @staticmethod
    def _handle(handle, kind: str, data: dict) -> None:
        try:
            handle(kind, data)
        except Exception:               # a fault here must not read as Redis being away
            log.exception("handling notice %s", kind)
