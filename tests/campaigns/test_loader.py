"""Campaign files: located problems, every mistake in one run, BOM/CRLF/NFC, platform limits."""

import re
import unicodedata
from pathlib import Path

import pytest

from campaigns.errors import ValidationFailed
from campaigns.loader import load_campaign
from campaigns.plans import expand
from tests.conftest import EXAMPLE_CAMPAIGN, copy_example, edit

DATA = Path(__file__).with_name("data")
TWENTY = DATA / "twenty-mistakes.yaml"


def errors_of(path: Path) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        load_campaign(path)
    return [str(p) for p in caught.value.problems if p.severity == "error"]


def test_example_is_valid_and_warns_about_the_empty_closing_day() -> None:
    doc = load_campaign(EXAMPLE_CAMPAIGN)
    assert doc.campaign.key == "action-month-2025"
    assert [c.key for c in doc.channels] == ["ncfaw-fb", "ncfaw-yt", "ha-noi-fb", "dak-lak-fb"]
    assert len(expand(doc)) == 14
    assert [w.message for w in doc.warnings] == [
        "nothing is planned on 15/12 (Close of the Action Month)"
    ]


def test_twenty_mistakes_give_twenty_located_errors() -> None:
    marked = [
        i + 1
        for i, line in enumerate(TWENTY.read_text(encoding="utf-8").splitlines())
        if re.search(r"# E\d+ ", line)
    ]
    assert len(marked) == 20
    errors = errors_of(TWENTY)
    assert len(errors) == 20, "\n".join(errors)
    lines = []
    for error in errors:
        m = re.match(rf"^{re.escape(str(TWENTY))}:(\d+): [\w\[\].]+: .+", error)
        assert m, error
        lines.append(int(m.group(1)))
    assert lines == marked


@pytest.mark.parametrize(
    ("old", "new", "line", "expected"),
    [
        ("kind: ministry", "kind: ministy", 19, "units[0].kind: unknown unit kind 'ministy'"),
        (
            "approval: required",
            "aproval: required",
            13,
            "campaign.aproval: unknown key (did you mean 'approval'?)",
        ),
        ("target: 4\n", "target: four\n", 37, "objectives[0].kpis[0].target: expected a number"),
        ("target: 0.95", "target: 95", 40, "on_time_rate is a fraction between 0 and 1"),
        (
            "channels: [ncfaw-yt]",
            "channels: [ncfaw-yt, ncfaw-yt]",
            167,
            "plans[3].channels[1]: 'ncfaw-yt' is listed twice",
        ),
        (
            "objectives: [O3]",
            "objectives: [O5]",
            120,
            "content[3].objectives[0]: unknown objective 'O5'",
        ),
        (
            "at: 2025-12-10 19:00",
            "at: 2025-12-16 00:00",
            171,
            "plans[4].at: 2025-12-16 00:00 is outside the campaign window",
        ),
        (
            "at: 2025-11-15 08:00",
            "at: 2025-11-14 23:59",
            155,
            "plans[0].at: 2025-11-14 23:59 is outside",
        ),
        (
            "media: media/clip-hotline.mp4",
            "media: media/banner-launch.png",
            148,
            "content[6].media: banner-launch.png is not a video container",
        ),
        (
            'channel_id: "UCvnGenderEquality0000001"',
            'channel_id: "vn-gender"',
            84,
            "channels[1].channel_id: 'vn-gender' is not a YouTube channel id",
        ),
        (
            "until: 2025-11-21",
            "until: 2025-11-15",
            162,
            "plans[1].until: 2025-11-15 is before from 2025-11-16",
        ),
        (
            'times: ["20:00"]',
            'times: ["25:00"]',
            160,
            "plans[1].times[0]: '25:00' is not a time of day",
        ),
        ("kind: link", "kind: clip", 118, "content[3].media: a clip needs its media file"),
        # A directory of the zone database or an over-long name is no zone, not a crash.
        ("timezone: Asia/Ho_Chi_Minh", "timezone: Asia", 11, "unknown time zone 'Asia'"),
        ("timezone: Asia/Ho_Chi_Minh", "timezone: " + "a" * 300, 11, "unknown time zone"),
        ("every: 2 days", "every: 99999999999999999999 days", 159, "plans[1].every: "),
        ("ends: 2025-12-15", "ends: 9999-12-31", 10, "campaign.ends: '9999-12-31' is outside"),
        ("starts: 2025-11-15", "starts: 0001-11-15", 9, "campaign.starts: '0001-11-15' is out"),
        (
            "at: 2025-12-10 19:00",
            "at: 9999-12-31 23:00-07:00",
            171,
            "plans[4].at: '9999-12-31 23:00-07:00' is outside",
        ),
        ("target: 4\n", "target: 1" + "0" * 400 + "\n", 37, "kpis[0].target: 1000"),
        # Hourly steps run from one start time: a second time would be silently dropped.
        (
            'every: 2 days                      # slots 16, 18 and 20 November\n    times: ["20:00"]',
            'every: 12 hours\n    times: ["08:00", "10:00"]',
            160,
            "plans[1].times: 'every 12 hours' steps from one start time",
        ),
    ],
)
def test_single_mistakes_are_named_and_located(
    tmp_path: Path, old: str, new: str, line: int, expected: str
) -> None:
    path = copy_example(tmp_path)
    edit(path, old, new)
    errors = errors_of(path)
    hits = [e for e in errors if expected in e]
    assert len(hits) == 1, errors
    assert hits[0].startswith(f"{path}:{line}: ")


