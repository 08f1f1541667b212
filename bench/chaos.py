"""Chaos run: a campaign published through faults, kills and disruptions, then audited.

A campaign of N publications (text posts, links, photos without caption, Facebook clips and
YouTube clips) falls due over a minute or two while `loa run` workers publish it against the
emulator with a share of faults of every kind the emulator has (5xx before and after the write,
dropped connections, timeouts, stalled answers, listings that lag behind creates, rate limits,
expired and password-changed tokens). Meanwhile:
  - a random worker is killed with SIGKILL and restarted, again and again;
  - on PostgreSQL the workers' database connections are terminated (`pg_terminate_backend`)
    during claims, and each worker's host clock is skewed by up to +-90 s;
  - channels paused by a refused token are reconnected, as an operator would
    (`store_credentials`, the path of `loa channel connect`).
After the chaos window the faults stop and the workers drain what is left; then every
publication is audited against what the platform holds:

  published once   the row is published and exactly one object on the platform is its own;
  duplicated       more than one object is its own (or an object no row accounts for);
  lost             the row says published and the platform has nothing, or the row never
                   reached an outcome, or the platform has a post the row says failed/missed;
  needs review     the row waits for a person, with the evidence of its attempts;
  failed / missed  with the reason.

Two faults are not injected, because the platform's own answer holds the account past any
run's end: YouTube's daily quota (until midnight Pacific) and a Graph rate limit on a Page token
(Business Use Case usage: up to a day). Their handling is tested in
tests/scheduler/test_faults_e2e.py and tests/scheduler/test_dispatcher.py.

    python -m bench.chaos [--database postgres|sqlite] [--count 2000] [--workers 3]
                          [--kills 50] [--fault-rate 0.2] [--seed 1] [--quiet]
"""

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, text
from sqlmodel import Session, col, select

