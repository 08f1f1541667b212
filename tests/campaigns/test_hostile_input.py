"""Hostile campaign files: text with control or bidirectional-override characters, media outside
the campaign's folder, media that lies about its type, huge files, and random text anywhere a
message goes. Each ends in a clear message naming the file, line and field, no traceback, and
an unchanged database."""

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from campaigns.errors import ValidationFailed
from campaigns.importer import import_campaign
from campaigns.limits import FACEBOOK_PHOTO_MAX_BYTES
from campaigns.loader import load_campaign
from campaigns.models import Campaign, ContentItem, Publication
from tests.conftest import copy_example, edit

MESSAGE = '"Không chia sẻ mật khẩu, mã OTP cho bất kỳ ai, kể cả người quen. #AnToanTrenMang"'
MEDIA = "media: media/banner-launch.png"


def _refused(engine: Engine, path: Path, *expected: str) -> str:
    """The import fails with every `expected` phrase, names the file, and writes nothing."""
    with Session(engine) as session, pytest.raises(ValidationFailed) as caught:
        import_campaign(session, path)
    text = str(caught.value)
    assert path.name in text
    for phrase in expected:
        assert phrase in text
    with Session(engine) as session:
        for table in (Campaign, ContentItem, Publication):
            assert session.scalar(select(func.count()).select_from(table)) == 0
    return text


@pytest.mark.parametrize(
    ("inserted", "phrase"),
    [
        ("\\u202E", "bidirectional control character (U+202E)"),  # right-to-left override
        ("\\u2066", "bidirectional control character (U+2066)"),  # left-to-right isolate
        ("\\u0000", "control character (U+0000)"),
        ("\\u001B[31m", "control character (U+001B)"),  # a terminal escape
    ],
)
def test_hidden_characters_in_a_message_are_refused(
    sqlite_engine: Engine, tmp_path: Path, inserted: str, phrase: str
) -> None:
    path = copy_example(tmp_path)
    edit(path, MESSAGE, f'"Không chia sẻ mật khẩu {inserted}OTP"')
    text = _refused(sqlite_engine, path, phrase, ".message")
    assert "Traceback" not in text


@pytest.mark.parametrize("media", ["../outside.png", "media/../../outside.png", "/etc/hosts"])
def test_media_outside_the_campaign_folder_is_refused(
    sqlite_engine: Engine, tmp_path: Path, media: str
) -> None:
    path = copy_example(tmp_path)
    (tmp_path / "outside.png").write_bytes(
        (path.parent / "media" / "banner-launch.png").read_bytes()
    )
    edit(path, MEDIA, f"media: {media}")
    _refused(sqlite_engine, path, "outside the campaign's folder", ".media")


def test_media_that_lies_about_its_type_is_refused(sqlite_engine: Engine, tmp_path: Path) -> None:
    path = copy_example(tmp_path)
    (path.parent / "media" / "banner-launch.png").write_text("<html>not an image</html>")
    _refused(sqlite_engine, path, "banner-launch.png is not a JPEG, PNG")


def test_a_huge_photo_is_refused_without_reading_it(sqlite_engine: Engine, tmp_path: Path) -> None:
    path = copy_example(tmp_path)
    photo = path.parent / "media" / "banner-launch.png"
    with photo.open("r+b") as fh:  # sparse: huge on paper, nothing written
        os.truncate(fh.fileno(), FACEBOOK_PHOTO_MAX_BYTES + 1)
    _refused(sqlite_engine, path, f"Facebook allows {FACEBOOK_PHOTO_MAX_BYTES}")


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.text(max_size=40))
def test_any_text_in_a_message_loads_or_is_refused_clearly(tmp_path: Path, text: str) -> None:
    path = tmp_path / "c" / "campaign-example.yaml"
    if not path.exists():
        path = copy_example(tmp_path / "c")
        path = path.rename(tmp_path / "c" / "campaign-example.yaml")
        (tmp_path / "c" / "original.yaml").write_bytes(path.read_bytes())
    original = (tmp_path / "c" / "original.yaml").read_text(encoding="utf-8")
    # A JSON string is a YAML double-quoted scalar: every character reaches the loader.
    path.write_text(original.replace(MESSAGE, json.dumps(text), 1), encoding="utf-8")
    said = "loaded"
    try:
        load_campaign(path)  # anything but ValidationFailed fails the test
    except ValidationFailed as exc:
        said = str(exc)
    assert said.strip()
    assert "Traceback" not in said
