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


def test_playlist_items_of_one_video_are_listed_apart_and_deleted_one_by_one(
    emulator: Emulator,
) -> None:
    """A video added twice has two items with their own ids; `videoId` lists just its items,
    and deleting one leaves the other."""
    yt = youtube(emulator)
    playlist = emulator.accounts["youtube_channels"][0]["playlists"][0]
    clip, _ = _upload(yt, {"snippet": {"title": "A"}, "status": {"privacyStatus": "public"}}, 10)
    other, _ = _upload(yt, {"snippet": {"title": "B"}, "status": {"privacyStatus": "public"}}, 10)
    for video in (clip, other, clip):
        yt.playlistItems().insert(
            part="snippet",
            body={"snippet": {"playlistId": playlist, "resourceId": {"videoId": video["id"]}}},
        ).execute()

    def items_of(video_id: str) -> list[str]:
        listed = yt.playlistItems().list(part="id", playlistId=playlist, videoId=video_id).execute()
        return [item["id"] for item in listed["items"]]

    twice = items_of(clip["id"])
    assert len(twice) == 2
    assert len(set(twice)) == 2
    assert len(items_of(other["id"])) == 1
    assert yt.playlistItems().delete(id=twice[1]).execute() == ""
    assert items_of(clip["id"]) == [twice[0]]
    assert len(items_of(other["id"])) == 1
    with pytest.raises(HttpError) as err:
        yt.playlistItems().delete(id=twice[1]).execute()
    assert err.value.status_code == 404
    assert "playlistItemNotFound" in str(err.value.content)
