"""The token vault's cryptography: Fernet keys and encryption of credential documents."""

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from connectors.base import Secret
from connectors.redact import register_secret

KEY_FILE = "secret.key"


class VaultError(Exception):
    """The key is malformed, or a ciphertext was made with another key."""


class Vault:
    """Encrypts tokens for storage; every decrypted secret is registered for redaction."""

    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as exc:
            raise VaultError(
                "the secret key is not a Fernet key (32 url-safe base64-encoded bytes)"
            ) from exc

    def encrypt(self, plaintext: str) -> bytes:
        register_secret(plaintext)
        return self._fernet.encrypt(plaintext.encode("utf-8"))

    def decrypt(self, ciphertext: bytes) -> Secret:
        try:
            value = self._fernet.decrypt(ciphertext).decode("utf-8")
        except InvalidToken as exc:
            raise VaultError(
                "a stored credential cannot be decrypted with this secret key "
                "(was LOA_SECRET_KEY or the key file changed?)"
            ) from exc
        register_secret(value)
        return Secret(value)


def load_or_create_key(home: Path, configured: str | None) -> bytes:
    """The configured key (LOA_SECRET_KEY), else `home/secret.key`, created with mode 0600."""
    if configured:
        return configured.strip().encode("ascii")
    path = home / KEY_FILE
    if path.exists():
        return path.read_bytes().strip()
    home.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    # O_EXCL: two processes starting at once must not each write a different key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as fh:
        fh.write(key + b"\n")
    return key
