"""The YouTube connector against Google answers played back by HttpMockSequence."""

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from googleapiclient.http import HttpMockSequence

from connectors.base import (
    AuthExpired,
    ConnectorConfig,
    ContentKind,
    Credentials,
    PermissionDenied,
    PublishRequest,
    QuotaExhausted,
    RateLimited,
    ReconcileProbe,
    Rejected,
    Secret,
    TransientError,
    UnknownOutcome,
)
from connectors.youtube import MemoryQuotaStore, YouTubeConnector
from connectors.youtube.quota import reset_at

NOW = datetime(2025, 11, 20, 3, 0, tzinfo=UTC)
CHANNEL = "UCvnGenderEquality0000001"
DOC = {
    "token": "ya29.accesstokenfortests",
    "refresh_token": "1//refreshtokenfortests",
    "client_id": "project-1.apps.googleusercontent.com",
    "client_secret": "client-secret-for-tests",
}
CHUNK = 256 * 1024


def creds() -> Credentials:
    return Credentials("youtube", CHANNEL, Secret(json.dumps(DOC)))


def connector(
    answers: list[tuple[dict[str, str], Any]],
    store: MemoryQuotaStore | None = None,
    **kw: Any,
) -> tuple[YouTubeConnector, HttpMockSequence]:
    encoded = [(h, c if isinstance(c, str | bytes) else json.dumps(c)) for h, c in answers]
    http = HttpMockSequence(encoded)
    yt = YouTubeConnector(
        ConnectorConfig(upload_chunk_bytes=CHUNK),
        quota=store,
        clock=lambda: NOW,
        http_factory=lambda _secret: http,
        chunk_retries=0,
        **kw,
    )
    return yt, http


def error(status: int, reason: str, message: str = "") -> tuple[dict[str, str], str]:
    body = {
        "error": {
            "code": status,
            "message": message or reason,
            "errors": [{"reason": reason, "message": message or reason, "domain": "youtube"}],
        }
    }
    return {"status": str(status)}, json.dumps(body)


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"v" * (CHUNK * 2 + 1000))
    return path


def test_resumable_upload_reports_progress_and_keeps_the_marker(clip: Path) -> None:
    total = clip.stat().st_size
    yt, http = connector(
        [
            ({"status": "200", "location": "https://upload.test/session-1"}, ""),
            ({"status": "308", "range": f"bytes=0-{CHUNK - 1}"}, ""),
            ({"status": "308", "range": f"bytes=0-{2 * CHUNK - 1}"}, ""),
            ({"status": "200"}, {"id": "vid123", "snippet": {}, "status": {}}),
            ({"status": "200"}, {"id": "pli1"}),
            ({"status": "200"}, {"items": [{"id": "pli1"}]}),
        ]
    )
    seen: list[tuple[int, int]] = []
    at = NOW + timedelta(days=2)
    result = yt.publish(
        creds(),
        PublishRequest(
            ContentKind.CLIP,
            CHANNEL,
            message="Mô tả",
            title="An toàn trên mạng",
            media_path=clip,
            tags=("bình đẳng giới",),
            playlist_id="PL1",
            publish_at=at,
            marker="pub-42",
        ),
        progress=lambda done, of: seen.append((done, of)),
    )
    assert result.external_id == "vid123"
    assert result.scheduled_for == at
    assert result.published_at is None
    assert seen[0] == (0, total)
    assert (CHUNK, total) in seen
    assert (2 * CHUNK, total) in seen
    assert seen[-1] == (total, total)
    start = http.request_sequence[0]
    assert "uploadType=resumable" in start[0]
    assert start[0].startswith("https://youtube.googleapis.com/upload/youtube/v3/videos")
    metadata = json.loads(start[2])
    assert metadata["status"] == {
        "selfDeclaredMadeForKids": False,
        "privacyStatus": "private",
        "publishAt": "2025-11-22T03:00:00Z",
    }
    assert metadata["snippet"]["tags"] == ["bình đẳng giới", "loa-pub-42"]
    playlist = json.loads(http.request_sequence[4][2])
    assert playlist["snippet"] == {
        "playlistId": "PL1",
        "resourceId": {"kind": "youtube#video", "videoId": "vid123"},
    }
    check = http.request_sequence[5]  # the clip's entries, counted after the insert
    assert check[1] == "GET"
    assert "playlistId=PL1" in check[0]
    assert "videoId=vid123" in check[0]
    assert len(http.request_sequence) == 6  # one entry: nothing to delete


