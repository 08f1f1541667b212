"""Interrupted resumable uploads resume through the status query and create exactly one video;
an upload given up on is an unknown outcome."""

import json
from pathlib import Path
from typing import Any

import pytest

from connectors.base import ContentKind, Credentials, PublishRequest, Secret, UnknownOutcome
from connectors.emulator import Emulator
from connectors.youtube import YouTubeConnector

SIZE = 2_300_000  # three chunks of 1 MiB


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    path = tmp_path / "clip.mp4"
    path.write_bytes(bytes(range(256)) * (SIZE // 256) + b"\1" * (SIZE % 256))
    return path


def _publish(emu: Emulator, clip: Path, after_first_chunk: Any, retries: int = 2) -> str:
    channel = emu.accounts["youtube_channels"][0]
    creds = Credentials("youtube", channel["id"], Secret(json.dumps(channel["credentials"])))
    yt = YouTubeConnector(emu.connector_config(), clock=emu.clock.now, chunk_retries=retries)
    fired: list[int] = []

    def progress(done: int, total: int) -> None:
        if 0 < done < total and not fired:
            fired.append(done)
            after_first_chunk()

    request = PublishRequest(
        ContentKind.CLIP, channel["id"], title="Giữa chừng", media_path=clip, marker="resume"
    )
    result = yt.publish(creds, request, progress=progress)
    assert fired, "the fault was never armed"
    return result.external_id


def _videos(emu: Emulator) -> list[dict[str, Any]]:
    return [o for o in emu.objects() if o["platform"] == "youtube"]


@pytest.mark.parametrize("fault", ["5xx:upload#1", "timeout:upload#1", "drop:upload#1"])
def test_an_interrupted_chunk_resumes_and_creates_one_whole_video(
    frozen_emulator: Emulator, clip: Path, fault: str
) -> None:
    emu = frozen_emulator
    video_id = _publish(emu, clip, lambda: emu.set_faults(fault))
    [video] = _videos(emu)
    assert video["id"] == video_id
    assert emu.state is not None
    assert emu.state.yt_videos[video_id].size == SIZE  # no chunk lost or sent twice


def test_a_drop_after_the_last_chunk_is_answered_by_the_status_query(
    frozen_emulator: Emulator, clip: Path
) -> None:
    emu = frozen_emulator
    video_id = _publish(emu, clip, lambda: emu.set_faults("drop:publish#1"))
    assert [v["id"] for v in _videos(emu)] == [video_id]


def test_an_upload_given_up_on_is_an_unknown_outcome(frozen_emulator: Emulator, clip: Path) -> None:
    emu = frozen_emulator
    with pytest.raises(UnknownOutcome):
        _publish(emu, clip, lambda: emu.set_faults("5xx:upload"))
    assert _videos(emu) == []


def test_a_lost_session_after_an_interruption_is_an_unknown_outcome(
    frozen_emulator: Emulator, clip: Path
) -> None:
    """The status query answers 404: nothing says whether the video was made."""
    emu = frozen_emulator
    assert emu.state is not None
    state = emu.state

    def lose_session() -> None:
        emu.set_faults("5xx:upload#1")
        state.uploads.clear()

    with pytest.raises(UnknownOutcome) as caught:
        _publish(emu, clip, lose_session)
    assert caught.value.http_status == 404
