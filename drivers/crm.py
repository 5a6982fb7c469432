"""The operator's customer service (CRM), asked for a customer's star level (星级客户) when an
ID card is read at a kiosk. One POST over HTTPS to `[crm] url`:

    POST <url>   Authorization: Bearer <$HALL_CRM_TOKEN>   {"id_number": "<18 characters>"}
    200          {"star": 0..7}          (0, or 404: not a known customer)

The ID number goes in the body (a URL ends up in logs) and is never logged here. The hall asks
within `timeout_s` and works the same without an answer: no star, and after a failure it does
not ask again for `retry_after_s` (a kiosk never waits on a dead service twice in a row). A
change of state (answering, timed out, refused …) is reported like a device's (`on_status`).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from typing import Callable

import requests

log = logging.getLogger("hall.crm")

MAX_STAR = 7


class StarLookup:
    def __init__(self, config, on_status: Callable[[dict], None] | None = None,
                 clock: Callable[[], float] = time.monotonic, environ=os.environ):
        # core.config.Crm, or a function giving the hall's current one
        self._config = config if callable(config) else (lambda: config)
        self.on_status = on_status or (lambda payload: None)
        self._clock = clock
        self._environ = environ
        self._session = requests.Session()
        self._lock = threading.Lock()
        self._quiet_until = 0.0
        self._state: str | None = None

    @property
    def config(self):
        return self._config()

    @property
    def enabled(self) -> bool:
        return bool(self.config.url)

    def star(self, id_number: str) -> int | None:
        """The customer's star level (0 for none), or None when the CRM did not answer."""
        if not self.enabled or self._clock() < self._quiet_until:
            return None
        cfg = self.config
        url, ca_file = cfg.url, cfg.ca_file
        if url == "mock":                   # the demo's and the tests' (drivers/mock/crm.py)
            from .mock.crm import running
            mock = running()
            if mock is None:
                return None
            url, ca_file = mock.url, mock.ca_file
        token = self._environ.get(cfg.token_env, "")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            r = self._session.post(url, json={"id_number": id_number}, headers=headers,
                                   timeout=cfg.timeout_s, verify=ca_file or True,
                                   allow_redirects=False)
            if r.status_code == 404:
                level = 0
            elif r.status_code != 200:
                return self._failed("refused" if r.status_code in (401, 403) else "bad_answer",
                                    f"HTTP {r.status_code}")
            else:
                level = r.json().get("star")
                if not isinstance(level, int) or isinstance(level, bool) or not 0 <= level <= MAX_STAR:
                    return self._failed("bad_answer", "no star level 0–7 in the answer")
        except requests.Timeout:
            return self._failed("timeout", f"no answer within {cfg.timeout_s} s")
        except requests.exceptions.SSLError:
            return self._failed("certificate", "its certificate is not trusted")
        except (requests.RequestException, ValueError, AttributeError) as e:
            return self._failed("offline", type(e).__name__)
        self._set_state("ok")
        return level

    def _failed(self, state: str, why: str) -> None:
        with self._lock:
            self._quiet_until = self._clock() + self.config.retry_after_s
        log.warning("crm: %s (%s); star levels not looked up for %d s", state, why,
                    self.config.retry_after_s)
        self._set_state(state)
        return None

    def _set_state(self, state: str) -> None:
        with self._lock:
            if state == self._state or (self._state is None and state == "ok"):
                self._state = state
                return
            self._state = state
        self.on_status({"device": "crm", "kind": "crm", "ok": state == "ok",
                        "state": state, "at": time.time()})

    def close(self) -> None:
        self._session.close()
