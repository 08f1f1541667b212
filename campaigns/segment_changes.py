"""Incremental refresh of a campaign's segment rollup: only what the listed changes touched.

`campaigns.rollup_version` lists each publication whose MetricLatest rows changed and the first
day its MetricDelta rows changed from. A change of one publication from day d changes only its
segment's rows, and only from d on, with two exceptions this module widens the range for:

- a basis (`BASES`): a publication counts under it from the first day it reports the basis
  metric. That first day only moves when it was, or becomes, d or later, and then every counted
  row moves to it (still d or later); but whether the publication reports the basis at all also
  decides whether its growth counts on its own days, possibly before d. `segmentreporting` keeps
  each member's first day as the rows count it, so the range reaches back to the publication's
  first day only when that status flipped (a publication's first capture, typically);
- the dense day set: days are those the campaign has any MetricDelta row on. A day appears or
  disappears only at d or later; every other segment gets a row carried over on a new day and
  loses its rows on a vanished one.

Each changed segment then gets its day rows from its first changed day d0 on recomputed as its
row before d0 plus a running sum of its members' contributions from d0 on (the contributions are
those of the full rebuild, `campaigns.segments`), and its latest rows recomputed. Everything runs
in the caller's transaction, so the rows and the changes they applied commit together.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, text

from campaigns.rollup_version import Changes
from campaigns.vocabulary import TERMS

# basis -> the metrics summed over the publications reporting it (see `campaigns.segments`).
BASES: dict[str, tuple[str, ...]] = {
    "reach": ("reactions", "comments", "shares", "clicks", "reach"),
    "watch_time_hours": ("watch_time_hours", "video_views"),
}
FIRST = date(1, 1, 1)  # the first changed day of a change whose day is unknown
_METRICS = sorted(TERMS)  # every metric a row can hold: index ranges instead of scans
_ALL_BASES = ["", *BASES]
_CHUNK = 500
# Above this share of the campaign's day rows to recompute, a full rebuild costs about the same.
FULL_SHARE = 0.5


@dataclass(frozen=True)
class Applied:
    """What an incremental refresh rewrote, and the day set the rows now cover."""

    days: list[date]
    segments: int  # segments whose rows were recomputed
    day_rows: int  # day rows written (recomputed and carried over to new days)
    latest_rows: int


def apply_changes(
    conn: Connection, campaign_id: int, changes: Changes, stored_days: Sequence[date]
) -> Applied | None:
    """Bring the campaign's segment rows up to date with `changes`, given the rows are current
    for everything else and cover `stored_days`; None (nothing written) when it cannot be done
    incrementally (a changed publication without a segment) or would cost about a full rebuild.
    """
    since = changes.since
    touched = sorted({*since, *changes.latest_only})
    if not touched:
        return Applied(list(stored_days), 0, 0, 0)
    segment_of = _segments_of(conn, touched)
    if len(segment_of) < len(touched):
        return None  # not counted in any segment: new, or moved without asking for a rebuild
    day0 = _first_changed_days(conn, campaign_id, since, segment_of)
    if _share(conn, campaign_id, day0, stored_days) > FULL_SHARE:
        return None
    _update_reporting(conn, list(since))
    days = _day_set(conn, campaign_id, since, day0, stored_days)
    latest_segments = {segment_of[p] for p in touched}
    work = _Work(conn, campaign_id)
    try:
        work.load(day0, days, latest_segments)
        carried = work.carry_and_drop(stored_days, days, day0)
        written = work.recompute_days(day0, days) if day0 else 0
        latest = work.recompute_latest()
    finally:
        work.clear()
    return Applied(days, len(latest_segments), carried + written, latest)


def _segments_of(conn: Connection, publication_ids: Sequence[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    query = text(
        "SELECT publication_id, segment_id FROM segmentmember WHERE publication_id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    for chunk in _chunks(publication_ids):
        found.update((int(p), int(s)) for p, s in conn.execute(query, {"ids": list(chunk)}))
    return found


def _first_changed_days(
    conn: Connection, campaign_id: int, since: dict[int, date | None], segment_of: dict[int, int]
) -> dict[int, date]:
    """segment -> the first day its rows change, over its changed publications (see the
    module's docstring for the basis rule)."""
    start = {pid: day or FIRST for pid, day in since.items()}
    old = _reporting(conn, list(since))
    new = _firsts(conn, list(since))
    flipped = [
        pid
        for pid in since
        if start[pid] > FIRST and any(((pid, b) in old) != ((pid, b) in new) for b in BASES)
    ]
    for pid, first in _first_days(conn, flipped).items():
        start[pid] = min(start[pid], first)
    day0: dict[int, date] = {}
    for pid, day in start.items():
        seg = segment_of[pid]
        day0[seg] = min(day0.get(seg, day), day)
    return day0


def _share(
    conn: Connection, campaign_id: int, day0: dict[int, date], stored_days: Sequence[date]
) -> float:
    """The share of the campaign's day rows (by segment and day) the changes recompute."""
    if not stored_days:
        return 1.0 if day0 else 0.0
    segments = conn.execute(
        text("SELECT COUNT(*) FROM metricsegment WHERE campaign_id = :cid"), {"cid": campaign_id}
    ).scalar_one()
    redone = sum(sum(1 for d in stored_days if d >= first) for first in day0.values())
    return redone / max(1, int(segments) * len(stored_days))


def _reporting(conn: Connection, publication_ids: Sequence[int]) -> dict[tuple[int, str], date]:
    query = text(
        "SELECT publication_id, basis, since FROM segmentreporting WHERE publication_id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    found: dict[tuple[int, str], date] = {}
    for chunk in _chunks(publication_ids):
        for pid, basis, day in conn.execute(query, {"ids": list(chunk)}):
            found[(int(pid), basis)] = _as_date(day)
    return found


def _firsts(conn: Connection, publication_ids: Sequence[int]) -> dict[tuple[int, str], date]:
    """(publication, basis) -> the first day of its MetricDelta rows of the basis metric."""
    query = text(
        "SELECT publication_id, metric, MIN(day) FROM metricdelta "
        "WHERE publication_id IN :ids AND metric IN :bases GROUP BY publication_id, metric"
    ).bindparams(bindparam("ids", expanding=True), bindparam("bases", expanding=True))
    found: dict[tuple[int, str], date] = {}
    for chunk in _chunks(publication_ids):
        for pid, basis, day in conn.execute(query, {"ids": list(chunk), "bases": list(BASES)}):
            found[(int(pid), basis)] = _as_date(day)
    return found


def _first_days(conn: Connection, publication_ids: Sequence[int]) -> dict[int, date]:
    query = text(
        "SELECT publication_id, MIN(day) FROM metricdelta WHERE publication_id IN :ids "
        "GROUP BY publication_id"
    ).bindparams(bindparam("ids", expanding=True))
    found: dict[int, date] = {}
    for chunk in _chunks(publication_ids):
        for pid, day in conn.execute(query, {"ids": list(chunk)}):
            found[int(pid)] = _as_date(day)
    return found


def _update_reporting(conn: Connection, publication_ids: Sequence[int]) -> None:
    """The changed publications' first days per basis, as the rows are about to count them."""
    ids: Any = bindparam("ids", expanding=True)
    forget = text("DELETE FROM segmentreporting WHERE publication_id IN :ids").bindparams(ids)
    write = text(
        "INSERT INTO segmentreporting (publication_id, basis, since) "
        "SELECT publication_id, metric, MIN(day) FROM metricdelta "
        "WHERE publication_id IN :ids AND metric IN :bases GROUP BY publication_id, metric"
    ).bindparams(ids, bindparam("bases", expanding=True))
    for chunk in _chunks(publication_ids):
        conn.execute(forget, {"ids": list(chunk)})
        conn.execute(write, {"ids": list(chunk), "bases": list(BASES)})


def _day_set(
    conn: Connection,
    campaign_id: int,
    since: dict[int, date | None],
    day0: dict[int, date],
    stored_days: Sequence[date],
) -> list[date]:
    """The days the campaign has MetricDelta rows on: the stored ones before the first changed
    day, and from it on, the changed publications' days and the stored days that kept a row."""
    if not day0:
        return list(stored_days)
    first = min(day0.values())
    query = text(
        "SELECT DISTINCT day FROM metricdelta WHERE publication_id IN :ids AND day >= :first"
    ).bindparams(bindparam("ids", expanding=True))
    theirs: set[date] = set()
    for chunk in _chunks(list(since)):
        rows = conn.execute(query, {"ids": list(chunk), "first": _bind(conn, first)})
        theirs.update(_as_date(day) for (day,) in rows)
    join = "CROSS JOIN" if conn.dialect.name == "sqlite" else "JOIN"
    exists = text(
        f"SELECT 1 FROM metricdelta d {join} segmentmember m ON m.publication_id = d.publication_id "
        "WHERE d.metric IN :metrics AND d.day = :day AND m.campaign_id = :cid LIMIT 1"
    ).bindparams(bindparam("metrics", expanding=True))
    kept = {
        day
        for day in stored_days
        if day >= first
        and day not in theirs
        and conn.execute(
            exists, {"metrics": _METRICS, "day": _bind(conn, day), "cid": campaign_id}
        ).first()
        is not None
    }
    return sorted({d for d in stored_days if d < first} | kept | theirs)


class _Work:
    """The temporary tables of one incremental refresh and the statements over them."""

    def __init__(self, conn: Connection, campaign_id: int) -> None:
        self.conn, self.cid = conn, campaign_id
        self.base_days: list[Any] = []  # the distinct days of loa_dseg.base_day, as bound
        self.postgres = conn.dialect.name == "postgresql"
        day_type = "date" if self.postgres else "TEXT"
        time_type = "timestamptz" if self.postgres else "TEXT"
        for ddl in (
            f"CREATE TEMP TABLE IF NOT EXISTS loa_dseg (seg INTEGER PRIMARY KEY, "
            f"day0 {day_type} NOT NULL, base_day {day_type})",
            "CREATE TEMP TABLE IF NOT EXISTS loa_lseg (seg INTEGER PRIMARY KEY)",
            f"CREATE TEMP TABLE IF NOT EXISTS loa_days (day {day_type} PRIMARY KEY)",
            f"CREATE TEMP TABLE IF NOT EXISTS loa_recent (seg INTEGER NOT NULL, "
            f"pub INTEGER NOT NULL, metric TEXT NOT NULL, day {day_type} NOT NULL, "
            "delta FLOAT NOT NULL, entered INTEGER NOT NULL)",
            "CREATE TEMP TABLE IF NOT EXISTS loa_base (seg INTEGER NOT NULL, metric TEXT NOT NULL, "
            "basis TEXT NOT NULL, total FLOAT NOT NULL, publications INTEGER NOT NULL)",
            "CREATE TEMP TABLE IF NOT EXISTS loa_latest (seg INTEGER NOT NULL, metric TEXT NOT NULL, "
            + ", ".join(
                f"total_{_column(b)} FLOAT, n_{_column(b)} INTEGER, newest_{_column(b)} {time_type}"
                for b in ["", *BASES]
            )
            + ")",
        ):
            conn.execute(text(ddl))
        self.clear()

    def clear(self) -> None:
        self.base_days = []
        for table in ("loa_dseg", "loa_lseg", "loa_days", "loa_recent", "loa_base", "loa_latest"):
            self.conn.execute(text(f"DELETE FROM {table}"))

    def _run(self, sql: str, params: dict[str, Any] | None = None, /, **expanding: Any) -> int:
        stmt = text(sql)
        if expanding:
            stmt = stmt.bindparams(*(bindparam(name, expanding=True) for name in expanding))
        result = self.conn.execute(stmt, {"cid": self.cid, **(params or {}), **expanding})
        return int(result.rowcount or 0)

    def load(self, day0: dict[int, date], days: list[date], latest: Iterable[int]) -> None:
        bind = self.conn
        if day0:
            rows = []
            for seg, first in sorted(day0.items()):
                before = [d for d in days if d < first]
                rows.append(
                    {
                        "seg": seg,
                        "day0": _bind(bind, first),
                        "base": _bind(bind, before[-1]) if before else None,
                    }
                )
            self.conn.execute(
                text("INSERT INTO loa_dseg (seg, day0, base_day) VALUES (:seg, :day0, :base)"),
                rows,
            )
            self.base_days = sorted({row["base"] for row in rows if row["base"] is not None})
            start = min(day0.values())
            recomputed = [{"day": _bind(bind, d)} for d in days if d >= start]
            if recomputed:  # an empty list would run the statement once, unbound
                self.conn.execute(text("INSERT INTO loa_days (day) VALUES (:day)"), recomputed)
        self.conn.execute(
            text("INSERT INTO loa_lseg (seg) VALUES (:seg)"), [{"seg": s} for s in sorted(latest)]
        )
        if self.postgres:  # a temporary table has no statistics
            self.conn.execute(text("ANALYZE loa_dseg, loa_lseg, loa_days"))

    def carry_and_drop(
        self, stored: Sequence[date], days: Sequence[date], day0: dict[int, date]
    ) -> int:
        """Rows of the new days, carried over from the stored day before (the segments
        recomputed from that day on are left out); rows of the days that vanished, removed."""
        written = 0
        old = list(stored)
        for day in sorted(set(days) - set(old)):
            before = [d for d in old if d < day]
            if not before:
                continue  # before every stored day: no series had started
            written += self._run(
                "INSERT INTO metricsegmentday (campaign_id, metric, basis, day, segment_id, "
                "total, publications, growth, growing) "
                "SELECT campaign_id, metric, basis, :day, segment_id, total, publications, 0.0, 0 "
                "FROM metricsegmentday WHERE campaign_id = :cid AND metric IN :metrics "
                "AND basis IN :bases AND day = :prev "
                "AND segment_id NOT IN (SELECT seg FROM loa_dseg WHERE day0 <= :day)",
                {"day": _bind(self.conn, day), "prev": _bind(self.conn, before[-1])},
                metrics=_METRICS,
                bases=_ALL_BASES,
            )
        for day in sorted(set(old) - set(days)):
            self._run(
                "DELETE FROM metricsegmentday WHERE campaign_id = :cid AND metric IN :metrics "
                "AND basis IN :bases AND day = :day",
                {"day": _bind(self.conn, day)},
                metrics=_METRICS,
                bases=_ALL_BASES,
            )
        return written

    def recompute_days(self, day0: dict[int, date], days: Sequence[date]) -> int:
        """The changed segments' day rows from each one's first changed day on."""
        start = {"start": _bind(self.conn, min(day0.values()))}
        lists = {"metrics": _METRICS, "bases": _ALL_BASES}
        self._run(
            "DELETE FROM metricsegmentday WHERE campaign_id = :cid AND metric IN :metrics "
            "AND basis IN :bases AND day >= :start AND EXISTS (SELECT 1 FROM loa_dseg ds "
            "WHERE ds.seg = metricsegmentday.segment_id AND metricsegmentday.day >= ds.day0)",
            start,
            **lists,
        )
        join = "JOIN" if self.postgres else "CROSS JOIN"
        if self.base_days:
            # The base days listed as well: PostgreSQL then reads them from the key instead of
            # scanning all of the campaign's day rows (85 ms -> 5 ms for a usual pass).
            self._run(
                "INSERT INTO loa_base (seg, metric, basis, total, publications) "
                "SELECT s.segment_id, s.metric, s.basis, s.total, s.publications "
                f"FROM loa_dseg ds {join} metricsegmentday s ON s.campaign_id = :cid "
                "AND s.metric IN :metrics AND s.basis IN :bases AND s.day IN :base_days "
                "AND s.day = ds.base_day AND s.segment_id = ds.seg",
                **lists,
                base_days=self.base_days,
            )
        self._run(_RECENT.format(join=join, entered=_ENTERED), start, metrics=_METRICS)
        self._run(_STARTING.format(join=join, entered=_ENTERED))
        if self.postgres:
            self.conn.execute(text("ANALYZE loa_recent, loa_base"))
        return self._run(_recompute_sql())

    def recompute_latest(self) -> int:
        """The latest rows of every touched segment, in full: one read of their members' newest
        values, summed per segment and metric for every basis at once, then one insert per
        basis."""
        self._run(
            "DELETE FROM metricsegmentlatest WHERE campaign_id = :cid "
            "AND segment_id IN (SELECT seg FROM loa_lseg)"
        )
        self._run(_latest_sums_sql())
        written = 0
        for basis, metrics in [("", None), *BASES.items()]:
            n = f"n_{_column(basis)}"
            where = f"WHERE {n} > 0" + (" AND metric IN :metrics" if metrics else "")
            written += self._run(
                "INSERT INTO metricsegmentlatest "
                "(campaign_id, basis, metric, segment_id, total, publications, newest) "
                f"SELECT :cid, '{basis}', metric, seg, total_{_column(basis)}, {n}, "
                f"newest_{_column(basis)} FROM loa_latest {where}",
                **({"metrics": list(metrics)} if metrics else {}),
            )
        return written


def _column(basis: str) -> str:
    return basis or "all"


def _latest_sums_sql() -> str:
    """Σ newest value, publications and newest capture per touched segment and metric, over
    every member and over the members reporting each basis (a MetricLatest row of it)."""
    cols = ["SUM(l.value)", "COUNT(*)", "MAX(l.captured_at)"]
    joins = []
    for i, basis in enumerate(BASES):
        joins.append(
            f"LEFT JOIN metriclatest r{i} ON r{i}.publication_id = l.publication_id "
            f"AND r{i}.metric = '{basis}'"
        )
        has = f"r{i}.publication_id IS NOT NULL"
        cols += [
            f"SUM(CASE WHEN {has} THEN l.value END)",
            f"SUM(CASE WHEN {has} THEN 1 ELSE 0 END)",
            f"MAX(CASE WHEN {has} THEN l.captured_at END)",
        ]
    names = [f"{k}_{_column(b)}" for b in ["", *BASES] for k in ("total", "n", "newest")]
    return (
        f"INSERT INTO loa_latest (seg, metric, {', '.join(names)}) "
        f"SELECT m.segment_id, l.metric, {', '.join(cols)} "
        "FROM loa_lseg s JOIN segmentmember m ON m.campaign_id = :cid AND m.segment_id = s.seg "
        f"JOIN metriclatest l ON l.publication_id = m.publication_id {' '.join(joins)} "
        "GROUP BY m.segment_id, l.metric"
    )


# Whether a MetricDelta row opens its series (the row counts its publication in from that day).
_ENTERED = (
    "CASE WHEN EXISTS (SELECT 1 FROM metricdelta e WHERE e.publication_id = d.publication_id "
    "AND e.metric = d.metric AND e.day < d.day) THEN 0 ELSE 1 END"
)
# The changed segments' members' rows from the segment's first changed day on, read from the
# (metric, day) index: a pull's changes start on its capture day, the last of the campaign.
_RECENT = """
INSERT INTO loa_recent (seg, pub, metric, day, delta, entered)
SELECT ds.seg, d.publication_id, d.metric, d.day, d.delta, {entered}
FROM metricdelta d
{join} segmentmember m ON m.publication_id = d.publication_id
{join} loa_dseg ds ON ds.seg = m.segment_id
WHERE d.metric IN :metrics AND d.day >= :start AND d.day >= ds.day0 AND m.campaign_id = :cid
"""
# Members that start reporting a basis on or after their segment's first changed day: all of
# their rows count from that first day on, those before the changed day included.
_STARTING = """
INSERT INTO loa_recent (seg, pub, metric, day, delta, entered)
SELECT ds.seg, d.publication_id, d.metric, d.day, d.delta, {entered}
FROM loa_dseg ds
{join} segmentmember m ON m.campaign_id = :cid AND m.segment_id = ds.seg
{join} metricdelta d ON d.publication_id = m.publication_id AND d.day < ds.day0
WHERE EXISTS (SELECT 1 FROM segmentreporting r
              WHERE r.publication_id = m.publication_id AND r.since >= ds.day0)
"""

_LATEST = """
INSERT INTO metricsegmentlatest
    (campaign_id, basis, metric, segment_id, total, publications, newest)
SELECT :cid, {basis}, l.metric, m.segment_id, SUM(l.value), COUNT(*), MAX(l.captured_at)
FROM loa_lseg s
JOIN segmentmember m ON m.campaign_id = :cid AND m.segment_id = s.seg
JOIN metriclatest l ON l.publication_id = m.publication_id
{join}
{where}
GROUP BY l.metric, m.segment_id
"""


def _recompute_sql() -> str:
    """Contributions from each changed segment's first changed day on (as the full rebuild's:
    under a basis a row counts from the later of its day and the basis' first day, its growth
    on its own day), made dense over the day set and added to the segment's row before."""
    parts = [
        "SELECT r.seg, r.metric, '' AS basis, r.day, r.delta AS added, r.entered, "
        "r.delta AS growth, 1 AS growing FROM loa_recent r JOIN loa_dseg ds ON ds.seg = r.seg "
        "WHERE r.day >= ds.day0"
    ]
    for basis, metrics in BASES.items():
        names = ", ".join(f"'{m}'" for m in metrics)
        counted = "CASE WHEN r.day > f.since THEN r.day ELSE f.since END"
        source = (
            f"FROM loa_recent r JOIN segmentreporting f ON f.publication_id = r.pub "
            f"AND f.basis = '{basis}' JOIN loa_dseg ds ON ds.seg = r.seg "
            f"WHERE r.metric IN ({names})"
        )
        parts.append(
            f"SELECT r.seg, r.metric, '{basis}', {counted}, r.delta, r.entered, 0.0, 0 "
            f"{source} AND {counted} >= ds.day0"
        )
        parts.append(
            f"SELECT r.seg, r.metric, '{basis}', r.day, 0.0, 0, r.delta, 1 "
            f"{source} AND r.day >= ds.day0"
        )
    contrib = "\nUNION ALL\n".join(parts)
    return f"""
INSERT INTO metricsegmentday
    (campaign_id, metric, basis, day, segment_id, total, publications, growth, growing)
WITH contrib (seg, metric, basis, day, added, entered, growth, growing) AS (
{contrib}
),
sparse AS (
    SELECT seg, metric, basis, day, SUM(added) AS added, SUM(entered) AS entered,
           SUM(growth) AS growth, SUM(growing) AS growing
    FROM contrib GROUP BY seg, metric, basis, day
),
series AS (
    SELECT seg, metric, basis, MIN(start) AS start, SUM(total0) AS total0, SUM(count0) AS count0
    FROM (
        SELECT b.seg, b.metric, b.basis, ds.day0 AS start, b.total AS total0,
               b.publications AS count0
        FROM loa_base b JOIN loa_dseg ds ON ds.seg = b.seg
        UNION ALL
        SELECT seg, metric, basis, MIN(day), 0.0, 0 FROM sparse GROUP BY seg, metric, basis
    ) AS s
    GROUP BY seg, metric, basis
),
dense AS (
    SELECT se.seg, se.metric, se.basis, dy.day, se.total0, se.count0,
           COALESCE(sp.added, 0.0) AS added, COALESCE(sp.entered, 0) AS entered,
           COALESCE(sp.growth, 0.0) AS growth, COALESCE(sp.growing, 0) AS growing
    FROM series se
    JOIN loa_days dy ON dy.day >= se.start
    LEFT JOIN sparse sp ON sp.seg = se.seg AND sp.metric = se.metric AND sp.basis = se.basis
        AND sp.day = dy.day
)
SELECT :cid, metric, basis, day, seg,
       total0 + SUM(added) OVER w, count0 + SUM(entered) OVER w, growth, growing
FROM dense
WINDOW w AS (PARTITION BY seg, metric, basis ORDER BY day ROWS UNBOUNDED PRECEDING)
"""


def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _bind(conn: Connection, day: date) -> Any:
    """A day as the driver stores it: ISO text on SQLite, a date on PostgreSQL."""
    return day if conn.dialect.name == "postgresql" else day.isoformat()


def _as_date(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value
