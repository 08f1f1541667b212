"""Field expansion in Graph reads: insights, comment and reaction summaries and shares inside
`GET /?ids=...&fields=...` and `GET /{id}?fields=...`, as the real API answers them."""

from datetime import timedelta

import facebook
import pytest

from connectors.base import ContentKind, Credentials, PublishRequest, Secret
from connectors.emulator import Emulator, FrozenClock
from connectors.facebook import FacebookConnector
from tests.connectors.emulator.clients import graph, page

METRICS = "post_media_view,post_total_media_view_unique,post_clicks"
FIELDS = (
    f"insights.metric({METRICS}).period(lifetime),"
    "comments.limit(0).summary(true),reactions.summary(true),shares"
)


def _frozen(emu: Emulator) -> FrozenClock:
    assert isinstance(emu.clock, FrozenClock)
    return emu.clock


def _posts(emu: Emulator, api: facebook.GraphAPI, n: int) -> list[str]:
    pg = page(emu)
    return [api.put_object(pg["id"], "feed", message=f"Bài {i} #women")["id"] for i in range(n)]


def test_one_multi_id_read_carries_the_insights_of_every_post(
    frozen_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = frozen_emulator
    api = graph(emu, page(emu)["access_token"], monkeypatch)
    ids = _posts(emu, api, 5)
    _frozen(emu).advance(timedelta(hours=30))
    answer = api.request("v23.0/", args={"ids": ",".join(ids), "fields": FIELDS})
    assert set(answer) == set(ids)
    for post_id in ids:
        node = answer[post_id]
        edge = api.request(f"v23.0/{post_id}/insights", args={"metric": METRICS})["data"]
        assert node["insights"]["data"] == edge  # the same items as the edge
        assert [i["name"] for i in node["insights"]["data"]] == METRICS.split(",")
        assert node["insights"]["data"][0]["values"][0]["value"] > 0
        assert node["comments"]["summary"]["total_count"] >= 0
        assert "summary" in node["reactions"]


def test_a_single_node_read_expands_insights_with_sub_fields(
    frozen_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = frozen_emulator
    api = graph(emu, page(emu)["access_token"], monkeypatch)
    [post_id] = _posts(emu, api, 1)
    _frozen(emu).advance(timedelta(hours=5))
    node = api.get_object(post_id, fields="id,insights.metric(post_clicks){values,name}")
    assert node["id"] == post_id
    [item] = node["insights"]["data"]
    assert set(item) == {"id", "name", "values"}
    assert item["name"] == "post_clicks"
    plain = api.get_object(post_id, fields="comments,reactions")
    assert "summary" not in plain["comments"]  # only asked for with .summary(true)
    assert "insights" not in plain


def test_a_retired_metric_fails_the_whole_multi_id_read(
    frozen_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = frozen_emulator
    api = graph(emu, page(emu)["access_token"], monkeypatch)
    ids = _posts(emu, api, 3)
    with pytest.raises(facebook.GraphAPIError) as err:
        api.request(
            "v23.0/",
            args={"ids": ",".join(ids), "fields": "insights.metric(post_impressions,post_clicks)"},
        )
    assert err.value.code == 100
    assert "insights metric" in str(err.value)


def test_more_than_fifty_ids_are_refused(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = graph(emulator, page(emulator)["access_token"], monkeypatch)
    ids = ",".join(f"104251380000001_{n}" for n in range(51))
    with pytest.raises(facebook.GraphAPIError) as err:
        api.request("v23.0/", args={"ids": ids, "fields": "id"})
    assert err.value.code == 100


def test_the_connector_reads_fifty_posts_metrics_in_one_call(frozen_emulator: Emulator) -> None:
    emu = frozen_emulator
    pg = page(emu)
    fb = FacebookConnector(emu.connector_config(), clock=emu.clock.now)
    creds = Credentials("facebook", pg["id"], Secret(pg["access_token"]))
    ids = [
        fb.publish(
            creds, PublishRequest(ContentKind.POST, pg["id"], message=f"Tin {i}")
        ).external_id
        for i in range(50)
    ]
    _frozen(emu).advance(timedelta(days=1))
    before = emu.requests_served
    rows = fb.object_metrics(creds, ids)
    assert emu.requests_served - before == 1
    assert {r.external_id for r in rows} == set(ids)
    assert all(r.values["views"] > 0 and r.values["reach"] > 0 for r in rows)
    assert all(not r.unavailable for r in rows)
