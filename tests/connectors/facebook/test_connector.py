"""The Facebook connector against Graph answers played back by `responses`."""

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import requests
import responses
from responses import matchers

from connectors.base import (
    ConnectorConfig,
    ContentKind,
    Credentials,
    PublishRequest,
    RateLimited,
    ReconcileProbe,
    Rejected,
    Secret,
    TransientError,
    UnknownOutcome,
)
from connectors.facebook import FacebookConnector

BASE = "https://graph.example.test/"
V = BASE + "v26.0/"
PAGE = "104251380000001"
TOKEN = "EAAPageTokenForTests0123456789"
NOW = datetime(2025, 11, 20, 3, 0, tzinfo=UTC)


@pytest.fixture
def fb() -> FacebookConnector:
    return FacebookConnector(ConnectorConfig(facebook_graph_url=BASE), clock=lambda: NOW)


@pytest.fixture
def creds() -> Credentials:
    return Credentials("facebook", PAGE, Secret(TOKEN))


def form(call: responses.Call) -> dict[str, str]:
    body = call.request.body
    text = body.decode() if isinstance(body, bytes) else str(body or "")
    return {k: v[0] for k, v in parse_qs(text).items()}


@responses.activate
def test_post_goes_to_the_configured_host_and_version(
    fb: FacebookConnector, creds: Credentials
) -> None:
    responses.post(V + f"{PAGE}/feed", json={"id": f"{PAGE}_1"})
    result = fb.publish(
        creds, PublishRequest(ContentKind.LINK, PAGE, message="Xin chào", link="https://e.org")
    )
    assert result.external_id == f"{PAGE}_1"
    assert result.published_at == NOW
    sent = form(responses.calls[0])
    assert sent["message"] == "Xin chào"
    assert sent["link"] == "https://e.org"
    assert sent["access_token"] == TOKEN  # in the body, not the URL
    assert "access_token" not in responses.calls[0].request.url


@responses.activate
def test_native_schedule_sends_unpublished_with_time(
    fb: FacebookConnector, creds: Credentials
) -> None:
    responses.post(V + f"{PAGE}/feed", json={"id": f"{PAGE}_2"})
    at = NOW + timedelta(hours=2)
    result = fb.publish(creds, PublishRequest(ContentKind.POST, PAGE, message="x", publish_at=at))
    sent = form(responses.calls[0])
    assert sent["published"] == "false"
    assert int(sent["scheduled_publish_time"]) == int(at.timestamp())
    assert result.published_at is None
    assert result.scheduled_for == at


@pytest.mark.parametrize("ahead", [timedelta(minutes=5), timedelta(days=31)])
@responses.activate
def test_schedule_outside_the_window_is_refused_before_calling(
    fb: FacebookConnector, creds: Credentials, ahead: timedelta
) -> None:
    with pytest.raises(Rejected, match="10 minutes to 30 days"):
        fb.publish(
            creds, PublishRequest(ContentKind.POST, PAGE, message="x", publish_at=NOW + ahead)
        )
    assert len(responses.calls) == 0


@responses.activate
def test_photo_is_multipart_source(
    fb: FacebookConnector, creds: Credentials, tmp_path: Path
) -> None:
    photo = tmp_path / "banner.png"
    photo.write_bytes(b"\x89PNG fake image bytes")
    responses.post(V + f"{PAGE}/photos", json={"id": "555", "post_id": f"{PAGE}_555"})
    result = fb.publish(
        creds, PublishRequest(ContentKind.PHOTO, PAGE, message="Ảnh", media_path=photo)
    )
    assert result.external_id == f"{PAGE}_555"
    body = responses.calls[0].request.body
    assert isinstance(body, bytes)
    assert b'name="source"; filename="banner.png"' in body
    assert b"\x89PNG fake image bytes" in body


