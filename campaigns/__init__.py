"""The campaign domain and its storage: campaign files, models, plans, settings.

This package knows no network and imports nothing of Loa's other packages.
"""
