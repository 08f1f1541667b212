"""The platform emulator: Facebook Graph, YouTube Data v3, YouTube Analytics v2 and Google OAuth
served over HTTPS on loopback, with seeded accounts, an engagement model and fault injection.

Stands in for the platforms in tests, the demo and training; the unmodified facebook-sdk and
google-api-python-client talk to it.
"""

from connectors.emulator.clock import (
    AcceleratedClock,
    Clock,
    FrozenClock,
    SteppedClock,
    SystemClock,
)
from connectors.emulator.emulator import Emulator
from connectors.emulator.faults import FaultSpecError, parse_spec

__all__ = [
    "AcceleratedClock",
    "Clock",
    "Emulator",
    "FaultSpecError",
    "FrozenClock",
    "SteppedClock",
    "SystemClock",
    "parse_spec",
]
