"""Settings of the operator contract: environment (prefix `LOA_`) or `loa.toml`.

Environment wins over `loa.toml` in the working directory, which wins over the defaults.
"""

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


class Settings(BaseSettings):
    """Every knob Loa reads. Defaults give the embedded setup: SQLite under `.loa/`."""

    model_config = SettingsConfigDict(
        env_prefix="LOA_", toml_file="loa.toml", extra="ignore", validate_default=True
    )

    home: Path = Path(".loa")
    database_url: str = ""
    timezone: str = "Asia/Ho_Chi_Minh"
    secret_key: SecretStr | None = None

    facebook_graph_url: str = "https://graph.facebook.com/"
    facebook_video_url: str = ""  # empty: same host as the Graph URL
    # Keep equal to connectors.graph_versions.DEFAULT_VERSION (a test checks); `loa status`
    # warns 90 days before the configured version ends.
    facebook_api_version: str = "v26.0"
    facebook_app_id: str = ""
    facebook_app_secret: SecretStr | None = None
    youtube_api_url: str = "https://youtube.googleapis.com/"
    youtube_analytics_url: str = "https://youtubeanalytics.googleapis.com/"
    google_token_url: str = "https://oauth2.googleapis.com/token"
    google_client_secrets: Path | None = None
    ca_bundle: Path | None = None

    # Scheduling policy (minutes unless said otherwise).
    grace_minutes: int = Field(default=30, ge=0)
    on_time_minutes: int = Field(default=5, ge=0)
    min_gap_minutes: int = Field(default=60, ge=0)
    lease_seconds: int = Field(default=120, ge=5)
    preflight_minutes: int = Field(default=60, ge=0)
    handoff_min_minutes: int = Field(default=20, ge=10)
    youtube_daily_units: int = Field(default=10_000, ge=0)
    youtube_daily_uploads: int = Field(default=100, ge=0)
    # Publishing retries (seconds) and the platform clients' timeout.
    max_attempts: int = Field(default=5, ge=1)
    retry_base_seconds: float = Field(default=30.0, gt=0)
    retry_cap_seconds: float = Field(default=900.0, gt=0)
    # An unknown outcome is proven absent only by a look this long after the call (listings
    # lag behind creates), and never by the first look alone (scheduler/reconcile.py).
    reconcile_settle_seconds: float = Field(default=20.0, ge=0)
    http_timeout_s: float = Field(default=30.0, gt=0)
    concurrency: int = Field(default=8, ge=1, le=64)  # attempts in flight per `loa run` worker

    # Alerts by e-mail (optional).
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_sender: str = "loa@localhost"
    alert_recipients: list[str] = Field(default_factory=list)
    # Weekly and final reports: campaign-wide recipients (default: the alert recipients), and
    # per unit key the recipients of that unit's own report (JSON: {"unit-key": ["a@b"]}).
    report_recipients: list[str] = Field(default_factory=list)
    report_unit_recipients: dict[str, list[str]] = Field(default_factory=dict)
    chromium_path: str = "/usr/bin/chromium"  # prints reports to PDF

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or an SQLite file under `home`."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'loa.db').as_posix()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once per process; tests call `get_settings.cache_clear()` after changes."""
    return Settings()
