"""What the scheduler does with the platforms' late-2026 behaviour (issue 15): a clip locked
private is reviewed, not published; an exhausted upload bucket waits for midnight Pacific and
shows in the plan; `loa status` warns before the configured Graph version ends."""

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from campaigns.errors import ValidationFailed
from campaigns.importer import import_campaign
from campaigns.loader.load import load_campaign
from campaigns.models import Channel, ContentItem, Publication, PublicationState
from campaigns.settings import Settings
from connectors.base import ContentKind, Credentials, PublishRequest, QuotaExhausted, Secret
from connectors.emulator import Emulator, FrozenClock
from connectors.youtube import YouTubeConnector
from scheduler.dispatcher import build_request
from scheduler.handoff import HandOff
from scheduler.quota_plan import check_plan_fits
from scheduler.quota_store import DbQuotaStore
from scheduler.status import gather_status
from tests.conftest import copy_example, edit
from tests.scheduler import factories as f
from tests.scheduler.fakes import START, Rig
from tests.scheduler.ops_data import FakeConnectors, add_publication, make_world

S = PublicationState
LOCKED = (
    "YouTube locked video v1 private: the Google Cloud project has not passed YouTube's API "
    "audit. Pass the audit, or upload the clip from YouTube Studio."
)


def test_a_clip_locked_private_needs_review_with_what_to_do(any_engine: Engine) -> None:
    rig = Rig(any_engine)
    [pid] = f.grid(any_engine, [("ch1", "youtube", "UCvnGenderEquality0000001")], [START])
    publish = rig.yt.publish

    def locked(creds, request, progress=None, **kw):  # type: ignore[no-untyped-def]
        return replace(publish(creds, request, progress), published_at=None, restricted=LOCKED)

    rig.yt.publish = locked  # type: ignore[method-assign]
    report = rig.run()
    assert report.outcomes["restricted"] == 1
    pub = rig.pub(pid)
    assert pub.state == S.NEEDS_REVIEW
    assert pub.external_id  # the video exists: its id is kept, never uploaded again
    assert pub.published_at is None
    assert pub.last_error_code == "restricted"
    assert "audit" in pub.last_error
    [alert] = rig.alerts()
    assert alert.kind == "needs_review"
    assert "YouTube Studio" in alert.message
    rig.clock.advance(timedelta(hours=1))
    rig.run()
    assert len(rig.yt.calls) == 1


