"""Clearing the app's caches after a write, without importing Streamlit here.

The app registers its cache-clearing function once (`on_clear`); write services call
`clear_caches()` after they commit, so no page serves numbers from before the write.
"""

from collections.abc import Callable

_CLEARERS: list[Callable[[], None]] = []
_generation = 0


def on_clear(clearer: Callable[[], None]) -> None:
    """Register a function that empties one cache (registered once, whatever the reruns)."""
    if clearer not in _CLEARERS:
        _CLEARERS.append(clearer)


def clear_caches() -> None:
    """Empty every registered cache and start a new generation of cache keys."""
    global _generation
    _generation += 1
    for clearer in _CLEARERS:
        clearer()


def generation() -> int:
    """How many times the caches were cleared: part of every cache key."""
    return _generation
