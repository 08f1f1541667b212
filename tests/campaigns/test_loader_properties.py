"""Property tests: random valid campaigns expand deterministically and re-import idempotently;
random corruptions never raise anything but ValidationFailed/UserError nor leave partial rows."""

import io
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from sqlalchemy import Engine, func
from sqlmodel import Session, SQLModel, select

from campaigns.db import make_engine
from campaigns.errors import UserError
from campaigns.importer import import_campaign
from campaigns.loader import load_campaign
from campaigns.models import Campaign, Publication
from campaigns.plans import expand
from tests.conftest import EXAMPLE_CAMPAIGN

CLIP = EXAMPLE_CAMPAIGN.parent / "media" / "clip-hotline.mp4"
START = date(2025, 11, 15)
WORDS = st.sampled_from(["Bình đẳng", "an toàn", "giới", "phụ nữ", "trẻ em gái", "111", "mạng"])
TIMES = st.sampled_from(["07:30", "08:00", "12:15", "19:00", "20:00", "21:45"])


@st.composite
def campaigns(draw: st.DrawFn) -> dict[str, Any]:
    n_fb = draw(st.integers(1, 3))
    n_yt = draw(st.integers(0, 2))
    channels = [
        {
            "key": f"fb-{i}",
            "platform": "facebook",
            "page_id": f"10425138{i + 1:07d}",
            "name": f"Page {i}",
            "unit": "u1",
        }
        for i in range(n_fb)
    ] + [
        {
            "key": f"yt-{i}",
            "platform": "youtube",
            "channel_id": f"UCvnGenderEquality{i + 1:07d}",
            "name": f"Kênh {i}",
            "unit": "u1",
        }
        for i in range(n_yt)
    ]
    posts = [
        {
            "key": f"post-{i}",
            "kind": "post",
            "message": " ".join(draw(st.lists(WORDS, min_size=1, max_size=6))),
        }
        for i in range(draw(st.integers(1, 5)))
    ]
    clips = [
        {
            "key": f"clip-{i}",
            "kind": "clip",
            "title": draw(WORDS),
            "description": draw(WORDS),
            "media": "clip.mp4",
        }
        for i in range(draw(st.integers(0 if n_yt == 0 else 1, 2)))
    ]
    plans: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 4))):
        shape = draw(st.sampled_from(["once", "recurring", "series"]))
        pool = posts + clips
        first = START + timedelta(days=draw(st.integers(0, 25)))
        last = first + timedelta(days=draw(st.integers(0, 5)))
        if shape == "once":
            item = draw(st.sampled_from(pool))
            p: dict[str, Any] = {"content": item["key"], "at": f"{first} {draw(TIMES)}"}
        elif shape == "recurring":
            item = draw(st.sampled_from(pool))
            p = {
                "content": item["key"],
                "every": f"{draw(st.integers(1, 3))} days",
                "times": sorted(set(draw(st.lists(TIMES, min_size=1, max_size=2)))),
                "from": str(first),
                "until": str(last),
            }
        else:
            chosen = draw(
                st.lists(
                    st.sampled_from(pool), min_size=1, max_size=4, unique_by=lambda c: c["key"]
                )
            )
            p = {
                "series": f"series-{i}",
                "content": [c["key"] for c in chosen],
                "every": "1 day",
                "times": [draw(TIMES)],
                "from": str(first),
                "until": str(last),
            }
        kinds = {
            c["kind"]
            for c in pool
            if c["key"] in ([p["content"]] if isinstance(p["content"], str) else p["content"])
        }
        allowed = [c["key"] for c in channels if c["platform"] == "facebook" or kinds == {"clip"}]
        p["channels"] = draw(
            st.lists(st.sampled_from(allowed), min_size=1, max_size=3, unique=True)
        )
        plans.append(p)
    return {
        "campaign": {
            "key": "prop-campaign",
            "name": "Chiến dịch thử",
            "starts": str(START),
            "ends": "2025-12-15",
            "timezone": "Asia/Ho_Chi_Minh",
            "approval": draw(st.sampled_from(["required", "auto"])),
        },
        "units": [{"key": "u1", "name": "Bộ Nội vụ", "kind": "ministry"}],
        "objectives": [
            {
                "key": "O1",
                "title": "Mục tiêu",
                "kpis": [{"key": "k", "metric": "reach", "target": 1000}],
            }
        ],
        "channels": channels,
        "content": posts + clips,
        "plans": plans,
    }


def write(doc: dict[str, Any], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(CLIP, folder / "clip.mp4")
    buffer = io.StringIO()
    YAML().dump(doc, buffer)
    path = folder / "campaign.yaml"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def fresh_engine(folder: Path) -> Engine:
    engine = make_engine(f"sqlite:///{folder / 'loa.db'}")
    SQLModel.metadata.create_all(engine)  # the migrations are checked in test_db
    return engine


def count(engine: Engine, model: type[SQLModel]) -> int:
    with Session(engine) as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(campaigns())
def test_valid_campaigns_expand_deterministically_and_reimport_idempotently(
    doc: dict[str, Any],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write(doc, Path(tmp) / "c")
        loaded = load_campaign(path)
        slots = expand(loaded)
        assert slots == expand(load_campaign(path))
        assert len({(s.content, s.channel, s.utc) for s in slots}) == len(slots)
        engine = fresh_engine(Path(tmp))
        with Session(engine) as s:
            first = import_campaign(s, path)
        assert first.counts["publication"].created == len(slots)
        with Session(engine) as s:
            again = import_campaign(s, path)
        assert not again.changed
        assert count(engine, Publication) == len(slots)
        engine.dispose()


def corrupt(text: str, how: str, line: int, junk: str) -> str:
    lines = text.splitlines()
    i = line % len(lines)
    if how == "delete":
        del lines[i]
    elif how == "junk":
        lines.insert(i, junk)
    elif how == "value":
        head = lines[i].split(":", 1)[0]
        lines[i] = f"{head}: {junk}"
    else:
        lines = lines[:i]
    return "\n".join(lines) + "\n"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    campaigns(),
    st.sampled_from(["delete", "junk", "value", "truncate"]),
    st.integers(0, 10_000),
    st.sampled_from(
        [
            "]",
            "{x: [",
            "- - -",
            "\t:",
            "42",
            "''",
            "ngày 32/13",
            "2025-13-45 25:61",
            "&a *b",
            "null",
        ]
    ),
)
def test_corruptions_fail_cleanly_or_import_whole(
    doc: dict[str, Any], how: str, line: int, junk: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write(doc, Path(tmp) / "c")
        path.write_text(
            corrupt(path.read_text(encoding="utf-8"), how, line, junk), encoding="utf-8"
        )
        engine = fresh_engine(Path(tmp))
        try:
            with Session(engine) as s:
                import_campaign(s, path)
        except UserError:  # ValidationFailed included
            assert count(engine, Campaign) == 0
            assert count(engine, Publication) == 0
        else:
            assert count(engine, Publication) == len(expand(load_campaign(path)))
        engine.dispose()
