"""The hall's side of the push: its event log, after what the central server already has, in
batches; one pass (cron), or again and again (--follow) through the central server's absences.

The central server is the only record of how far the push got (each batch commits with the
hall's new last_seq), so a pass killed at any point, or whose last acknowledgement was lost,
starts the next time from what really arrived. That needs the hall's seqs to be committed in
order, which SQLite gives: one writer at a time, AUTOINCREMENT never reuses a number, so no
event can appear later below a seq already sent. The sync is its own process reading the hall's
SQLite file (a WAL reader never blocks the hall's writers); the hall never waits for it."""
from __future__ import annotations

import logging
import sqlite3
import threading
import uuid
from typing import Callable

from core.config import HallConfig
from core.errors import StoreError
from core.store import Store

from .store import CentralRefused, CentralStore, CentralUnavailable

LOG_ID = "central_log_id"       # the hall database's own id, in its settings
BATCH = 5000
MAX_BACKOFF_S = 300.0

log = logging.getLogger("hall.sync")


def log_id(store: Store) -> str:
    """This database's id (made on the first sync): tells the central server that two halls
    under one code are two halls."""
    with store.read() as tx:
        found = tx.setting(LOG_ID)
    if found:
        return found
    with store.write() as tx:
        found = tx.setting(LOG_ID) or uuid.uuid4().hex
        tx.set_setting(LOG_ID, found)
    return found


def sync_once(store: Store, config: HallConfig, central: CentralStore, batch: int = BATCH,
              progress: Callable[[int, int], None] | None = None) -> int:
    """Push every event the central server has not got; answer how many were sent."""
    hall = config.hall
    last = central.register(hall.code, log_id(store), hall.name, hall.name_en, hall.timezone,
                            config.model_dump_json())
    with store.read() as tx:
        newest = tx.last_seq()
    if newest < last:
        # Events after `newest` would take seqs the central copy already holds for others.
        raise CentralRefused(
            "log_behind", f"本厅的事件日志 (至 {newest}) 落后于中央数据库 (至 {last}):数据库是否"
            f"从备份恢复?请联系管理员 (the hall's log ends at seq {newest}, the central copy "
            f"of hall {hall.code!r} at {last})")
    sent = 0
    while True:
        with store.read() as tx:
            rows = tx.events_after(last, batch)
        if not rows:
            return sent
        last = central.push(hall.code, rows)
        sent += len(rows)
        if progress:
            progress(sent, last)


def follow(store: Store, config: HallConfig, open_central: Callable[[], CentralStore],
           every_s: float, stop: threading.Event, batch: int = BATCH) -> None:
    """Sync every `every_s` seconds until `stop`. An absent central server (or a busy hall
    database) is logged and tried again, waiting twice as long each time up to five minutes;
    a refusal (another hall's code, a log behind the copy) is not passing and is raised."""
    central: CentralStore | None = None
    wait, failing = every_s, False
    try:
        while not stop.is_set():
            try:
                central = central or open_central()
                sent = sync_once(store, config, central, batch)
                if failing:
                    log.info("central server %s reachable again", central.shown)
                if sent:
                    log.info("sent %d events to %s", sent, central.shown)
                wait, failing = every_s, False
            except (CentralUnavailable, StoreError, sqlite3.OperationalError) as e:
                if central is not None:
                    central.close()
                    central = None
                wait = min(MAX_BACKOFF_S, wait * 2) if failing else every_s
                failing = True
                log.warning("sync failed, the hall goes on; next try in %.0f s: %s", wait,
                            getattr(e, "message", e))
            stop.wait(wait)
    finally:
        if central is not None:
            central.close()
