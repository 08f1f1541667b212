"""A resumable upload reports its session as soon as it exists, and the session answers for
itself later: the video it made, the bytes it holds, or that it is gone."""

import json
from pathlib import Path

import pytest

from connectors.base import ContentKind, Credentials, PublishRequest, Secret, UnknownOutcome
from connectors.emulator import Emulator
from connectors.youtube import YouTubeConnector

SIZE = 2_300_000  # three chunks of 1 MiB
CHUNK = 1024 * 1024


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    path = tmp_path / "clip.mp4"
    path.write_bytes(bytes(range(256)) * (SIZE // 256) + b"\1" * (SIZE % 256))
    return path


def _connector(emu: Emulator) -> tuple[YouTubeConnector, Credentials, str]:
    channel = emu.accounts["youtube_channels"][0]
    creds = Credentials("youtube", channel["id"], Secret(json.dumps(channel["credentials"])))
    # No resume inside the call: the first lost answer ends it, as a crash or timeout would.
    yt = YouTubeConnector(emu.connector_config(), clock=emu.clock.now, chunk_retries=0)
    return yt, creds, channel["id"]


def _upload_losing_an_answer(emu: Emulator, clip: Path, fault: str) -> tuple[str, int]:
    """Upload `clip`, arming `fault` after the first chunk; the session reported."""
    yt, creds, channel = _connector(emu)
    kept: list[tuple[str, int]] = []
    armed: list[bool] = []

    def progress(done: int, total: int) -> None:
        if 0 < done < total and not armed:
            armed.append(True)
            emu.set_faults(fault)

    request = PublishRequest(
        ContentKind.CLIP, channel, title="Phiên tải lên", media_path=clip, marker="session"
    )
    with pytest.raises(UnknownOutcome):
        yt.publish(creds, request, progress=progress, on_session=lambda a, t: kept.append((a, t)))
    assert armed, "the fault was never armed"
    [session] = kept  # reported once, before the first chunk's answer
    return session


def _videos(emu: Emulator) -> list[str]:
    return [str(o["id"]) for o in emu.objects() if o["platform"] == "youtube"]


def test_a_session_whose_last_answer_was_lost_names_the_video_it_made(
    frozen_emulator: Emulator, clip: Path
) -> None:
    emu = frozen_emulator
    address, total = _upload_losing_an_answer(emu, clip, "5xx_after:publish#1")
    assert total == SIZE
    [video] = _videos(emu)  # the last chunk landed; its answer was a 503

    yt, creds, _ = _connector(emu)
    state = yt.upload_status(creds, address, total)
    assert state is not None
    assert state.made is not None
    assert state.made.external_id == video
    assert state.made.matched_on == "upload_session"
    assert _videos(emu) == [video]  # asking made nothing new


def test_a_session_short_of_its_bytes_made_nothing(frozen_emulator: Emulator, clip: Path) -> None:
    emu = frozen_emulator
    address, total = _upload_losing_an_answer(emu, clip, "5xx:upload#1")
    assert _videos(emu) == []

    yt, creds, _ = _connector(emu)
    state = yt.upload_status(creds, address, total)
    assert state is not None
    assert state.made is None
    assert state.received == CHUNK  # the first chunk only
    assert state.total == SIZE


def test_a_session_the_platform_no_longer_has_answers_nothing(
    frozen_emulator: Emulator, clip: Path
) -> None:
    emu = frozen_emulator
    address, total = _upload_losing_an_answer(emu, clip, "5xx:upload#1")
    assert emu.state is not None
    emu.state.uploads.clear()  # expired (YouTube keeps a session about a week)

    yt, creds, _ = _connector(emu)
    assert yt.upload_status(creds, address, total) is None