def test_an_exhausted_upload_bucket_waits_for_midnight_pacific_and_shows_in_the_plan(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    now = datetime(2025, 11, 25, 12, 0, tzinfo=UTC)  # 04:00 in California
    world = make_world(sqlite_engine)
    for minutes in (0, 30):
        add_publication(sqlite_engine, world, "clip", "yt", now + timedelta(minutes=minutes))
    settings = Settings(home=tmp_path)  # the documented 100 a day
    clock = FrozenClock(now)
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\0" * 2000)
    assert world.campaign.id is not None
    with Session(sqlite_engine) as s:
        assert check_plan_fits(s, world.campaign.id, settings) == []
    # The project's real bucket turned out smaller (uploads spent elsewhere): it runs out.
    with Emulator(tmp_path / "e", pages=1, channels=1, clock=clock, youtube_daily_uploads=1) as emu:
        ch = emu.accounts["youtube_channels"][0]
        creds = Credentials("youtube", ch["id"], Secret(json.dumps(ch["credentials"])))
        yt = YouTubeConnector(emu.connector_config(), DbQuotaStore(sqlite_engine), clock.now)
        request = PublishRequest(ContentKind.CLIP, ch["id"], title="t", media_path=clip)
        yt.publish(creds, request)
        with pytest.raises(QuotaExhausted) as caught:
            yt.publish(creds, replace(request, marker="second"))
    refused = caught.value
    assert refused.http_status == 429  # the 2026 answer, not a 60-second rate limit
    assert refused.bucket == "uploads"
    assert refused.reset_at == datetime(2025, 11, 26, 8, 0, tzinfo=UTC)
    with Session(sqlite_engine) as s:
        [problem] = check_plan_fits(s, world.campaign.id, settings)
    assert problem.startswith("quota day 2025-11-25")
    assert "the project allows 100 a day (2 would wait for the next reset)" in problem


def test_status_warns_90_days_before_the_graph_version_ends(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    make_world(sqlite_engine)
    near = datetime(2027, 8, 1, tzinfo=UTC)
    with Session(sqlite_engine) as s:
        old = gather_status(s, Settings(home=tmp_path, facebook_api_version="v23.0"), near)
        current = gather_status(s, Settings(home=tmp_path), near)
    [warning] = old.platform_warnings
    assert "Graph API v23.0 ends on 2027-10-08 (68 days left)" in warning
    assert "LOA_FACEBOOK_API_VERSION" in warning
    assert current.platform_warnings == []
    assert old.as_dict()["platform_warnings"] == [warning]


def test_a_clip_marked_reel_goes_to_facebook_as_a_reel(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    path = copy_example(tmp_path)
    edit(
        path,
        "    media: media/clip-hotline.mp4\n",
        "    media: media/clip-hotline.mp4\n    format: reel\n",
    )
    with Session(sqlite_engine) as s:
        import_campaign(s, path)
        s.commit()
        rows = s.exec(select(Publication, ContentItem).join(ContentItem)).all()
        reels: dict[str, set[bool]] = {}
        for pub, content in rows:
            channel = s.get(Channel, pub.channel_id)
            assert channel is not None
            reels.setdefault(content.key, set()).add(build_request(pub, channel, content).reel)
    assert reels.pop("clip-hotline") == {True}
    assert reels.pop("clip-online-safety") == {False}
    assert set().union(*reels.values()) == {False}
    edit(path, '    message: "25/11', '    format: reel\n    message: "25/11')
    with pytest.raises(ValidationFailed) as err:
        load_campaign(path)
    assert "only a clip can be a reel" in str(err.value)


def test_a_handed_off_clip_locked_private_needs_review_at_once(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    world = make_world(sqlite_engine)
    with Session(sqlite_engine) as s:
        yt = s.get(Channel, world.channels["yt"].id)
        assert yt is not None
        yt.native_handoff = True
        s.add(yt)
        s.commit()
    at = datetime(2025, 11, 16, 13, 0, tzinfo=UTC)
    pub = add_publication(sqlite_engine, world, "clip", "yt", at)
    connectors = FakeConnectors()
    youtube = connectors.publishers["youtube"]
    publish = youtube.publish

    def locked(creds, request, progress=None, **kw):  # type: ignore[no-untyped-def]
        return replace(publish(creds, request, progress), restricted=LOCKED)

    youtube.publish = locked  # type: ignore[method-assign]
    runner = HandOff(
        sqlite_engine,
        Settings(home=tmp_path),
        FrozenClock(at - timedelta(hours=12)),
        connectors,
        "w1",
    )
    assert runner.hand_off() == {pub.id: "restricted"}
    with Session(sqlite_engine) as s:
        row = s.get(Publication, pub.id)
        assert row is not None
        assert row.state == S.NEEDS_REVIEW
        assert row.external_id == "UCvnGenderEquality0000001_1"
        assert row.last_error_code == "restricted"
    assert runner.hand_off() == {}  # never scheduled again


def test_loa_status_prints_the_graph_version_warning(
    loa_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.scheduler.test_cli_ops import loa, seeded

    seeded(loa_home)
    monkeypatch.setenv("LOA_FACEBOOK_API_VERSION", "v20.0")  # ended on 2026-09-24
    table = loa("status", cwd=loa_home.parent)
    assert table.returncode == 0, table.stderr
    assert "Graph API" in table.stdout
    assert "v20.0 ended on 2026-09-24" in table.stdout
    data = json.loads(loa("status", "--json", cwd=loa_home.parent).stdout)
    assert "v20.0 ended on 2026-09-24" in data["platform_warnings"][0]
    monkeypatch.setenv("LOA_FACEBOOK_API_VERSION", "v26.0")
    assert "Graph API" not in loa("status", cwd=loa_home.parent).stdout
