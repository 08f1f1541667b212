"""Equal-age ranking on the hand campaign (tests/analytics_app/factories.py)."""

from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from analytics_app.engine.ranking import AGES, rank_at_age
from tests.analytics_app.factories import build_hand, local


def test_ranks_at_24_hours_from_interpolated_snapshots(any_engine: Engine) -> None:
    build_hand(any_engine)
    with Session(any_engine) as s:
        ranking = rank_at_age(s, "hand", "reach", AGES["24h"], local(20, 11, 12))
    # A out 15/11 08:02; at 16/11 08:02 it lies 22 h 02 min into 100 (15/11 10:00) → 300
    # (16/11 10:00): 100 + 200 × 22.0333/24 = 283.61.
    # B out 16/11 08:20; at 17/11 08:20 it lies 20 h 20 min into 50 (16/11 12:00) → 250
    # (18/11 12:00): 50 + 200 × 20.3333/48 = 134.72.
    assert [(i.rank, i.content, i.channel) for i in ranking.items] == [
        (1, "p1", "fb1"),
        (2, "p2", "fb2"),
    ]
    assert ranking.items[0].value == pytest.approx(100 + 200 * (22 + 2 / 60) / 24)
    assert ranking.items[1].value == pytest.approx(50 + 200 * (20 + 20 / 60) / 48)
    # C is a day old but reports no reach.
    assert ranking.unmeasured == 1


def test_a_young_clip_is_never_ranked_against_week_old_posts(any_engine: Engine) -> None:
    build_hand(any_engine)
    with Session(any_engine) as s:
        ranking = rank_at_age(s, "hand", "views", timedelta(days=7), local(24, 11, 12))
    # On 24/11 12:00 C (out 17/11 19:01) is 6 days 17 h old: too young for 7 d. A and B are old
    # enough but were last measured on 20/11, before their 7th day: not judged either.
    assert ranking.items == []
    assert ranking.too_young == 1
    assert ranking.unmeasured == 2


def test_engagements_at_age_add_their_parts(any_engine: Engine) -> None:
    build_hand(any_engine)
    with Session(any_engine) as s:
        ranking = rank_at_age(s, "hand", "engagements", AGES["24h"], local(20, 11, 12))
    by = {i.content: i.value for i in ranking.items}
    # C's likes: one capture, 40 at 20/11 10:00 (62 h 59 min after 17/11 19:01); at 24 h the
    # line from 0 gives 40 × 24 / 62.9833 = 15.24. A: only clicks reach 24 h (2 at 15/11 10:00,
    # the rest first captured on 20/11 10:00, 122 h after publication: interpolated from 0).
    assert by["c1"] == pytest.approx(40 * 24 / (62 + 59 / 60))
    assert set(by) == {"p1", "p2", "c1"}
