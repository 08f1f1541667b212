"""One place that turns a platform name into its connector."""

from collections.abc import Callable
from datetime import datetime

from connectors.base import ConnectorConfig
from connectors.facebook import FacebookConnector
from connectors.youtube import QuotaStore, YouTubeConnector

PLATFORMS = ("facebook", "youtube")

Connector = FacebookConnector | YouTubeConnector
"""Each implements both `connectors.base.Publisher` and `connectors.base.MetricsSource`."""


def build(
    platform: str,
    config: ConnectorConfig,
    quota: QuotaStore | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Connector:
    """The connector of `platform` ("facebook" or "youtube"); `quota` is YouTube's ledger store
    (in memory when None); `clock` gives an aware "now" (the scheduler's or the demo's clock)."""
    if platform == "facebook":
        return FacebookConnector(config, clock=clock)
    if platform == "youtube":
        return YouTubeConnector(config, quota=quota, clock=clock)
    raise ValueError(f"unknown platform {platform!r}; expected one of {', '.join(PLATFORMS)}")