def test_upload_without_schedule_uses_the_requested_privacy(clip: Path) -> None:
    yt, http = connector(
        [
            ({"status": "200", "location": "https://upload.test/s"}, ""),
            ({"status": "200"}, {"id": "v1"}),
        ]
    )
    small = clip.with_name("small.mp4")
    small.write_bytes(b"x" * 100)
    result = yt.publish(
        creds(),
        PublishRequest(ContentKind.CLIP, CHANNEL, title="t", media_path=small, privacy="unlisted"),
    )
    assert result.published_at == NOW
    assert json.loads(http.request_sequence[0][2])["status"]["privacyStatus"] == "unlisted"


def test_server_error_on_the_last_chunk_is_an_unknown_outcome(clip: Path) -> None:
    small = clip.with_name("small.mp4")
    small.write_bytes(b"x" * 100)
    yt, _ = connector(
        [({"status": "200", "location": "https://upload.test/s"}, ""), error(503, "backendError")]
    )
    with pytest.raises(UnknownOutcome):
        yt.publish(creds(), PublishRequest(ContentKind.CLIP, CHANNEL, title="t", media_path=small))


def test_upload_bucket_is_checked_before_calling(clip: Path) -> None:
    store = MemoryQuotaStore()
    yt, http = connector([], store=store, daily_uploads=1)
    store.add(
        "project-1.apps.googleusercontent.com", date(2025, 11, 19), "uploads", 1
    )  # Pacific day
    with pytest.raises(QuotaExhausted) as err:
        yt.publish(creds(), PublishRequest(ContentKind.CLIP, CHANNEL, title="t", media_path=clip))
    assert err.value.bucket == "uploads"
    assert err.value.reset_at == datetime(2025, 11, 20, 8, 0, tzinfo=UTC)  # midnight PST
    assert http.request_sequence == []


def test_real_quota_exceeded_empties_the_ledger_for_the_day() -> None:
    store = MemoryQuotaStore()
    yt, http = connector([error(403, "quotaExceeded")], store=store)
    with pytest.raises(QuotaExhausted):
        yt.object_metrics(creds(), ["a"])
    with pytest.raises(QuotaExhausted):  # not called again: the ledger is full
        yt.object_metrics(creds(), ["a"])
    assert len(http.request_sequence) == 1


def test_statistics_come_as_strings_and_are_batched_by_fifty() -> None:
    ids = [f"v{n}" for n in range(60)]
    page1 = {
        "items": [
            {"id": i, "statistics": {"viewCount": "1200", "likeCount": "30", "commentCount": "4"}}
            for i in ids[:50]
        ]
    }
    page2 = {"items": [{"id": i, "statistics": {"viewCount": "7"}} for i in ids[50:]]}
    yt, http = connector([({"status": "200"}, page1), ({"status": "200"}, page2)])
    rows = yt.object_metrics(creds(), ids)
    assert len(rows) == 60
    assert rows[0].values == {
        "views": 1200.0,
        "reactions": 30.0,
        "comments": 4.0,
    }  # video_views come from Analytics' engagedViews, not a copy of views
    assert rows[59].values["views"] == 7.0
    assert len(http.request_sequence) == 2
    assert "id=" + "%2C".join(ids[:50]) in http.request_sequence[0][0]


