"""Each fault kind produces its documented wire shape through the real clients."""

import json
import time
from pathlib import Path

import facebook
import httplib2
import pytest
import requests
from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError

from connectors.emulator import Emulator
from connectors.emulator.faults import FaultSet, FaultSpecError, parse_spec
from connectors.emulator.platform import PlatformSwitches
from tests.connectors.emulator.clients import graph, page, youtube


def test_spec_grammar() -> None:
    rules = parse_spec(
        "5xx@0.05,drop:publish@0.03,rate_limit:facebook#2,quota:youtube#1,"
        "token_expired:104251380000002,latency=100"
    )
    assert [r.describe() for r in rules] == [
        "5xx@0.05",
        "drop:publish@0.03",
        "rate_limit:facebook#2",
        "quota:youtube#1",
        "token_expired:104251380000002",
        "latency=100",
    ]
    for bad in ("boom", "5xx:nowhere", "latency", "5xx=3", "drop@1.5", "5xx#x"):
        with pytest.raises(FaultSpecError, match="fault rule"):
            parse_spec(bad)


def test_counted_rule_fires_exactly_n_times_and_probability_is_seeded() -> None:
    faults = FaultSet("5xx:facebook#2")
    tags, kinds = frozenset({"facebook", "read"}), frozenset({"5xx"})
    assert [faults.decide(tags, kinds).fault for _ in range(3)] == ["5xx", "5xx", ""]
    assert faults.decide(frozenset({"youtube"}), kinds).fault == ""
    runs = [[FaultSet("5xx@0.3", seed=1).decide(tags, kinds).fault for _ in range(1)]]
    a, b = FaultSet("5xx@0.3", seed=1), FaultSet("5xx@0.3", seed=1)
    seq_a = [a.decide(tags, kinds).fault for _ in range(50)]
    seq_b = [b.decide(tags, kinds).fault for _ in range(50)]
    assert seq_a == seq_b
    assert 5 < seq_a.count("5xx") < 30
    assert runs


