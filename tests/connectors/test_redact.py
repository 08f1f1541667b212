"""The redaction filter: token patterns, registered secrets, and every logger."""

import json
import logging

import pytest

from connectors.redact import install_redaction, redact, register_secret


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("GET /v23.0/me?access_token=EAAB1234abcd&fields=id", "EAAB1234abcd"),
        ("token EAAGm0PX4ZCpsBAOZBZCx here", "EAAGm0PX4ZCpsBAOZBZCx"),
        ("Authorization: Bearer ya29.a0AfH6SMB-xyz_1", "ya29.a0AfH6SMB-xyz_1"),
        ("refresh 1//0gAbC-dEf_123 done", "1//0gAbC-dEf_123"),
        ('{"refresh_token": "opaque-refresh-value", "x": 1}', "opaque-refresh-value"),
        ("input_token=abcdefSECRET&access_token=app|secret", "abcdefSECRET"),
        ("Authorization: OAuth opaquevalue123", "opaquevalue123"),
    ],
)
def test_token_shapes_are_masked(text: str, hidden: str) -> None:
    out = redact(text)
    assert hidden not in out
    assert "***" in out


def test_ordinary_text_is_left_alone() -> None:
    text = "Bình đẳng giới: 25/11 — post 104251380000001_42 published"
    assert redact(text) == text


def test_records_of_child_loggers_and_later_handlers_are_redacted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    install_redaction()
    secret = "registered-secret-value-99"
    register_secret(secret)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("urllib3.connectionpool").debug("GET /?t=%s", secret)
        logging.getLogger("some.app").info("Authorization: Bearer ya29.zzz-top")
        try:
            raise ValueError(f"failed with {secret}")
        except ValueError:
            logging.getLogger("x").exception("boom")
    text = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert len(caplog.records) == 3
    assert secret not in text
    assert "ya29.zzz-top" not in text
    assert secret not in caplog.text


def test_each_token_of_a_registered_credential_document_is_masked_alone() -> None:
    # The vault registers the whole authorized-user JSON; its refresh token later shows up on
    # its own (a form body, an error), in a shape no pattern knows.
    doc = {
        "refresh_token": "rt-plain-shape-0123456789",
        "client_secret": "cs-plain-shape-9876543210",
        "token": "at-plain-shape-5555555555",
        "client_id": "262400.apps.googleusercontent.com",
    }
    register_secret(json.dumps(doc))
    leaked = redact(
        "refresh failed for refresh_token=rt-plain-shape-0123456789 "
        "(secret cs-plain-shape-9876543210, bearer at-plain-shape-5555555555)"
    )
    for key in ("refresh_token", "client_secret", "token"):
        assert doc[key] not in leaked
