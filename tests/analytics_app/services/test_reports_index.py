"""Who may download which report: a report covers a unit or the whole campaign (its name says
which, as the writers give it); people see the reports of the units they see."""

from pathlib import Path

from analytics_app.reports.naming import final_stem, weekly_stem
from analytics_app.services.reports_index import visible_reports
from campaigns.access import Identity, Role

OFFICER = Identity("lan", Role.OFFICER, "ha-noi")
MANAGER = Identity("minh", Role.MANAGER, None)
NATIONAL = Identity("thu", Role.NATIONAL, None)


def written(root: Path) -> None:
    folder = root / "action-month-2025"
    folder.mkdir(parents=True)
    for unit in ("ha-noi", "hai-phong", None):
        for stem in (
            weekly_stem("action-month-2025", "2025-W47", unit, "vi"),
            final_stem("action-month-2025", unit, "en"),
        ):
            (folder / f"{stem}.pdf").write_bytes(b"%PDF")
    (folder / "notes.png").write_bytes(b"\x89PNG")  # a name no writer gives


def names(identity: Identity, root: Path) -> set[str]:
    return {f.path.name for f in visible_reports(identity, root)}


def test_an_officer_gets_their_units_reports_only(tmp_path: Path) -> None:
    written(tmp_path)
    assert names(OFFICER, tmp_path) == {
        "action-month-2025-weekly-2025-W47-ha-noi-vi.pdf",
        "action-month-2025-final-ha-noi-en.pdf",
    }


def test_people_who_see_every_unit_get_every_report(tmp_path: Path) -> None:
    written(tmp_path)
    assert len(names(MANAGER, tmp_path)) == len(names(NATIONAL, tmp_path)) == 7