def test_analytics_daily_watch_time_is_in_hours() -> None:
    table = {
        "kind": "youtubeAnalytics#resultTable",
        "columnHeaders": [
            {"name": "day", "columnType": "DIMENSION"},
            {"name": "views", "columnType": "METRIC"},
            {"name": "estimatedMinutesWatched", "columnType": "METRIC"},
            {"name": "averageViewDuration", "columnType": "METRIC"},
            {"name": "likes", "columnType": "METRIC"},
            {"name": "comments", "columnType": "METRIC"},
            {"name": "shares", "columnType": "METRIC"},
            {"name": "subscribersGained", "columnType": "METRIC"},
        ],
        "rows": [["2025-11-16", 100, 90, 54, 5, 2, 1, 3]],
    }
    yt, http = connector([({"status": "200"}, table)])
    rows = yt.video_daily(creds(), ["vid1"], date(2025, 11, 16), date(2025, 11, 16))
    got = {r.metric: r.value for r in rows}
    assert got["watch_time_hours"] == 1.5
    assert got["views"] == 100
    assert got["followers_gained"] == 3
    assert got["avg_view_duration_s"] == 54
    assert all(r.external_id == "vid1" and r.day == date(2025, 11, 16) for r in rows)
    assert http.request_sequence[0][0].startswith(
        "https://youtubeanalytics.googleapis.com/v2/reports"
    )
    assert "filters=video%3D%3Dvid1" in http.request_sequence[0][0]


def test_demographics_become_shares() -> None:
    table = {
        "columnHeaders": [{"name": "ageGroup"}, {"name": "gender"}, {"name": "viewerPercentage"}],
        "rows": [["age18-24", "female", 40.0], ["age18-24", "male", 60.0]],
    }
    yt, _ = connector([({"status": "200"}, table)])
    shares = yt.audience(creds(), date(2025, 11, 15), date(2025, 12, 15))
    assert [(s.gender, s.age_group, s.share) for s in shares] == [
        ("female", "age18-24", 0.4),
        ("male", "age18-24", 0.6),
    ]


def test_reconcile_finds_the_upload_by_its_marker_tag() -> None:
    yt, _ = connector(
        [
            (
                {"status": "200"},
                {"items": [{"contentDetails": {"relatedPlaylists": {"uploads": "UU1"}}}]},
            ),
            (
                {"status": "200"},
                {
                    "items": [
                        {
                            "snippet": {"publishedAt": "2025-11-20T02:58:00Z"},
                            "contentDetails": {"videoId": "new"},
                        },
                        {
                            "snippet": {"publishedAt": "2025-11-19T02:58:00Z"},
                            "contentDetails": {"videoId": "old"},
                        },
                    ],
                    "nextPageToken": "more",
                },
            ),
            (
                {"status": "200"},
                {
                    "items": [
                        {
                            "id": "new",
                            "snippet": {
                                "title": "x",
                                "tags": ["loa-pub-42"],
                                "publishedAt": "2025-11-20T02:58:00Z",
                            },
                            "status": {},
                        }
                    ]
                },
            ),
        ]
    )
    probe = ReconcileProbe(
        ContentKind.CLIP, CHANNEL, "pub-42", "", "other title", NOW - timedelta(minutes=10), NOW
    )
    result = yt.reconcile(creds(), probe)
    assert [(f.external_id, f.matched_on) for f in result.found] == [("new", "marker")]
    assert result.complete  # an older upload proves the window was covered


def test_status_of_a_missing_video_is_none() -> None:
    yt, _ = connector([({"status": "200"}, {"items": []})])
    assert yt.status(creds(), "gone") is None


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (error(401, "authError"), AuthExpired),
        (error(403, "forbidden"), PermissionDenied),
        (error(403, "insufficientPermissions"), PermissionDenied),
        (error(403, "rateLimitExceeded"), RateLimited),
        (error(429, "userRateLimitExceeded"), RateLimited),
        (error(500, "backendError"), TransientError),
        (error(400, "invalidVideoId"), Rejected),
    ],
)
def test_read_errors_map_into_the_taxonomy(
    answer: tuple[dict[str, str], str], expected: type
) -> None:
    yt, _ = connector([answer])
    with pytest.raises(expected):
        yt.status(creds(), "v")