from campaigns.db import make_engine, upgrade
from campaigns.models import Attempt, Campaign, Channel, ContentItem, Publication

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PG = os.environ.get(
    "LOA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
OPEN = ("approved", "queued", "retry_wait", "claimed")
# Shares of the fault rate per kind; each rule fires per matching request.
FAULT_MIX = (
    ("5xx", "", 0.20),
    ("5xx_after", "publish", 0.20),
    ("drop", "", 0.15),
    ("timeout", "publish", 0.08),
    ("stall=2500", "publish", 0.07),
    ("latency=800", "upload", 0.10),
    ("token_expired", "", 0.03),
    ("password_changed", "", 0.03),
    ("rate_limit", "youtube", 0.06),
)
LAG_MS = 3000  # listings lag behind creates the whole chaos window


def fault_spec(rate: float, without: tuple[str, ...] = ()) -> str:
    rules = [
        f"{kind}{':' + scope if scope else ''}@{rate * share:.4f}"
        for kind, scope, share in FAULT_MIX
        if kind not in without
    ]
    return ",".join([*rules, f"lag={LAG_MS}"])


@dataclass
class Plan:
    """What the campaign holds, to attribute the platform's objects to publications."""

    kinds: Counter[str] = field(default_factory=Counter)
    photo_sizes: dict[int, int] = field(default_factory=dict)  # publication id -> bytes


@dataclass
class Injected:
    kills: int = 0
    pg_terminated: int = 0
    reconnects: int = 0
    skews: dict[str, float] = field(default_factory=dict)
    faults: str = ""


# -- databases -----------------------------------------------------------------------------


def fresh_postgres(admin_url: str) -> tuple[str, str]:
    from bench.publish_bench import fresh_database

    return fresh_database(admin_url)


def drop_postgres(admin_url: str, name: str) -> None:
    from bench.publish_bench import drop_database

    drop_database(admin_url, name)


# -- the campaign --------------------------------------------------------------------------


def seed(
    engine: Engine, emu: Any, count: int, folder: Path, start: datetime, spread_s: float
) -> Plan:
    """`count` approved publications over the emulator's Pages and channels, due from `start`
    over `spread_s`; every text, title and photo is unique to its publication."""
    from scheduler.credentials import store_credentials

    plan = Plan()
    pages = [p["id"] for p in emu.accounts["facebook_pages"]]
    channels = [c["id"] for c in emu.accounts["youtube_channels"]]
    clip = folder / "clip.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(300_000))
    with Session(engine) as s:
        camp = Campaign(key="chaos", name="chaos", starts=date(2025, 1, 1), ends=date(2035, 1, 1))
        s.add(camp)
        s.flush()
        assert camp.id is not None
        chans = [
            Channel(campaign_id=camp.id, key=f"fb{n}", platform="facebook", external_id=p, name=p)
            for n, p in enumerate(pages)
        ] + [
            Channel(campaign_id=camp.id, key=f"yt{n}", platform="youtube", external_id=c, name=c)
            for n, c in enumerate(channels)
        ]
        s.add_all(chans)
        s.flush()
        for page in emu.accounts["facebook_pages"]:
            store_credentials(s, "facebook", page["id"], page["access_token"])
        for chan in emu.accounts["youtube_channels"]:
            doc = chan["credentials"]
            store_credentials(
                s, "youtube", chan["id"], doc if isinstance(doc, str) else json.dumps(doc)
            )
        pubs: list[tuple[Publication, str]] = []
        for i in range(count):
            chan = chans[i % len(chans)]
            if chan.platform == "youtube":
                kind = "clip"
            else:
                kind = ("post", "link", "photo", "post", "photo", "clip")[(i // len(chans)) % 6]
            item = ContentItem(
                campaign_id=camp.id,
                key=f"c{i}",
                kind=kind,
                title=f"Bình đẳng giới {i}",
                message="" if kind == "photo" else f"Chung tay vì bình đẳng giới #{i}",
                description=f"Chung tay vì bình đẳng giới #{i}" if kind == "clip" else "",
                link=f"https://example.org/tin/{i}" if kind == "link" else "",
            )
            if kind == "clip":
                item.media_path = str(clip)
            if kind == "photo":
                photo = folder / f"photo-{i}.png"
                photo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(2000 + i))
                item.media_path = str(photo)
            s.add(item)
            s.flush()
            assert item.id is not None
            assert chan.id is not None
            at = start + timedelta(seconds=spread_s * i / count)
            pub = Publication(
                campaign_id=camp.id,
                content_id=item.id,
                channel_id=chan.id,
                dedupe_key=f"chaos|{i}",
                slot_at=at,
                scheduled_at=at,
                state="approved",
            )
            s.add(pub)
            pubs.append((pub, kind))
            plan.kinds[kind] += 1
        s.commit()
    return plan


# -- the workers and the disruptions -------------------------------------------------------


def start_worker(
    name: str, env: dict[str, str], logs: Path, skew: float
) -> subprocess.Popen[bytes]:
    full = {**env, "LOA_TEST_CLOCK_SKEW_S": str(skew)}
    code = Path(env.get("LOA_CHAOS_CODE", str(REPO)))
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scheduler.cli",
            "run",
            "--worker-id",
            name,
            "--poll-seconds",
            "0.5",
        ],
        env=full,
        cwd=code,  # `-m` imports the scheduler from here: a fixed snapshot, if given
        stdout=subprocess.DEVNULL,
        stderr=(logs / f"{name}.log").open("wb"),
    )


def open_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        query = text("SELECT count(*) FROM publication WHERE state IN :s").bindparams(
            bindparam("s", expanding=True)
        )
        return int(conn.execute(query, {"s": list(OPEN)}).scalar_one())


def terminate_backends(engine: Engine, database: str) -> int:
    with engine.connect() as conn:
        done = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :d AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            ),
            {"d": database},
        ).scalar_one()
        conn.commit()
    return int(done or 0)


