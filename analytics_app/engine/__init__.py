"""The objective engine: KPI actuals, pacing, projection, status, breakdowns and rankings.

Reads the campaign's rows, the metric rollups and the publication outbox; imports only
`campaigns` (never the scheduler, the connectors or Streamlit).
"""

from analytics_app.engine.scorecard import KpiScore, Narrowed, narrowed_scorecard, scorecard
from analytics_app.engine.status import Status

__all__ = ["KpiScore", "Narrowed", "Status", "narrowed_scorecard", "scorecard"]