def test_reset_is_midnight_pacific_across_daylight_saving() -> None:
    assert reset_at(datetime(2025, 7, 1, 12, 0, tzinfo=UTC)) == datetime(
        2025, 7, 2, 7, 0, tzinfo=UTC
    )
    assert reset_at(datetime(2025, 11, 20, 9, 0, tzinfo=UTC)) == datetime(
        2025, 11, 21, 8, 0, tzinfo=UTC
    )


def uploads_listing(*videos: dict[str, Any]) -> list[tuple[dict[str, str], Any]]:
    """channels.list, one page of the uploads playlist (complete), then videos.list."""
    return [
        (
            {"status": "200"},
            {"items": [{"contentDetails": {"relatedPlaylists": {"uploads": "U"}}}]},
        ),
        (
            {"status": "200"},
            {
                "items": [
                    {
                        "snippet": {"publishedAt": v["snippet"]["publishedAt"]},
                        "contentDetails": {"videoId": v["id"]},
                    }
                    for v in videos
                ]
            },
        ),
        ({"status": "200"}, {"items": list(videos)}),
    ]


def video(vid: str, title: str, tags: list[str]) -> dict[str, Any]:
    snippet = {"title": title, "tags": tags, "publishedAt": "2025-11-20T02:58:00Z"}
    return {"id": vid, "snippet": snippet, "status": {"privacyStatus": "public"}}


def test_reconcile_with_a_marker_does_not_take_a_same_title_upload() -> None:
    # Two publications of one clip on one channel share the title; each upload carries its
    # own marker tag, so a title match is someone else's video, not proof of ours.
    probe = ReconcileProbe(
        ContentKind.CLIP, CHANNEL, "loa-p7", "", "Tổng đài 111", NOW - timedelta(minutes=10), NOW
    )
    other = video("theirs", "Tổng đài 111", ["loa-loa-p6"])
    by_hand = video("manual", "Tổng đài 111", [])
    yt, _ = connector(uploads_listing(other, by_hand))
    result = yt.reconcile(creds(), probe)
    assert result.found == ()
    assert result.complete

    ours = video("ours", "Tổng đài 111", ["loa-loa-p7"])
    yt, _ = connector(uploads_listing(other, ours))
    assert [f.external_id for f in yt.reconcile(creds(), probe).found] == ["ours"]


def test_reconcile_without_a_marker_falls_back_on_the_title() -> None:
    probe = ReconcileProbe(
        ContentKind.CLIP, CHANNEL, "", "", "Tổng đài 111", NOW - timedelta(minutes=10), NOW
    )
    yt, _ = connector(uploads_listing(video("manual", "Tổng đài 111", [])))
    assert [(f.external_id, f.matched_on) for f in yt.reconcile(creds(), probe).found] == [
        ("manual", "title")
    ]


def test_private_video_without_a_schedule_is_not_published() -> None:
    # Unverified API projects get their uploads locked private: a hand-off whose publishAt
    # passed and that stayed private has not gone out.
    stuck = video("v", "t", [])
    stuck["status"] = {"privacyStatus": "private"}
    yt, _ = connector([({"status": "200"}, {"items": [stuck]})])
    found = yt.status(creds(), "v")
    assert found is not None
    assert found.published_at is None

    yt, _ = connector([({"status": "200"}, {"items": [video("v", "t", [])]})])
    public = yt.status(creds(), "v")
    assert public is not None
    assert public.published_at == datetime(2025, 11, 20, 2, 58, tzinfo=UTC)
