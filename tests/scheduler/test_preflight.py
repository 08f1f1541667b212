"""Pre-flight: problems found before the minute become alerts, once, and close when fixed."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from campaigns.models import Alert, ContentItem, Publication, PublicationState
from campaigns.settings import Settings
from connectors.base import TokenHealth, TransientError
from scheduler.preflight import run_preflight
from tests.scheduler.ops_data import FakeConnectors, World, add_publication, make_world

NOW = datetime(2025, 11, 25, 11, 0, tzinfo=UTC)


class Frozen:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def put_clip(engine: Engine, world: World, tmp_path: Path) -> Path:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)
    with Session(engine) as s:
        clip = s.get(ContentItem, world.contents["clip"].id)
        assert clip is not None
        clip.media_path = str(path)
        s.add(clip)
        s.commit()
    return path


def open_alerts(engine: Engine) -> list[tuple[int | None, str]]:
    with Session(engine) as s:
        rows = [a for a in s.exec(select(Alert)).all() if a.resolved_at is None]
        return sorted((a.publication_id, a.dedupe_key.rsplit(":", 1)[-1]) for a in rows)


def test_problems_become_alerts_once_and_close_when_fixed(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    world = make_world(sqlite_engine)
    settings = Settings(home=tmp_path, preflight_minutes=60)
    clip = add_publication(
        sqlite_engine, world, "clip", "yt", NOW + timedelta(minutes=30), PublicationState.DRAFT
    )
    later = add_publication(sqlite_engine, world, "post", "fb", NOW + timedelta(hours=3))
    connectors = FakeConnectors(connected=set())  # nothing connected yet

    findings = run_preflight(sqlite_engine, settings, Frozen(NOW), connectors)

    assert sorted(f.problem for f in findings) == ["approval", "credential", "media"]
    assert {f.publication_id for f in findings} == {clip.id}  # `later` is outside the window
    assert later.id not in {p for p, _ in open_alerts(sqlite_engine)}
    assert open_alerts(sqlite_engine) == [
        (clip.id, "approval"),
        (clip.id, "credential"),
        (clip.id, "media"),
    ]
    with Session(sqlite_engine) as s:
        media = s.exec(select(Alert).where(Alert.dedupe_key == f"preflight:{clip.id}:media")).one()
        message = media.message
    assert message.startswith(f"publication #{clip.id} 'clip-hotline' on ncfaw-yt")
    assert "file not found: clip.mp4" in message

    run_preflight(sqlite_engine, settings, Frozen(NOW + timedelta(minutes=5)), connectors)
    with Session(sqlite_engine) as s:
        assert len(s.exec(select(Alert)).all()) == 3  # the same problems, no new alerts

    # The officer connects the channel and fixes the media; the manager approves.
    put_clip(sqlite_engine, world, tmp_path)
    with Session(sqlite_engine) as s:
        row = s.get(Publication, clip.id)
        assert row is not None
        row.state = PublicationState.APPROVED
        s.add(row)
        s.commit()
    fixed = FakeConnectors()
    assert run_preflight(sqlite_engine, settings, Frozen(NOW + timedelta(minutes=10)), fixed) == []
    assert open_alerts(sqlite_engine) == []
    assert ("check_token", "UCvnGenderEquality0000001") in fixed.publishers["youtube"].calls


def test_token_without_permissions_is_found_and_blips_are_not(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    world = make_world(sqlite_engine)
    settings = Settings(home=tmp_path, preflight_minutes=60)
    pub = add_publication(sqlite_engine, world, "post", "fb", NOW + timedelta(minutes=20))
    add_publication(sqlite_engine, world, "post", "fb", NOW + timedelta(minutes=40))
    connectors = FakeConnectors()
    facebook = connectors.publishers["facebook"]
    facebook.errors["check_token"] = TransientError("Graph is down", platform="facebook")
    assert run_preflight(sqlite_engine, settings, Frozen(NOW), connectors) == []

    facebook.health = TokenHealth(
        valid=True, expires_at=None, scopes=(), missing_scopes=("pages_manage_posts",)
    )
    findings = run_preflight(sqlite_engine, settings, Frozen(NOW), connectors)
    assert [(f.publication_id, f.problem) for f in findings] == [
        (pub.id, "permissions"),
        (pub.id + 1, "permissions"),
    ]
    assert "pages_manage_posts" in findings[0].message
    # One token check per channel and run, however many publications it carries.
    assert [c for c in facebook.calls if c[0] == "check_token"] == [
        ("check_token", "104251380000001")
    ] * 2


def test_upload_quota_left_is_counted_per_pacific_day(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    world = make_world(sqlite_engine)
    put_clip(sqlite_engine, world, tmp_path)
    settings = Settings(home=tmp_path, preflight_minutes=120, youtube_daily_uploads=1)
    first = add_publication(sqlite_engine, world, "clip", "yt", NOW + timedelta(minutes=30))
    second = add_publication(sqlite_engine, world, "clip", "yt", NOW + timedelta(minutes=90))
    findings = run_preflight(sqlite_engine, settings, Frozen(NOW), FakeConnectors())
    assert [(f.publication_id, f.problem) for f in findings] == [(second.id, "quota")]
    assert first.id != second.id