def test_end_day_is_inclusive_to_2359(tmp_path: Path) -> None:
    path = copy_example(tmp_path)
    edit(path, "at: 2025-12-10 19:00", "at: 2025-12-15 23:59")
    slots = expand(load_campaign(path))
    assert slots[-1].at.strftime("%Y-%m-%d %H:%M %z") == "2025-12-15 23:59 +0700"


def test_unknown_time_zone_is_refused(tmp_path: Path) -> None:
    path = copy_example(tmp_path)
    edit(path, "timezone: Asia/Ho_Chi_Minh", "timezone: Asia/Saigon_City")
    assert errors_of(path) == [
        f"{path}:11: campaign.timezone: unknown time zone 'Asia/Saigon_City' (e.g. Asia/Ho_Chi_Minh)"
    ]


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    path = copy_example(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    doc = load_campaign(path)
    original = load_campaign(EXAMPLE_CAMPAIGN)
    assert [(s.content, s.channel, s.at) for s in expand(doc)] == [
        (s.content, s.channel, s.at) for s in expand(original)
    ]
    launch = doc.content_item("launch")
    assert launch is not None
    assert "\r" not in launch.message


def test_text_is_nfc_normalised(tmp_path: Path) -> None:
    path = copy_example(tmp_path)
    decomposed = unicodedata.normalize("NFD", "Sở Nội vụ Hà Nội")
    edit(path, 'name: "Sở Nội vụ Hà Nội"', f'name: "{decomposed}"')
    doc = load_campaign(path)
    channel = doc.channel("ha-noi-fb")
    assert channel is not None
    assert channel.name == unicodedata.normalize("NFC", decomposed) == "Sở Nội vụ Hà Nội"


def test_vietnamese_description_over_5000_bytes_is_refused(tmp_path: Path) -> None:
    path = copy_example(tmp_path)
    text = "Gọi 111 để được hỗ trợ, tư vấn miễn phí về bạo lực giới. " * 80
    assert len(text) < 5000 < len(text.encode("utf-8"))
    edit(path, 'description: "Gọi 111 để được hỗ trợ, tư vấn miễn phí."', f'description: "{text}"')
    errors = errors_of(path)
    assert len(errors) == 1
    assert "content[6].description" in errors[0]
    assert "YouTube allows 5000 bytes" in errors[0]


def test_yaml_syntax_error_is_a_located_problem(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("campaign:\n  key: x\n  name: [unclosed\nunits: []\n", encoding="utf-8")
    errors = errors_of(path)
    assert len(errors) == 1
    assert re.match(rf"{re.escape(str(path))}:\d+: yaml: ", errors[0])


def test_invalid_utf8_and_missing_file_are_problems(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("campaign:\n  name: Bộ\n".encode() + b"  key: \xff\n")
    assert errors_of(path) == [f"{path}:3: file: is not valid UTF-8 text"]
    assert "cannot read" in errors_of(tmp_path / "absent.yaml")[0]


def test_explicit_offsets_and_zone_less_times_agree(tmp_path: Path) -> None:
    path = copy_example(tmp_path)
    edit(path, "at: 2025-11-25 07:30", "at: 2025-11-25T00:30:00Z")
    doc = load_campaign(path)
    original = load_campaign(EXAMPLE_CAMPAIGN)
    assert [(s.content, s.utc) for s in expand(doc)] == [
        (s.content, s.utc) for s in expand(original)
    ]


def test_series_short_of_content_warns_with_the_count(tmp_path: Path) -> None:
    path = copy_example(tmp_path)
    edit(path, "until: 2025-11-21", "until: 2025-11-25")
    doc = load_campaign(path)
    assert any(
        "series 'online-safety-tips' runs out of content: 2 of 5 slots left empty" in w.message
        for w in doc.warnings
    )
    assert len(expand(doc)) == 14


def test_channel_gap_below_minimum_warns(tmp_path: Path) -> None:
    path = copy_example(tmp_path)
    edit(path, "at: 2025-11-25 19:00", "at: 2025-11-25 07:45")
    edit(
        path, "channels: [ncfaw-yt]\n    at: 2025-11-25", "channels: [ncfaw-fb]\n    at: 2025-11-25"
    )
    doc = load_campaign(path, min_gap_minutes=60)
    gaps = [w for w in doc.warnings if "minutes apart" in w.message]
    assert len(gaps) == 1
    assert (
        "'orange-day' at 2025-11-25 07:30 and 'clip-online-safety' at 2025-11-25 07:45 are 15"
        in gaps[0].message
    )
    assert not [w for w in load_campaign(path, min_gap_minutes=10).warnings if "apart" in w.message]


def test_kpi_audience_no_content_uses_is_a_located_warning(tmp_path: Path) -> None:
    path = copy_example(tmp_path)
    edit(path, "metric: views\n", "metric: views\n        audiences: [yuoth]\n")
    doc = load_campaign(path)  # a warning: labels are free, the file still imports
    warned = [str(w) for w in doc.warnings if "yuoth" in w.message]
    assert warned == [
        f"{path}:51: warning: objectives[1].kpis[1].audiences[0]: no content item has "
        "audience 'yuoth' (did you mean 'youth'?): this KPI counts nothing until one does"
    ]
    assert doc.objectives[1].kpis[1].audiences == ("yuoth",)
