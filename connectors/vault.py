"""The token vault's cryptography: Fernet keys and encryption of credential documents.

Several hosts share one database, so they must share one key. A host never makes a key of its
own when the database already holds tokens (`may_create` says so): it refuses, naming where the
key lives, instead of storing new tokens no other host can read. The key file is created
atomically (written to a temporary file, then linked into place), so a crash leaves either no
key file or a whole one. A rotation (`loa vault rotate`) leaves the new key in
`secret.key.new` until it is in place; decryption tries it too, so a crash mid-rotation loses
nothing.
"""

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from connectors.base import Secret
from connectors.redact import register_secret

KEY_FILE = "secret.key"
NEW_KEY_FILE = "secret.key.new"  # a rotation's key, before it replaces KEY_FILE
OLD_KEY_FILE = "secret.key.old"  # the key a rotation replaced


class VaultError(Exception):
    """The key is malformed, or a ciphertext was made with another key."""


class Vault:
    """Encrypts tokens for storage; every decrypted secret is registered for redaction."""

    def __init__(self, key: bytes, also: Sequence[bytes] = ()) -> None:
        """`key` encrypts and decrypts; `also` only decrypts (a rotation's other key)."""
        try:
            self._fernet = Fernet(key)
            self._reader = MultiFernet([self._fernet, *(Fernet(k) for k in also)])
        except (ValueError, TypeError) as exc:
            raise VaultError(
                "the secret key is not a Fernet key (32 url-safe base64-encoded bytes)"
            ) from exc

    def encrypt(self, plaintext: str) -> bytes:
        register_secret(plaintext)
        return self._fernet.encrypt(plaintext.encode("utf-8"))

    def decrypt(self, ciphertext: bytes) -> Secret:
        try:
            value = self._reader.decrypt(ciphertext).decode("utf-8")
        except InvalidToken as exc:
            raise VaultError(
                "a stored credential cannot be decrypted with this secret key "
                "(was LOA_SECRET_KEY or the key file changed?)"
            ) from exc
        register_secret(value)
        return Secret(value)


def read_key(path: Path) -> bytes:
    key = path.read_bytes().strip()
    if not key:
        raise VaultError(f"the key file {path.name} in LOA_HOME is empty; restore it from a backup")
    return key


def write_key(path: Path, key: bytes) -> None:
    """`key` at `path` with mode 0600, whole or not at all; FileExistsError if one is there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".key-", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(key + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.link(tmp, path)  # atomic, and refuses to replace: two starting hosts keep one key
    finally:
        os.unlink(tmp)


def load_or_create_key(
    home: Path, configured: str | None, may_create: Callable[[], bool] | None = None
) -> bytes:
    """The configured key (LOA_SECRET_KEY), else `home/secret.key`, created with mode 0600
    only when `may_create()` agrees (no tokens stored under another key)."""
    if configured:
        return configured.strip().encode("ascii")
    path = home / KEY_FILE
    if path.exists():
        return read_key(path)
    if may_create is not None and not may_create():
        raise VaultError(
            "there is no LOA_SECRET_KEY and no key file here, but the database already holds "
            "tokens stored under another key: give this host the same key (LOA_SECRET_KEY, or "
            f"the {KEY_FILE} of the host that stored them) rather than a new one"
        )
    key = Fernet.generate_key()
    try:
        write_key(path, key)
    except FileExistsError:
        return read_key(path)
    return key


def pending_keys(home: Path) -> list[bytes]:
    """Keys a rotation left beside the key file (decryption only)."""
    path = home / NEW_KEY_FILE
    return [read_key(path)] if path.exists() else []
