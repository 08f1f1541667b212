"""What changed under a campaign's segment rollup: a change counter and a list of changes.

Every write that changes what a campaign's segment rows summarise calls `bump` or
`bump_publications` in its own transaction: snapshot ingestion (MetricLatest), the daily-rollup
refresh (MetricDelta), and the imports that add publications or change their channel, kind or
audiences. Both advance the campaign's counter (`campaigns.models.RollupVersion`), so "segment
state built from version v == current version v" is exact and reading it is one primary-key
lookup, and both list the change in `segmentchange` (`campaigns.models.SegmentChange`), so that
the refresh recomputes only what changed:

- `bump` (an import): the segments themselves may have changed; the refresh rebuilds in full.
- `bump_publications`: the publications' MetricLatest rows and their MetricDelta rows from a
  day on changed; the refresh recomputes their segments from that day. The day is the caller's
  (`since`: ingestion passes its batch's first day per publication) or, without one, the
  earliest day of the publication's series still listed in `metricpending`. A publication with
  none listed is the daily-rollup refresh catching up on a listed ingest, whose change already
  holds the day; with no change listed either, the day is unknown and its segment is
  recomputed over every day.

Both write the change before the counter, in a fixed order (changes by key, then counters by
campaign), so two writers never wait for each other crosswise. `claim_changes` is the refresh's
side: see there for why a change is only taken once the daily rollup covers it.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Table, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from campaigns.models import MetricPending, Publication, RollupVersion, SegmentChange
from campaigns.timeutil import ensure_aware, utcnow

VERSION: Table = RollupVersion.__table__  # type: ignore[attr-defined]
CHANGE: Table = SegmentChange.__table__  # type: ignore[attr-defined]
_PUB: Table = Publication.__table__  # type: ignore[attr-defined]
_PENDING: Table = MetricPending.__table__  # type: ignore[attr-defined]
_CHUNK = 500  # ids per IN list, well under both databases' parameter limits
WHOLE = 0  # the publication id of a change to the campaign's segments themselves


def bump(conn: Connection, campaign_ids: Iterable[int]) -> None:
    """The campaigns' segments themselves may have changed (publications added, or moved to
    another channel, kind or audience list): advance their counters and ask for a full rebuild,
    within the connection's transaction."""
    ids = sorted(set(campaign_ids))  # a fixed order: two writers never lock rows crosswise
    _note(conn, [(cid, WHOLE, None) for cid in ids])
    _advance(conn, ids)


def bump_publications(
    conn: Connection,
    publication_ids: Iterable[int],
    since: Mapping[int, date] | None = None,
    campaigns: Mapping[int, int] | None = None,
) -> None:
    """The publications' newest values, and their daily rollup from `since[id]` on (for an id
    without one: see the module's docstring), changed: list them and advance their campaigns'
    counters, within the connection's transaction. `campaigns` (publication -> campaign), when
    the caller has it, spares looking the campaigns up."""
    ids = sorted(set(publication_ids))
    campaign_of: dict[int, int] = {}
    if campaigns is not None:
        campaign_of = {pid: campaigns[pid] for pid in ids}
        ids = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        campaign_of.update(
            conn.execute(select(_PUB.c.id, _PUB.c.campaign_id).where(_PUB.c.id.in_(chunk))).all()
        )
    days = dict(since or {})
    days.update(_pending_days(conn, [pid for pid in campaign_of if pid not in days]))
    _note(conn, sorted((cid, pid, days.get(pid)) for pid, cid in campaign_of.items()))
    _advance(conn, set(campaign_of.values()))


def current_version(conn: Connection, campaign_id: int) -> int:
    """The campaign's counter; 0 before its first change."""
    found = conn.execute(
        select(VERSION.c.version).where(VERSION.c.campaign_id == campaign_id)
    ).scalar()
    return int(found or 0)


@dataclass
class Changes:
    """A campaign's listed changes taken by one refresh (`claim_changes`)."""

    whole: bool = False  # the segments themselves changed: rebuild in full
    since: dict[int, date | None] = field(default_factory=dict)  # publication -> first day
    # Publications whose newest values changed but whose daily rollup is still pending: their
    # segments' latest rows are recomputed, their change stays listed for a later refresh.
    latest_only: set[int] = field(default_factory=set)

    @property
    def empty(self) -> bool:
        return not (self.whole or self.since or self.latest_only)


