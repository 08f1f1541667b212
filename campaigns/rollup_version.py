"""The per-campaign change counter of the segment rollup (`campaigns.models.RollupVersion`).

Every write that changes what a campaign's segment rows summarise bumps the counter in its own
transaction: snapshot ingestion (MetricLatest), the daily-rollup refresh (MetricDelta), and the
imports that add publications or change their channel, kind or audiences. The counter commits
or rolls back with the write, so "segment state built from version v == current version v" is
exact, and reading it is one primary-key lookup.
"""

from collections.abc import Iterable

from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from campaigns.models import Publication, RollupVersion
from campaigns.timeutil import utcnow

VERSION: Table = RollupVersion.__table__  # type: ignore[attr-defined]
_PUB: Table = Publication.__table__  # type: ignore[attr-defined]
_CHUNK = 500  # ids per IN list, well under both databases' parameter limits


def bump(conn: Connection, campaign_ids: Iterable[int]) -> None:
    """Advance the counters of `campaign_ids` within the connection's transaction."""
    ids = sorted(set(campaign_ids))  # a fixed order: two writers never lock rows crosswise
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


def bump_publications(conn: Connection, publication_ids: Iterable[int]) -> None:
    """Advance the counters of the campaigns the publications belong to."""
    ids = sorted(set(publication_ids))
    campaigns: set[int] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        campaigns.update(
            conn.execute(
                select(_PUB.c.campaign_id).where(_PUB.c.id.in_(chunk)).distinct()
            ).scalars()
        )
    bump(conn, campaigns)


def current_version(conn: Connection, campaign_id: int) -> int:
    """The campaign's counter; 0 before its first change."""
    found = conn.execute(
        select(VERSION.c.version).where(VERSION.c.campaign_id == campaign_id)
    ).scalar()
    return int(found or 0)
