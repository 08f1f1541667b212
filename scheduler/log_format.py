"""Log lines as officers read the rest of Loa: stamped in the campaign's zone, one date format.

The tables show the campaign's time (Asia/Ho_Chi_Minh); a log stamped in UTC beside them made
a 09:00 post look like it went out at 02:00. The offset stays on every stamp, so a line pasted
into a message elsewhere is still unambiguous.
"""

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from scheduler.wording import humanize_times

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class ZoneFormatter(logging.Formatter):
    """`06/12/2026 09:00:01 +07` in `zone` instead of the host's local or UTC time."""

    def __init__(self, zone: ZoneInfo, fmt: str = FORMAT) -> None:
        super().__init__(fmt)
        self.zone = zone

    def format(self, record: logging.LogRecord) -> str:
        # Messages written with ISO times (alerts, the reaper) read in the same zone as the stamp.
        return humanize_times(super().format(record), self.zone)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        moment = datetime.fromtimestamp(record.created, self.zone)
        offset = moment.strftime("%z")
        short = offset[:3] if offset.endswith("00") else offset
        return moment.strftime(datefmt or "%d/%m/%Y %H:%M:%S") + f" {short}"


def configure_logging(zone: ZoneInfo, level: int = logging.INFO) -> None:
    """INFO to stderr with zone stamps; APScheduler's per-tick chatter kept at WARNING."""
    handler = logging.StreamHandler()
    handler.setFormatter(ZoneFormatter(zone))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # APScheduler announces every tick at INFO; what Loa did is what an operator reads.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