def test_graph_5xx_rate_limit_and_expired_token(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    pg = page(emulator, 2)
    api = graph(emulator, pg["access_token"], monkeypatch)
    emulator.set_faults("5xx:facebook#1")
    with pytest.raises(facebook.GraphAPIError) as err:
        api.get_object(pg["id"])
    assert err.value.code == 2
    emulator.set_faults("rate_limit:facebook#1")
    resp = api.session.get(
        emulator.base_url + f"v23.0/{pg['id']}/feed", params={"access_token": pg["access_token"]}
    )
    assert resp.json()["error"]["code"] == 4
    # A Page-token call is reported under the Page's Business Use Case limit only.
    assert "X-App-Usage" not in resp.headers
    assert json.loads(resp.headers["X-Business-Use-Case-Usage"])[pg["id"]][0]["call_count"] == 100
    emulator.set_faults(f"rate_limit:{pg['id']}#1")
    resp = api.session.get(
        emulator.base_url + f"v23.0/{pg['id']}/feed", params={"access_token": pg["access_token"]}
    )
    assert resp.json()["error"]["code"] == 80001
    buc = json.loads(resp.headers["X-Business-Use-Case-Usage"])[pg["id"]][0]
    assert buc["call_count"] == 100
    emulator.set_faults(f"token_expired:{pg['id']}")
    with pytest.raises(facebook.GraphAPIError) as err:
        api.put_object(pg["id"], "feed", message="hết hạn")
    assert err.value.code == 190
    assert err.value.result["error"]["error_subcode"] == 463
    other = page(emulator, 1)
    assert graph(emulator, other["access_token"], monkeypatch).get_object(other["id"])["id"]
    assert emulator.objects() == []


def test_graph_drop_creates_the_post_but_the_caller_gets_no_answer(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    pg = page(emulator)
    api = graph(emulator, pg["access_token"], monkeypatch)
    emulator.set_faults("drop:publish#1")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.put_object(pg["id"], "feed", message="Gửi rồi mà không biết")
    [obj] = emulator.objects()
    assert obj["text"] == "Gửi rồi mà không biết"
    assert obj["state"] == "published"
    # The next call works again: the rule fired once.
    assert api.get_object(obj["id"])["id"] == obj["id"]


def test_timeout_hangs_past_the_client_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Emulator(tmp_path, pages=1, channels=1, timeout_s=1.5, faults="timeout:read#1") as emu:
        pg = page(emu)
        api = graph(emu, pg["access_token"], monkeypatch)
        api.timeout = 0.5
        started = time.monotonic()
        with pytest.raises(requests.exceptions.Timeout):
            api.get_object(pg["id"])
        assert time.monotonic() - started < 1.4
        assert emu.objects() == []


def test_youtube_quota_5xx_and_token_faults(emulator: Emulator) -> None:
    yt = youtube(emulator)
    emulator.set_faults("quota:youtube#1")
    with pytest.raises(HttpError) as err:
        yt.channels().list(part="id", mine=True).execute()
    assert err.value.status_code == 403
    assert err.value.error_details[0]["reason"] == "quotaExceeded"
    assert err.value.error_details[0]["domain"] == "youtube.quota"
    emulator.set_faults("5xx:youtube#1")
    with pytest.raises(HttpError) as err:
        yt.channels().list(part="id", mine=True).execute()
    assert err.value.status_code == 503
    emulator.set_faults("rate_limit:youtube#1")
    with pytest.raises(HttpError) as err:
        yt.channels().list(part="id", mine=True).execute()
    assert err.value.status_code == 429
    # An expired access token: the client refreshes through /token and carries on.
    emulator.set_faults("token_expired:UCvnGenderEquality0000001#1")
    assert yt.channels().list(part="id", mine=True).execute()["items"][0]["id"]
    # A refresh token refused at /token: invalid_grant.
    emulator.set_faults("token_expired")
    with pytest.raises(RefreshError, match="invalid_grant"):
        youtube(emulator, 2).channels().list(part="id", mine=True).execute()


def test_youtube_drop_on_final_chunk_creates_the_video(emulator: Emulator) -> None:
    from googleapiclient.http import MediaInMemoryUpload

    yt = youtube(emulator)
    # httplib2 silently re-sends a request once when the connection drops: drop both.
    emulator.set_faults("drop:publish#2")
    media = MediaInMemoryUpload(b"v" * 1000, mimetype="video/mp4", resumable=True)
    request = yt.videos().insert(
        part="snippet,status", body={"snippet": {"title": "Mất dấu"}}, media_body=media
    )
    with pytest.raises((httplib2.HttpLib2Error, ConnectionError, OSError)):
        request.execute()
    [obj] = emulator.objects()
    assert obj["title"] == "Mất dấu"


def test_real_quota_and_upload_buckets(tmp_path: Path) -> None:
    from googleapiclient.http import MediaInMemoryUpload

    with Emulator(
        tmp_path, pages=1, channels=1, youtube_daily_units=3, youtube_daily_uploads=1
    ) as emu:
        yt = youtube(emu)
        for _ in range(3):
            yt.channels().list(part="id", mine=True).execute()
        with pytest.raises(HttpError) as err:
            yt.channels().list(part="id", mine=True).execute()
        assert err.value.error_details[0]["reason"] == "quotaExceeded"
    # The upload bucket's exhaustion, as reported in 2026 (429) or as the per-channel limit
    # (400 uploadLimitExceeded); uploads spend no units.
    for reply, status, reason in (
        ("429", 429, "rateLimitExceeded"),
        ("400", 400, "uploadLimitExceeded"),
    ):
        with Emulator(
            tmp_path / reply,
            pages=1,
            channels=1,
            youtube_daily_uploads=1,
            platform=PlatformSwitches(upload_bucket_reply=reply),
        ) as emu:
            yt = youtube(emu)
            for expected in ("ok", reason):
                media = MediaInMemoryUpload(b"v" * 10, mimetype="video/mp4", resumable=True)
                req = yt.videos().insert(
                    part="snippet", body={"snippet": {"title": "t"}}, media_body=media
                )
                if expected == "ok":
                    req.execute()
                    continue
                with pytest.raises(HttpError) as err:
                    req.execute()
                assert err.value.status_code == status
                assert err.value.error_details[0]["reason"] == expected
            assert emu.quota.used(emu.clock.now()) == {"units": 0, "uploads": 1}
