"""YouTube through google-api-python-client and google-auth (see client.py and connector.py)."""

from connectors.youtube.connector import YouTubeConnector
from connectors.youtube.quota import MemoryQuotaStore, QuotaLedger, QuotaStore

__all__ = ["MemoryQuotaStore", "QuotaLedger", "QuotaStore", "YouTubeConnector"]