def reconnect_paused(engine: Engine, emu: Any) -> int:
    """The operator reconnects every paused channel with the account's token."""
    from scheduler.credentials import store_credentials

    tokens = {p["id"]: p["access_token"] for p in emu.accounts["facebook_pages"]}
    docs = {c["id"]: c["credentials"] for c in emu.accounts["youtube_channels"]}
    n = 0
    with Session(engine) as s:
        for chan in s.exec(select(Channel).where(col(Channel.paused))).all():
            secret = tokens.get(chan.external_id) or docs.get(chan.external_id)
            if secret is None:
                continue
            doc = secret if isinstance(secret, str) else json.dumps(secret)
            store_credentials(s, chan.platform, chan.external_id, doc)
            n += 1
        s.commit()
    return n


# -- the audit -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    publication_id: int
    kind: str
    outcome: str
    detail: str


def audit(engine: Engine, emu: Any) -> tuple[list[Verdict], int]:
    """Each publication's outcome, and the number of platform objects no publication explains."""
    state = emu.state
    with state.lock:
        fb = [o for o in state.fb_objects.values() if o.state != "uploading"]
        yt = list(state.yt_videos.values())
    owned: dict[int, list[str]] = {}
    unexplained = 0
    for o in fb:
        pid = _fb_owner(o)
        if pid is None:
            unexplained += 1
            continue
        owned.setdefault(pid, []).append(o.media_id if o.kind == "video" else o.id)
    for v in yt:
        pid = _number(v.title)
        if pid is None:
            unexplained += 1
            continue
        owned.setdefault(pid, []).append(v.id)
    verdicts: list[Verdict] = []
    with Session(engine) as s:
        rows = s.exec(
            select(Publication, ContentItem).join(
                ContentItem,
                col(ContentItem.id) == col(Publication.content_id),
            )
        ).all()
        for pub, item in rows:
            assert pub.id is not None
            number = int(item.key[1:])
            objs = owned.get(number, [])
            verdicts.append(_verdict(s, pub, item.kind, objs))
    return sorted(verdicts, key=lambda v: v.publication_id), unexplained


def _number(text: str) -> int | None:
    """The content number inside a text or title the seed wrote (`... #12` or `... 12`)."""
    tail = text.rsplit("#", 1)[-1] if "#" in text else text.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _fb_owner(o: Any) -> int | None:
    if o.kind == "photo":
        return o.media_bytes - 2008 if o.media_bytes else None
    if o.kind == "video":
        return _number(o.title or "")
    return _number(o.message or "")


def _trail(s: Session, pid: int) -> str:
    """The row's attempts, as evidence: number, outcome, error, worker, post id, looks."""
    attempts = s.exec(
        select(Attempt).where(Attempt.publication_id == pid).order_by(col(Attempt.number))
    ).all()
    return "; ".join(
        f"#{a.number} {a.outcome} {a.error_code} by {a.worker_id} "
        f"{a.started_at:%H:%M:%S}-{a.ended_at:%H:%M:%S} {a.external_id or ''} "
        f"looks={len(a.evidence.get('looks', []))}"
        if a.ended_at
        else f"#{a.number} {a.outcome} by {a.worker_id}"
        for a in attempts
    )


def _verdict(s: Session, pub: Publication, kind: str, objs: list[str]) -> Verdict:
    pid = pub.id or 0
    if len(objs) > 1:
        return Verdict(
            pid, kind, "duplicated", f"{len(objs)} objects: {', '.join(objs)} [{_trail(s, pid)}]"
        )
    if pub.state == "published":
        if not objs:
            return Verdict(pid, kind, "lost", f"recorded as {pub.external_id}, not on the platform")
        if objs[0] != pub.external_id:
            return Verdict(pid, kind, "lost", f"recorded {pub.external_id}, platform has {objs[0]}")
        return Verdict(pid, kind, "published once", pub.external_id or "")
    if pub.state == "needs_review":
        on = f" (platform holds {objs[0]})" if objs else ""
        return Verdict(pid, kind, "needs review", f"{pub.last_error}{on} [{_trail(s, pid)}]")
    if objs:
        return Verdict(pid, kind, "lost", f"row {pub.state} but the platform holds {objs[0]}")
    if pub.state in ("failed", "missed"):
        return Verdict(pid, kind, str(pub.state), pub.last_error)
    return Verdict(pid, kind, "lost", f"never reached an outcome (row {pub.state})")