def claim_changes(conn: Connection, campaign_id: int) -> Changes:
    """The campaign's listed changes the caller's transaction can apply; `forget_changes` removes
    them in the same transaction once applied.

    A change is taken only when the daily rollup covers it: while its publication has series in
    `metricpending` (an ingest committed after the caller refreshed the daily rollup), the
    MetricDelta rows it announces are not written yet, and taking it would lose its day when the
    daily-rollup refresh bumps the publication again. On PostgreSQL the changes are locked and
    those a writer holds are skipped (that writer has not committed: its change stays listed,
    and a writer that finds one locked here waits for this refresh and lists it anew).
    """
    query = select(CHANGE.c.publication_id, CHANGE.c.since).where(
        CHANGE.c.campaign_id == campaign_id
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    found = {pid: _as_date(day) for pid, day in conn.execute(query).all()}
    changes = Changes(whole=WHOLE in found)
    found.pop(WHOLE, None)
    pending = _pending_publications(conn, list(found))
    for pid, day in found.items():
        if pid in pending:
            changes.latest_only.add(pid)
        else:
            changes.since[pid] = day
    return changes


def forget_changes(conn: Connection, campaign_id: int, changes: Changes) -> None:
    """Remove the claimed changes (not the latest-only ones): their rows are up to date."""
    ids = sorted(changes.since) + ([WHOLE] if changes.whole else [])
    for start in range(0, len(ids), _CHUNK):
        conn.execute(
            delete(CHANGE).where(
                CHANGE.c.campaign_id == campaign_id,
                CHANGE.c.publication_id.in_(ids[start : start + _CHUNK]),
            )
        )


def _note(conn: Connection, rows: list[tuple[int, int, date | None]]) -> None:
    """List changes (campaign, publication, first day or None) in key order. Merging with a
    listed one keeps the earlier day; an unknown day stays unknown, and a new one without a day
    keeps the listed day (the daily-rollup refresh catching up on the ingest that listed it)."""
    if not rows:
        return
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(CHANGE)
    listed, new = CHANGE.c.since, stmt.excluded.since
    merged = case(
        (listed.is_(None), None),
        (new.is_(None), listed),
        (new < listed, new),
        else_=listed,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["campaign_id", "publication_id"], set_={"since": merged}
    )
    conn.execute(
        stmt, [{"campaign_id": cid, "publication_id": pid, "since": day} for cid, pid, day in rows]
    )


def _advance(conn: Connection, campaign_ids: Iterable[int]) -> None:
    """Advance the counters of `campaign_ids` within the connection's transaction."""
    ids = sorted(set(campaign_ids))
    if not ids:
        return
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    now = utcnow()
    stmt = insert(VERSION).values(
        [{"campaign_id": cid, "version": 1, "changed_at": now} for cid in ids]
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["campaign_id"],
            set_={"version": VERSION.c.version + 1, "changed_at": stmt.excluded.changed_at},
        )
    )


def _pending_days(conn: Connection, publication_ids: list[int]) -> dict[int, date]:
    """The earliest day (in its campaign's zone) of each publication's pending series."""
    days: dict[int, date] = {}
    ids = sorted(publication_ids)
    for start in range(0, len(ids), _CHUNK):
        rows = conn.execute(
            select(_PENDING.c.publication_id, _PENDING.c.since, _PENDING.c.zone).where(
                _PENDING.c.publication_id.in_(ids[start : start + _CHUNK])
            )
        )
        for pid, since, zone in rows:
            day = ensure_aware(since).astimezone(_zone(zone)).date()
            if pid not in days or day < days[pid]:
                days[pid] = day
    return days


def _pending_publications(conn: Connection, publication_ids: list[int]) -> set[int]:
    found: set[int] = set()
    ids = sorted(publication_ids)
    for start in range(0, len(ids), _CHUNK):
        found.update(
            conn.execute(
                select(_PENDING.c.publication_id)
                .where(_PENDING.c.publication_id.in_(ids[start : start + _CHUNK]))
                .distinct()
            ).scalars()
        )
    return found


def _as_date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


@lru_cache(maxsize=64)
def _zone(key: str) -> ZoneInfo:
    return ZoneInfo(key)