@responses.activate
def test_video_upload_sends_the_chunks_the_server_asks_for(
    creds: Credentials, tmp_path: Path
) -> None:
    fb = FacebookConnector(
        ConnectorConfig(facebook_graph_url=BASE, facebook_video_url="https://video.example.test/"),
        clock=lambda: NOW,
    )
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(bytes(range(256)) * 40)  # 10,240 bytes
    url = f"https://video.example.test/v26.0/{PAGE}/videos"
    responses.post(
        url,
        json={
            "video_id": "77",
            "upload_session_id": "s1",
            "start_offset": "0",
            "end_offset": "4096",
        },
    )
    responses.post(url, json={"start_offset": "4096", "end_offset": "8192"})
    responses.post(url, json={"start_offset": "8192", "end_offset": "10240"})
    responses.post(url, json={"start_offset": "10240", "end_offset": "10240"})
    responses.post(url, json={"success": True})
    seen: list[tuple[int, int]] = []
    result = fb.publish(
        creds,
        PublishRequest(ContentKind.CLIP, PAGE, message="Mô tả", title="Tiêu đề", media_path=clip),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert result.external_id == "77"
    assert seen[0] == (0, 10240)
    assert seen[-1] == (10240, 10240)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert len(responses.calls) == 5
    assert form(responses.calls[0]) == {
        "upload_phase": "start",
        "file_size": "10240",
        "access_token": TOKEN,
    }
    data = clip.read_bytes()
    for call, (lo, hi) in zip(
        responses.calls[1:4], [(0, 4096), (4096, 8192), (8192, 10240)], strict=True
    ):
        body = call.request.body
        assert isinstance(body, bytes)
        assert b'name="upload_phase"\r\n\r\ntransfer' in body
        assert f'name="start_offset"\r\n\r\n{lo}'.encode() in body
        assert data[lo:hi] in body
    finish = form(responses.calls[-1])
    assert finish["upload_phase"] == "finish"
    assert finish["upload_session_id"] == "s1"
    assert finish["title"] == "Tiêu đề"


@responses.activate
def test_rate_limit_reads_the_business_use_case_header(
    fb: FacebookConnector, creds: Credentials
) -> None:
    buc = {
        PAGE: [
            {
                "type": "pages",
                "call_count": 100,
                "total_cputime": 20,
                "total_time": 30,
                "estimated_time_to_regain_access": 17,
            }
        ]
    }
    responses.post(
        V + f"{PAGE}/feed",
        status=400,
        json={
            "error": {
                "message": "(#32) Page request limit reached",
                "type": "OAuthException",
                "code": 32,
                "fbtrace_id": "AbC",
            }
        },
        headers={"X-Business-Use-Case-Usage": json.dumps(buc)},
    )
    with pytest.raises(RateLimited) as err:
        fb.publish(creds, PublishRequest(ContentKind.POST, PAGE, message="x"))
    assert err.value.retry_after == timedelta(minutes=17)
    assert err.value.scope == "account"
    assert err.value.trace_id == "AbC"


@responses.activate
def test_dropped_connection_on_create_is_an_unknown_outcome(
    fb: FacebookConnector, creds: Credentials
) -> None:
    responses.post(
        V + f"{PAGE}/feed", body=requests.ConnectionError("Connection aborted. RemoteDisconnected")
    )
    with pytest.raises(UnknownOutcome):
        fb.publish(creds, PublishRequest(ContentKind.POST, PAGE, message="x"))


@responses.activate
def test_dropped_connection_on_read_is_transient(fb: FacebookConnector, creds: Credentials) -> None:
    responses.get(V + f"{PAGE}_1", body=requests.ConnectionError("Connection aborted."))
    with pytest.raises(TransientError):
        fb.status(creds, f"{PAGE}_1")


@responses.activate
def test_server_error_without_json_on_a_create_is_unknown(
    fb: FacebookConnector, creds: Credentials
) -> None:
    # Meta's edge answers 502 after the write may have landed: reconcile, never retry blind.
    responses.post(
        V + f"{PAGE}/feed", status=502, body="<html>Bad gateway</html>", content_type="text/html"
    )
    with pytest.raises(UnknownOutcome, match="502"):
        fb.publish(creds, PublishRequest(ContentKind.POST, PAGE, message="x"))


@responses.activate
def test_reconcile_follows_paging_and_matches_nfc_text(
    fb: FacebookConnector, creds: Credentials
) -> None:
    decomposed = "Ti\u00ea\u0300ng Vi\u1ec7t"  # "Tiềng Việt" typed with a combining accent
    t = "2025-11-20T02:59:00+0000"
    responses.get(
        V + f"{PAGE}/published_posts",
        match=[matchers.query_param_matcher({"after": "c1"}, strict_match=False)],
        json={
            "data": [
                {"id": f"{PAGE}_9", "message": decomposed, "created_time": t, "is_published": True}
            ]
        },
    )
    responses.get(
        V + f"{PAGE}/published_posts",
        json={
            "data": [{"id": f"{PAGE}_8", "message": "other", "created_time": t}],
            "paging": {"next": V + f"{PAGE}/published_posts?after=c1&access_token=EAAzzz"},
        },
    )
    responses.get(V + f"{PAGE}/scheduled_posts", json={"data": []})
    probe = ReconcileProbe(
        ContentKind.POST,
        PAGE,
        "m-1",
        "Tiềng Việt",
        "",
        NOW - timedelta(minutes=5),
        NOW + timedelta(minutes=1),
    )
    result = fb.reconcile(creds, probe)
    assert [f.external_id for f in result.found] == [f"{PAGE}_9"]
    assert result.found[0].matched_on == "text"
    assert result.complete


@responses.activate
def test_reconcile_reports_a_truncated_listing_as_incomplete(
    fb: FacebookConnector, creds: Credentials
) -> None:
    endless = {"data": [], "paging": {"next": V + f"{PAGE}/published_posts?after=x"}}
    responses.get(V + f"{PAGE}/published_posts", json=endless)
    responses.get(V + f"{PAGE}/scheduled_posts", json={"data": []})
    probe = ReconcileProbe(ContentKind.POST, PAGE, "m", "x", "", NOW - timedelta(hours=1), NOW)
    result = fb.reconcile(creds, probe)
    assert result.found == ()
    assert not result.complete


def _insights_node(
    metrics: dict[str, object], comments: int, shares: int | None
) -> dict[str, object]:
    node: dict[str, object] = {
        "insights": {
            "data": [
                {"name": k, "period": "lifetime", "values": [{"value": v}]}
                for k, v in metrics.items()
            ]
        },
        "comments": {"data": [], "summary": {"total_count": comments}},
    }
    if shares is not None:
        node["shares"] = {"count": shares}
    return node


def _requested_metrics(request: requests.PreparedRequest) -> list[str]:
    fields = parse_qs(str(request.url).split("?", 1)[1])["fields"][0]
    m = re.search(r"insights\.metric\(([^)]*)\)", fields)
    return m.group(1).split(",") if m else []


@responses.activate
def test_a_retired_metric_does_not_lose_the_others(
    fb: FacebookConnector, creds: Credentials
) -> None:
    """Graph names no metric in its error: the connector bisects until the culprit is alone."""
    retired = "post_clicks"
    values = {
        "post_media_view": 120,
        "post_total_media_view_unique": 80,
        "post_reactions_by_type_total": {"like": 5, "love": 2},
        "post_video_views": 0,
    }

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        names = _requested_metrics(request)
        if retired in names:
            err = {
                "error": {
                    "message": "(#100) The value must be a valid insights metric",
                    "type": "OAuthException",
                    "code": 100,
                }
            }
            return 400, {}, json.dumps(err)
        ids = parse_qs(str(request.url).split("?", 1)[1])["ids"][0].split(",")
        body = {i: {"id": i, **_insights_node({n: values[n] for n in names}, 3, 4)} for i in ids}
        return 200, {}, json.dumps(body)

    responses.add_callback(responses.GET, V, callback=answer, content_type="application/json")
    ids = [f"{PAGE}_{n}" for n in range(1, 4)]
    rows = fb.object_metrics(creds, ids)
    assert [r.external_id for r in rows] == ids
    first = rows[0]
    assert first.values["views"] == 120
    assert first.values["reach"] == 80
    assert first.values["reactions"] == 7  # the object summed
    assert first.values["comments"] == 3
    assert first.values["shares"] == 4
    assert "clicks" not in first.values
    assert first.unavailable == (retired,)
    assert retired in fb.retired
    # Next time the retired metric is not asked for at all: one request.
    before = len(responses.calls)
    fb.object_metrics(creds, ids[:1])
    assert len(responses.calls) == before + 1


@responses.activate
def test_a_page_video_is_measured_through_its_post_once_graph_names_it(
    fb: FacebookConnector, creds: Credentials
) -> None:
    """Graph may name a video's post only once the video is processed: until then the video is
    left for a later pull (no error); then its post's numbers come back under the video's id."""
    video, post = "9001", f"{PAGE}_9001"
    posted = {"yet": False}

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        query = parse_qs(str(request.url).split("?", 1)[1])
        ids = query["ids"][0].split(",")
        if query["fields"][0] == "post_id,permalink_url":
            assert ids == [video]
            node = {"id": video, **({"post_id": post} if posted["yet"] else {})}
            return 200, {}, json.dumps({video: node})
        assert ids == [post]
        names = _requested_metrics(request)
        return (
            200,
            {},
            json.dumps({post: {"id": post, **_insights_node(dict.fromkeys(names, 9), 1, 2)}}),
        )

    responses.add_callback(responses.GET, V, callback=answer, content_type="application/json")
    assert fb.object_metrics(creds, [video]) == []
    posted["yet"] = True
    [row] = fb.object_metrics(creds, [video])
    assert row.external_id == video
    assert row.values["comments"] == 1
    assert row.values["shares"] == 2
    assert row.values["reach"] == 9


@responses.activate
def test_metric_named_in_the_error_is_dropped_directly(
    fb: FacebookConnector, creds: Credentials
) -> None:
    calls: list[list[str]] = []

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        names = _requested_metrics(request)
        calls.append(names)
        if "post_video_views" in names:
            return (
                400,
                {},
                json.dumps(
                    {
                        "error": {
                            "message": "(#100) post_video_views is not a valid insights metric",
                            "code": 100,
                        }
                    }
                ),
            )
        return 200, {}, json.dumps({f"{PAGE}_1": _insights_node({n: 1 for n in names}, 0, None)})

    responses.add_callback(responses.GET, V, callback=answer, content_type="application/json")
    rows = fb.object_metrics(creds, [f"{PAGE}_1"])
    assert len(calls) == 2
    assert rows[0].unavailable == ("post_video_views",)
    assert rows[0].values["shares"] == 0  # Graph omits `shares` when nobody shared


@responses.activate
def test_retired_names_follow_the_calendar(creds: Credentials) -> None:
    """Before 2026-06-15 `post_total_media_view_unique` is preferred too; the retired
    `post_impressions` (2025-11-15) is never requested after its date."""
    fb = FacebookConnector(ConnectorConfig(facebook_graph_url=BASE), clock=lambda: NOW)
    responses.get(V, json={f"{PAGE}_1": _insights_node({}, 0, 0)})
    fb.object_metrics(creds, [f"{PAGE}_1"])
    names = _requested_metrics(responses.calls[0].request)
    assert "post_media_view" in names
    assert "post_impressions" not in names
    assert "post_total_media_view_unique" in names
    assert "post_impressions_unique" not in names


@responses.activate
def test_page_daily_insights_by_day(fb: FacebookConnector, creds: Credentials) -> None:
    responses.get(
        V + f"{PAGE}/insights",
        json={
            "data": [
                {
                    "name": "page_media_view",
                    "period": "day",
                    "values": [
                        {"value": 10, "end_time": "2025-11-16T08:00:00+0000"},
                        {"value": 12, "end_time": "2025-11-17T08:00:00+0000"},
                    ],
                },
                {
                    "name": "page_daily_follows_unique",
                    "period": "day",
                    "values": [{"value": 3, "end_time": "2025-11-16T08:00:00+0000"}],
                },
            ]
        },
    )
    rows = fb.account_daily(creds, date(2025, 11, 15), date(2025, 11, 16))
    got = {(r.day, r.metric): r.value for r in rows}
    assert got == {
        (date(2025, 11, 15), "views"): 10,
        (date(2025, 11, 16), "views"): 12,
        (date(2025, 11, 15), "followers_gained"): 3,
    }


@responses.activate
def test_check_token_lists_missing_permissions(fb: FacebookConnector, creds: Credentials) -> None:
    responses.get(
        V + "debug_token",
        json={
            "data": {
                "is_valid": True,
                "expires_at": 0,
                "scopes": ["pages_manage_posts", "pages_read_engagement"],
            }
        },
    )
    health = fb.check_token(creds)
    assert health.valid
    assert health.expires_at is None
    # pages_read_user_content: what reading comment counts needs, per Meta's documentation.
    assert health.missing_scopes == ("pages_read_user_content", "read_insights", "publish_video")


@responses.activate
def test_check_token_reports_an_expired_token_as_invalid(
    fb: FacebookConnector, creds: Credentials
) -> None:
    responses.get(
        V + "debug_token",
        status=400,
        json={
            "error": {
                "message": "Error validating access token: Session has expired",
                "code": 190,
                "error_subcode": 463,
            }
        },
    )
    health = fb.check_token(creds)
    assert not health.valid
    assert "expired" in health.detail


@responses.activate
def test_cancel_deletes_and_status_of_a_missing_post_is_none(
    fb: FacebookConnector, creds: Credentials
) -> None:
    responses.delete(V + f"{PAGE}_5", json={"success": True})
    responses.get(
        V + f"{PAGE}_5",
        status=400,
        json={
            "error": {
                "message": "Unsupported get request. Object with ID does not exist",
                "code": 100,
                "error_subcode": 33,
            }
        },
    )
    fb.cancel_scheduled(creds, f"{PAGE}_5")
    assert responses.calls[0].request.method == "DELETE"
    assert fb.status(creds, f"{PAGE}_5") is None


@responses.activate
def test_an_unreadable_success_answer_to_a_post_is_an_unknown_outcome(
    fb: FacebookConnector, creds: Credentials
) -> None:
    # A proxy that mangles the 200 (no content type, HTML): Graph accepted the request, so the
    # post may exist; calling it rejected would fail a publication that went out.
    responses.post(V + f"{PAGE}/feed", body="<html>OK</html>", status=200, content_type="")
    with pytest.raises(UnknownOutcome):
        fb.publish(creds, PublishRequest(ContentKind.POST, PAGE, message="Xin chào"))
    responses.get(V + f"{PAGE}_1", body="<html>OK</html>", status=200, content_type="")
    with pytest.raises(Rejected):
        fb.status(creds, f"{PAGE}_1")  # a read that created nothing stays what it was
