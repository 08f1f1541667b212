"""Reusable pieces of the app's pages: filters, charts, tiles, exports, each with its own keys."""
