"""Leases kept alive by a heartbeat for every platform call in flight.

The guarantee: while a call runs — a post, a photo, a clip upload and the steps after it, a
reconciliation, a hand-off upload — its claim is renewed every third of a lease by one
background thread, whatever the call is doing. Progress is not needed: a call stuck on a slow
link keeps its claim as long as its process lives. A dead process stops renewing, its lease runs
out, and the reaper hands the row to reconciliation.

A renewal that finds the claim gone (reaped, re-claimed: see the holder in `scheduler.outbox`)
marks the hold `lost`, and so does a renewal that could not reach the database for a whole lease
(the lease may have run out meanwhile). A lost hold's outcome is never recorded as a plain
success: the final writes are fenced by the holder, and the dispatcher records the post id as an
unknown outcome for reconciliation to settle, with an alert.

The lease is sized for the heartbeat, not for a call: it must outlast the gap between two
renewals plus a database hiccup (`scheduler.worker.effective_lease`).
"""

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine

from campaigns.db import session_scope
from scheduler import outbox
from scheduler.clock import Clock, utc_now

log = logging.getLogger(__name__)


@dataclass
class Hold:
    """One call's claim under the keeper; `lost` turns True when a renewal finds it gone."""

    publication_id: int
    holder: str
    lost: bool = False
    renewals: int = 0
    last_ok: float = 0.0  # monotonic time of the last renewal the database confirmed


class LeaseKeeper:
    """Renews the claims of every call in flight, on one thread that lives while some call does."""

    def __init__(self, engine: Engine, clock: Clock, lease: timedelta) -> None:
        self.engine = engine
        self.clock = clock
        self.lease = lease
        self.interval = max(lease.total_seconds() / 3, 0.05)
        self._holds: dict[int, Hold] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @contextmanager
    def hold(self, publication_id: int, holder: str) -> Iterator[Hold]:
        """Keep `holder`'s claim on the row alive for the duration of the block."""
        entry = Hold(publication_id, holder, last_ok=time.monotonic())
        with self._lock:
            self._holds[publication_id] = entry
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)
                self._thread.start()
        try:
            yield entry
        finally:
            with self._lock:
                if self._holds.get(publication_id) is entry:
                    del self._holds[publication_id]

    def renew(self) -> None:
        """One round: every held claim extended by a lease from now, in one transaction."""
        with self._lock:
            holds = dict(self._holds)
        if not holds:
            return
        now = utc_now(self.clock)
        try:
            with session_scope(self.engine) as session:
                lost = outbox.extend_leases(
                    session, {pid: h.holder for pid, h in holds.items()}, now + self.lease
                )
        except Exception as exc:  # the database unreachable: try again next round
            log.warning("lease renewal failed: %s", type(exc).__name__)
            limit = time.monotonic() - self.lease.total_seconds()
            for entry in holds.values():
                if entry.last_ok < limit and not entry.lost:
                    entry.lost = True
                    log.error(
                        "publication %s: no lease renewal for a whole lease; its claim may be "
                        "gone, the outcome will be reconciled",
                        entry.publication_id,
                    )
            return
        stamp = time.monotonic()
        for pid, entry in holds.items():
            if pid in lost:
                if not entry.lost:
                    log.error("publication %s: lease lost during the call", pid)
                entry.lost = True
            else:
                entry.renewals += 1
                entry.last_ok = stamp

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            with self._lock:
                if not self._holds:
                    self._thread = None
                    return
            self.renew()
