"""Silent surprises made loud: past-dated slots at import and approval, approvals on channels
with no token, and `publications list` saying when a post went out and where."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from campaigns.db import make_engine
from campaigns.models import Publication, PublicationState
from tests.conftest import copy_example
from tests.scheduler.cli_process import loa


def test_past_slots_and_unconnected_channels_are_said(tmp_path: Path) -> None:
    campaign = copy_example(tmp_path)  # the example plans 2025: every slot is past by now
    imported = loa(tmp_path, "campaign", "import", str(campaign))
    assert imported.returncode == 0, imported.stderr
    assert "warning: publication 1 is planned for " in imported.stderr
    assert "already past" in imported.stderr
    assert "more publications planned in the past" in imported.stderr

    approved = loa(tmp_path, "approve", "1")
    assert approved.returncode == 0, approved.stderr
    assert approved.stdout.strip() == "approved 1 publication"
    assert "warning: publication 1 was planned for" in approved.stderr
    assert "is not connected: 1 approved publication will not go out" in approved.stderr
    assert "loa channel connect" in approved.stderr


def test_publications_list_says_when_and_where_a_post_went_out(tmp_path: Path) -> None:
    assert loa(tmp_path, "campaign", "import", str(copy_example(tmp_path))).returncode == 0
    engine = make_engine(f"sqlite:///{tmp_path / '.loa' / 'loa.db'}")
    out = datetime(2025, 11, 25, 2, 1, tzinfo=UTC)  # 09:01 in Ha Noi
    link = "https://www.facebook.com/104251380000001/posts/42"
    with Session(engine) as s:
        pub = s.get(Publication, 1)
        assert pub is not None
        pub.state = PublicationState.PUBLISHED
        pub.published_at = out
        pub.external_id = "104251380000001_42"
        pub.permalink = link
        s.add(pub)
        queued = s.get(Publication, 2)
        assert queued is not None
        queued.state = PublicationState.QUEUED
        queued.scheduled_at = out + timedelta(days=400)
        s.add(queued)
        s.commit()
    engine.dispose()

    listed = loa(tmp_path, "publications", "list")
    assert listed.returncode == 0, listed.stderr
    assert "25/11/2025 09:01" in listed.stdout  # when it went out, in the campaign zone
    assert f"#1 {link}" in listed.stdout.splitlines()  # the link whole, on a line of its own
    assert "queued" not in listed.stdout  # one word per state: it is approved to people
    assert all(len(line) <= 80 for line in listed.stdout.splitlines() if "https" not in line)
    rows = {
        row["id"]: row for row in json.loads(loa(tmp_path, "publications", "list", "--json").stdout)
    }
    assert rows[1]["permalink"] == link
    assert rows[1]["published_at"] == "2025-11-25T09:01:00+07:00"
    assert rows[2]["state"] == "queued"  # scripts keep the stored state

    status = loa(tmp_path, "status")
    assert status.returncode == 0, status.stderr
    assert "queued" not in status.stdout
    assert "approved" in status.stdout
