"""The token vault: Fernet round trips, the key file, and wrong keys."""

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from connectors.base import Secret
from connectors.redact import redact
from connectors.vault import Vault, VaultError, load_or_create_key


def test_round_trip_hides_the_plaintext(tmp_path: Path) -> None:
    vault = Vault(load_or_create_key(tmp_path, None))
    token = "EAAvaulttestToken1234567890"
    blob = vault.encrypt(token)
    assert token.encode() not in blob
    secret = vault.decrypt(blob)
    assert isinstance(secret, Secret)
    assert secret.reveal() == token
    assert token not in repr(secret)


def test_key_file_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = load_or_create_key(home, None)
    path = home / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(home, None) == first


def test_configured_key_wins_and_creates_no_file(tmp_path: Path) -> None:
    key = Fernet.generate_key()
    assert load_or_create_key(tmp_path, key.decode()) == key
    assert not (tmp_path / "secret.key").exists()


def test_another_key_cannot_read_and_says_so(tmp_path: Path) -> None:
    blob = Vault(Fernet.generate_key()).encrypt("something-secret-123")
    with pytest.raises(VaultError, match="cannot be decrypted"):
        Vault(Fernet.generate_key()).decrypt(blob)


def test_malformed_key_is_refused() -> None:
    with pytest.raises(VaultError, match="not a Fernet key"):
        Vault(b"short")


def test_decrypted_secrets_are_redacted_afterwards(tmp_path: Path) -> None:
    vault = Vault(load_or_create_key(tmp_path, None))
    odd = "plain-looking-secret-7731"  # matches no token pattern: only registration hides it
    secret = vault.decrypt(vault.encrypt(odd))
    assert redact(f"value {secret.reveal()} here") == "value *** here"
