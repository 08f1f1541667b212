"""`loa review ID`: the evidence first (attempts, last error with advice, what the platform
says), then the person's finding, checked and recorded like an approval."""

from pathlib import Path

from sqlmodel import Session, select

from campaigns.db import make_engine
from campaigns.models import AuditLog, Publication, PublicationState
from tests.conftest import copy_example
from tests.scheduler.cli_process import loa


def test_review_shows_the_evidence_then_records_the_finding(tmp_path: Path) -> None:
    assert loa(tmp_path, "campaign", "import", str(copy_example(tmp_path))).returncode == 0
    engine = make_engine(f"sqlite:///{tmp_path / '.loa' / 'loa.db'}")
    with Session(engine) as s:
        pub = s.get(Publication, 3)
        assert pub is not None
        pub.state = PublicationState.NEEDS_REVIEW
        pub.attempts = 1
        pub.last_error = "connection dropped after sending"
        pub.last_error_code = "UnknownOutcome"
        s.add(pub)
        s.commit()

    shown = loa(tmp_path, "review", "3")
    assert shown.returncode == 0, shown.stderr
    assert "publication 3 · needs_review" in shown.stdout
    assert "last error: connection dropped after sending — may be live" in shown.stdout
    assert "facebook says: not asked: channel ncfaw-fb" in shown.stdout  # no token: cannot ask
    assert "next: check the page, then `loa review 3 --published URL|--absent`" in shown.stdout

    unreadable = loa(tmp_path, "review", "3", "--published", "https://www.facebook.com/share/p/x")
    assert unreadable.returncode == 1
    assert "add --external-id ID" in unreadable.stderr

    link = "https://www.facebook.com/ncfaw.vn/posts/424242"
    done = loa(tmp_path, "review", "3", "--published", link, "--no-check")
    assert done.returncode == 0, done.stderr
    assert "publication 3: published (it will be measured)" in done.stdout
    with Session(engine) as s:
        pub = s.get(Publication, 3)
        assert pub is not None
        assert pub.state == PublicationState.PUBLISHED
        assert pub.permalink == link
        assert pub.external_id.endswith("_424242")  # the Page id of ncfaw-fb, then the post's
        audit = [a for a in s.exec(select(AuditLog)).all() if a.action == "review"]
        assert audit[-1].detail["evidence"] == link
    engine.dispose()

    again = loa(tmp_path, "review", "3", "--absent")
    assert again.returncode == 1
    assert "publication 3 is published, not needs_review" in again.stderr
