"""The bulk editor's reading of a table: only what was changed becomes a change, times in the
campaign zone."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd

from analytics_app.components.calendar_forms import row_changes
from analytics_app.services.planning import RowChange

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def test_only_edited_cells_become_changes() -> None:
    before = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "when": [datetime(2025, 11, 20, 8, 0)] * 3,
            "title": ["a", "b", "c"],
            "text": ["x", "y", "z"],
        }
    )
    after = before.copy()
    after.loc[0, "text"] = "x mới"
    after.loc[2, "when"] = datetime(2025, 11, 21, 9, 30)
    changes = row_changes(before, after, "when", "title", "text", ZONE)
    assert changes == [
        RowChange(1, None, "x mới", None),
        RowChange(3, None, None, datetime(2025, 11, 21, 9, 30, tzinfo=ZONE)),
    ]
