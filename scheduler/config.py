"""Turns Loa's settings into what the connectors and the retry policy need."""

from campaigns.settings import Settings
from connectors.base import ConnectorConfig, Secret


def connector_config(settings: Settings) -> ConnectorConfig:
    """Where the platforms are, their CA bundle and client timeout, from settings."""
    app_secret = settings.facebook_app_secret
    return ConnectorConfig(
        facebook_graph_url=settings.facebook_graph_url,
        facebook_video_url=settings.facebook_video_url,
        facebook_api_version=settings.facebook_api_version,
        facebook_app_id=settings.facebook_app_id,
        facebook_app_secret=Secret(app_secret.get_secret_value()) if app_secret else None,
        youtube_api_url=settings.youtube_api_url,
        youtube_analytics_url=settings.youtube_analytics_url,
        google_token_url=settings.google_token_url,
        ca_bundle=settings.ca_bundle,
        timeout_s=settings.http_timeout_s,
    )
