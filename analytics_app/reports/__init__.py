"""Weekly and final reports: an Excel workbook, a self-contained web page and its PDF, built
from the objective engine's answers (the same numbers as the scorecard and the app).

`build_weekly` / `build_final` read the engine into a `Report`; `write_report` writes its files.
"""

from analytics_app.reports.content import Report
from analytics_app.reports.final import build_final
from analytics_app.reports.period import IsoWeek, last_complete_week
from analytics_app.reports.weekly import build_weekly
from analytics_app.reports.write import Written, write_report

__all__ = [
    "IsoWeek",
    "Report",
    "Written",
    "build_final",
    "build_weekly",
    "last_complete_week",
    "write_report",
]
