"""Facebook Pages through facebook-sdk 3.1.0, wrapped (see graph.py and session.py)."""

from connectors.facebook.connector import FacebookConnector

__all__ = ["FacebookConnector"]
