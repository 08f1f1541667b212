"""Server errors on a create are unknown outcomes: the write may have landed before the error."""

from datetime import timedelta
from pathlib import Path

import pytest
import requests

from connectors.base import (
    AuthError,
    ContentKind,
    Credentials,
    PublishRequest,
    ReconcileProbe,
    Secret,
    TransientError,
    UnknownOutcome,
)
from connectors.emulator import Emulator
from connectors.facebook import FacebookConnector
from connectors.facebook.errors import map_graph_error, map_network_error


@pytest.fixture
def page(frozen_emulator: Emulator) -> dict[str, str]:
    return dict(frozen_emulator.accounts["facebook_pages"][0])


def _fb(emu: Emulator) -> FacebookConnector:
    return FacebookConnector(emu.connector_config(), clock=emu.clock.now)


def _creds(page: dict[str, str]) -> Credentials:
    return Credentials("facebook", page["id"], Secret(page["access_token"]))


def _request(kind: ContentKind, page: dict[str, str], tmp_path: Path) -> PublishRequest:
    if kind == ContentKind.POST:
        return PublishRequest(kind, page["id"], message="Không bạo lực")
    if kind == ContentKind.PHOTO:
        photo = tmp_path / "poster.png"
        photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 3000)
        return PublishRequest(kind, page["id"], media_path=photo)  # no caption
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\0" * 300_000)
    return PublishRequest(kind, page["id"], title="Clip", message="Mô tả", media_path=clip)


@pytest.mark.parametrize("kind", [ContentKind.POST, ContentKind.PHOTO, ContentKind.CLIP])
def test_a_5xx_after_the_write_is_an_unknown_outcome(
    frozen_emulator: Emulator, page: dict[str, str], tmp_path: Path, kind: ContentKind
) -> None:
    frozen_emulator.set_faults("5xx_after:publish#1")
    with pytest.raises(UnknownOutcome) as caught:
        _fb(frozen_emulator).publish(_creds(page), _request(kind, page, tmp_path))
    assert caught.value.code == "2"
    made = [o for o in frozen_emulator.objects() if o.get("account") == page["id"]]
    assert len(made) == 1  # the write landed: retrying blind would duplicate it


def test_a_5xx_on_a_read_stays_transient(frozen_emulator: Emulator, page: dict[str, str]) -> None:
    frozen_emulator.set_faults("5xx:read#1")
    with pytest.raises(TransientError):
        _fb(frozen_emulator).status(_creds(page), f"{page['id']}_1")


def test_graph_codes_1_and_2_and_http_5xx_on_a_create_are_unknown() -> None:
    for payload, status in (
        ({"error": {"code": 1, "message": "An unknown error occurred"}}, 500),
        ({"error": {"code": 2, "message": "Service temporarily unavailable"}}, 503),
        ("<html>502 Bad Gateway</html>", 502),
    ):
        assert isinstance(
            map_graph_error(payload, headers={}, http_status=status, creating=True),
            UnknownOutcome,
        )
        assert isinstance(map_graph_error(payload, headers={}, http_status=status), TransientError)


def test_an_ssl_failure_reading_the_answer_is_unknown_but_a_bad_certificate_is_not() -> None:
    broken = requests.exceptions.SSLError("EOF occurred in violation of protocol (_ssl.c:2427)")
    assert isinstance(map_network_error(broken, creating=True), UnknownOutcome)
    refused = requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify")
    assert isinstance(map_network_error(refused, creating=True), TransientError)


def test_a_password_change_is_an_auth_error(
    frozen_emulator: Emulator, page: dict[str, str]
) -> None:
    frozen_emulator.set_faults("password_changed#1")
    with pytest.raises(AuthError) as caught:
        _fb(frozen_emulator).publish(
            _creds(page), PublishRequest(ContentKind.POST, page["id"], message="x")
        )
    assert (caught.value.code, caught.value.subcode) == ("190", "460")


def test_a_lagging_listing_hides_a_fresh_post_that_a_read_by_id_finds(
    frozen_emulator: Emulator, page: dict[str, str]
) -> None:
    fb, creds = _fb(frozen_emulator), _creds(page)
    frozen_emulator.set_faults("lag=30000")
    now = frozen_emulator.clock.now()
    made = fb.publish(creds, PublishRequest(ContentKind.POST, page["id"], message="Mới đăng"))
    probe = ReconcileProbe(
        ContentKind.POST, page["id"], "", "Mới đăng", "", now - timedelta(minutes=1), now
    )
    assert fb.reconcile(creds, probe).found == ()
    assert fb.status(creds, made.external_id) is not None
    frozen_emulator.clock.advance(timedelta(seconds=31))
    assert [p.external_id for p in fb.reconcile(creds, probe).found] == [made.external_id]
