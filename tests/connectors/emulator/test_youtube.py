"""The real google-api-python-client against the emulator's YouTube Data API."""

import os
from datetime import timedelta

import pytest
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaInMemoryUpload

from connectors.emulator import Emulator
from tests.connectors.emulator.clients import youtube

CHUNK = 256 * 1024


def _upload(
    yt: object, body: dict[str, object], size: int = 2 * CHUNK + 1000
) -> tuple[dict, list[float]]:
    media = MediaInMemoryUpload(
        os.urandom(size), mimetype="video/mp4", chunksize=CHUNK, resumable=True
    )
    request = yt.videos().insert(part="snippet,status", body=body, media_body=media)  # type: ignore[attr-defined]
    progress: list[float] = []
    response = None
    while response is None:
        status, response = request.next_chunk()
        if status:
            progress.append(status.progress())
    return response, progress


def test_resumable_upload_in_chunks_then_statistics_as_strings(emulator: Emulator) -> None:
    yt = youtube(emulator)
    video, progress = _upload(
        yt,
        {
            "snippet": {"title": "Clip #youth", "description": "Bình đẳng giới", "tags": ["gbv"]},
            "status": {"privacyStatus": "public", "selfDeclaredMadeForKids": False},
        },
    )
    assert len(progress) == 2
    assert progress == sorted(progress)
    assert video["kind"] == "youtube#video"
    assert video["snippet"]["channelId"] == "UCvnGenderEquality0000001"
    assert video["status"]["privacyStatus"] == "public"
    listed = yt.videos().list(part="statistics,contentDetails", id=video["id"]).execute()
    stats = listed["items"][0]["statistics"]
    assert all(isinstance(stats[k], str) for k in ("viewCount", "likeCount", "commentCount"))
    [obj] = emulator.objects()
    assert (obj["platform"], obj["id"], obj["title"], obj["state"]) == (
        "youtube",
        video["id"],
        "Clip #youth",
        "published",
    )


def test_publish_at_needs_private_and_goes_public_when_due(frozen_emulator: Emulator) -> None:
    emu = frozen_emulator
    yt = youtube(emu)
    when = emu.clock.now() + timedelta(days=1)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    with pytest.raises(HttpError) as err:
        _upload(
            yt,
            {"snippet": {"title": "x"}, "status": {"privacyStatus": "public", "publishAt": stamp}},
        )
    assert err.value.status_code == 400
    video, _ = _upload(
        yt,
        {
            "snippet": {"title": "Hẹn giờ"},
            "status": {"privacyStatus": "private", "publishAt": stamp},
        },
    )
    assert video["status"]["publishAt"] == stamp
    emu.clock.advance(timedelta(days=1, seconds=1))  # type: ignore[attr-defined]
    item = yt.videos().list(part="status", id=video["id"]).execute()["items"][0]
    assert item["status"]["privacyStatus"] == "public"


def test_playlist_insert_and_uploads_playlist(emulator: Emulator) -> None:
    yt = youtube(emulator)
    video, _ = _upload(
        yt, {"snippet": {"title": "Clip"}, "status": {"privacyStatus": "public"}}, CHUNK
    )
    playlist = emulator.accounts["youtube_channels"][0]["playlists"][0]
    inserted = (
        yt.playlistItems()
        .insert(
            part="snippet",
            body={
                "snippet": {
                    "playlistId": playlist,
                    "resourceId": {"kind": "youtube#video", "videoId": video["id"]},
                }
            },
        )
        .execute()
    )
    assert inserted["snippet"]["resourceId"]["videoId"] == video["id"]
    channel = yt.channels().list(part="contentDetails", mine=True).execute()["items"][0]
    uploads = channel["contentDetails"]["relatedPlaylists"]["uploads"]
    items = yt.playlistItems().list(part="contentDetails", playlistId=uploads).execute()["items"]
    assert [i["contentDetails"]["videoId"] for i in items] == [video["id"]]
    with pytest.raises(HttpError) as err:
        yt.playlistItems().insert(
            part="snippet",
            body={"snippet": {"playlistId": "PLnope", "resourceId": {"videoId": video["id"]}}},
        ).execute()
    assert err.value.status_code == 404