# -- the run -------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    from connectors.emulator import Emulator

    rng = random.Random(args.seed)
    injected = Injected(faults=fault_spec(args.fault_rate, tuple(args.without)))
    folder = Path(tempfile.mkdtemp(prefix="loa-chaos-"))
    home = folder / "home"
    home.mkdir()
    os.environ["LOA_HOME"] = str(home)  # the vault key the seed and the workers share
    postgres = args.database == "postgres"
    pg_name = ""
    if postgres:
        pg_name, url = fresh_postgres(args.postgres)
    else:
        url = f"sqlite:///{folder / 'loa.db'}"
    engine = make_engine(url)
    upgrade(engine)
    pages, channels = (args.pages, 1) if args.count >= 200 else (4, 1)
    say = print if not args.quiet else (lambda *a, **k: None)
    t0 = time.monotonic()
    with Emulator(
        folder / "emu",
        seed=args.seed,
        pages=pages,
        channels=channels,
        timeout_s=3.0,
        youtube_daily_uploads=100_000,
        youtube_daily_units=100_000_000,
        token_lifetime_s=10**8,
        graph_page_calls_per_day=10**7,
        graph_app_calls_per_hour=10**8,
    ) as emu:
        start = datetime.now(UTC) + timedelta(seconds=5)
        plan = seed(engine, emu, args.count, folder, start, args.spread_s)
        env = {**os.environ, **emu.env, "LOA_DATABASE_URL": url, "LOA_HOME": str(home)}
        if args.code:
            env["LOA_CHAOS_CODE"] = str(Path(args.code).resolve())
        env.update(
            LOA_HTTP_TIMEOUT_S="2",
            LOA_LEASE_SECONDS="8",
            LOA_RETRY_BASE_SECONDS="1",
            LOA_RETRY_CAP_SECONDS="4",
            LOA_MAX_ATTEMPTS="12",
            LOA_RECONCILE_SETTLE_SECONDS="5",
            LOA_GRACE_MINUTES="60",
            LOA_CONCURRENCY="8",
            # The emulator's project has the quota for the run: Loa's own ledger follows it.
            LOA_YOUTUBE_DAILY_UPLOADS="100000",
            LOA_YOUTUBE_DAILY_UNITS="100000000",
        )
        emu.set_faults(injected.faults)
        names = [f"w{n}" for n in range(args.workers)]
        skew = {n: (rng.uniform(-90, 90) if postgres else 0.0) for n in names}
        procs: dict[str, subprocess.Popen[bytes]] = {}
        for n in names:
            procs[n] = start_worker(f"{n}-0", env, folder, skew[n])
            injected.skews[f"{n}-0"] = skew[n]
        say(
            f"chaos: {args.count} publications {dict(plan.kinds)} on {args.database}, "
            f"{args.workers} worker(s), faults {injected.faults}"
        )
        try:
            verdicts, unexplained = _disrupt(
                args, rng, engine, emu, env, folder, injected, names, skew, procs, postgres, pg_name
            )
        finally:
            for proc in procs.values():  # never leave a worker behind
                if proc.poll() is None:
                    proc.kill()
        fired = dict(emu.faults.fired)
    elapsed = time.monotonic() - t0
    engine.dispose()
    if args.keep:
        print(f"kept: {'database ' + pg_name + ', ' if postgres else ''}files in {folder}")
    else:
        if postgres:
            drop_postgres(args.postgres, pg_name)
        shutil.rmtree(folder, ignore_errors=True)  # the workers' logs, media and SQLite file
    return _report(args, verdicts, unexplained, injected, fired, elapsed)


