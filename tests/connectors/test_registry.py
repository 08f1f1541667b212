"""The registry builds each platform's connector; the metric map speaks the vocabulary."""

from datetime import date

import pytest

from campaigns.vocabulary import MEASURES
from connectors.base import ConnectorConfig, MetricsSource, Publisher
from connectors.facebook import FacebookConnector
from connectors.metric_map import MEASURE_NAMES, METRICS, current
from connectors.registry import build
from connectors.youtube import MemoryQuotaStore, YouTubeConnector


def test_build_returns_publisher_and_metrics_source() -> None:
    fb = build("facebook", ConnectorConfig())
    yt = build("youtube", ConnectorConfig(), quota=MemoryQuotaStore())
    assert isinstance(fb, FacebookConnector)
    assert isinstance(yt, YouTubeConnector)
    for c in (fb, yt):
        assert isinstance(c, Publisher)
        assert isinstance(c, MetricsSource)


def test_unknown_platform_is_refused() -> None:
    with pytest.raises(ValueError, match="tiktok"):
        build("tiktok", ConnectorConfig())


def test_connectors_copy_of_the_measures_agrees_with_the_vocabulary() -> None:
    assert MEASURE_NAMES == MEASURES
    assert {m.measure for m in METRICS} <= MEASURES


def test_retired_metrics_drop_out_on_their_day() -> None:
    before = {s.name for s in current("facebook", "post", date(2025, 11, 14))}
    after = {s.name for s in current("facebook", "post", date(2025, 11, 15))}
    assert "post_media_view" in before  # the replacement wins even before the retirement
    assert "post_impressions" not in after
    page_after_june = {s.name for s in current("facebook", "page", date(2026, 6, 15))}
    assert "page_impressions_unique" not in page_after_june
    assert "page_total_media_view_unique" in page_after_june


def test_a_refused_current_metric_falls_back_to_its_predecessor() -> None:
    names = {
        s.name
        for s in current(
            "facebook", "post", date(2026, 1, 1), exclude={"post_total_media_view_unique"}
        )
    }
    assert "post_impressions_unique" in names
