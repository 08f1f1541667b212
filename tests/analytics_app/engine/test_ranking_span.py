"""Equal-age ranking limited to the items published in a span (a report's week)."""

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from analytics_app.engine.ranking import rank_at_age
from tests.analytics_app.factories import build_hand, local


def test_only_items_published_in_the_span_are_ranked(sqlite_engine: Engine) -> None:
    build_hand(sqlite_engine)
    day = timedelta(hours=24)
    with Session(sqlite_engine) as s:
        every = rank_at_age(s, "hand", "reach", day, local(21, 11))
        span = rank_at_age(
            s,
            "hand",
            "reach",
            day,
            local(21, 11),
            published_from=local(16, 11),
            published_until=local(17, 11),
        )
    assert [i.content for i in every.items] == ["p1", "p2"]  # A (15/11) and B (16/11)
    assert [(i.content, i.channel) for i in span.items] == [("p2", "fb2")]  # B alone
    assert span.items[0].value == next(i.value for i in every.items if i.content == "p2")