def _disrupt(
    args: argparse.Namespace,
    rng: random.Random,
    engine: Engine,
    emu: Any,
    env: dict[str, str],
    folder: Path,
    injected: Injected,
    names: list[str],
    skew: dict[str, float],
    procs: dict[str, subprocess.Popen[bytes]],
    postgres: bool,
    pg_name: str,
) -> tuple[list[Verdict], int]:
    """Kills, terminations, skews and reconnects for the chaos window, then the drain; the
    audit of every publication."""
    generation = dict.fromkeys(names, 0)
    chaos_end = time.monotonic() + max(args.chaos_s, 1.0)
    next_kill = time.monotonic() + rng.uniform(0.5, 1.5)
    next_pg = time.monotonic() + 3.0
    while time.monotonic() < chaos_end or injected.kills < args.kills:
        time.sleep(0.2)
        now = time.monotonic()
        if now >= next_kill and injected.kills < args.kills:
            n = rng.choice(names)
            procs[n].send_signal(signal.SIGKILL)
            procs[n].wait()
            injected.kills += 1
            generation[n] += 1
            name = f"{n}-{generation[n]}"
            skew[n] = rng.uniform(-90, 90) if postgres else 0.0
            procs[n] = start_worker(name, env, folder, skew[n])
            injected.skews[name] = skew[n]
            next_kill = now + rng.uniform(0.6, args.kill_gap_s)
        if postgres and now >= next_pg:
            injected.pg_terminated += terminate_backends(engine, pg_name)
            next_pg = now + rng.uniform(2.0, 5.0)
        if int(now * 5) % 10 == 0:
            injected.reconnects += reconnect_paused(engine, emu)
    # Faults go on until the workers, no longer killed, have tried nearly everything once.
    faulty_until = time.monotonic() + args.fault_tail_s
    while time.monotonic() < faulty_until and open_rows(engine) > args.count // 50:
        injected.reconnects += reconnect_paused(engine, emu)
        time.sleep(1.0)
    emu.set_faults("")  # the drain: no new faults, the workers finish what is open
    drain_end = time.monotonic() + args.drain_s
    while time.monotonic() < drain_end:
        injected.reconnects += reconnect_paused(engine, emu)
        if open_rows(engine) == 0:
            break
        time.sleep(1.0)
    for proc in procs.values():
        proc.send_signal(signal.SIGTERM)
    for proc in procs.values():
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
    return audit(engine, emu)


def _report(
    args: argparse.Namespace,
    verdicts: list[Verdict],
    unexplained: int,
    injected: Injected,
    fired: dict[str, int],
    elapsed: float,
) -> int:
    tally = Counter(v.outcome for v in verdicts)
    injected.faults = ", ".join(f"{rule.split('@')[0]} x{n}" for rule, n in sorted(fired.items()))
    if not args.quiet:
        for v in verdicts:
            print(f"  p{v.publication_id:<5} {v.kind:<6} {v.outcome:<15} {v.detail}")
    print(
        f"injected: {injected.kills} SIGKILLs, {injected.pg_terminated} database connections "
        f"terminated, {injected.reconnects} reconnects, worker clock skews "
        f"{min(injected.skews.values()):+.0f}..{max(injected.skews.values()):+.0f} s, "
        f"faults injected: {injected.faults}"
    )
    print(
        f"outcome of {len(verdicts)} publications on {args.database} with {args.workers} "
        f"worker(s) in {elapsed:.0f} s: "
        + ", ".join(f"{n} {k}" for k, n in sorted(tally.items()))
        + f"; {unexplained} objects on the platform no publication explains"
    )
    bad = tally["duplicated"] + tally["lost"] + unexplained
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--postgres", default=DEFAULT_PG)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--kill-gap-s", type=float, default=7.0)
    parser.add_argument("--chaos-s", type=float, default=240.0, help="faults and kills this long")
    parser.add_argument("--spread-s", type=float, default=200.0, help="due times over this long")
    parser.add_argument("--pages", type=int, default=24)
    parser.add_argument("--keep", action="store_true", help="keep the database and the files")
    parser.add_argument("--drain-s", type=float, default=300.0)
    parser.add_argument(
        "--fault-tail-s", type=float, default=120.0, help="faults stay on this long after kills"
    )
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument(
        "--without", action="append", default=[], help="leave a fault kind out (repeatable)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quiet", action="store_true", help="only the summary lines")
    parser.add_argument("--code", default="", help="run the workers from this source tree")
    args = parser.parse_args(argv)
    if args.database == "sqlite" and args.workers != 1:
        parser.error("SQLite runs one worker")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
