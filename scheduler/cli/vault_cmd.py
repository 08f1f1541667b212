"""`loa vault rotate`: re-encrypt every stored token under a new key.

The order makes a crash at any point harmless: the new key is written first (`secret.key.new`,
mode 0600), every token is re-encrypted in one transaction, and only then does the new key
replace the old one (kept as `secret.key.old`). Until then decryption tries both keys, so a
rotation cut short leaves every token readable, and running it again finishes it.
With LOA_SECRET_KEY set, the key lives outside Loa: the new key is left in `secret.key.new`
for the operator to put into LOA_SECRET_KEY on every host. The key is never printed.
"""

import typer

from scheduler.cli.common import console, engine, fail, settings

vault_app = typer.Typer(help="The token vault.", no_args_is_help=True)


@vault_app.command("rotate")
def rotate_cmd() -> None:
    """Re-encrypt every stored token under a new key."""
    import os

    from cryptography.fernet import Fernet
    from sqlmodel import Session, select

    from campaigns.errors import UserError
    from campaigns.models import Credential
    from connectors.vault import (
        KEY_FILE,
        NEW_KEY_FILE,
        OLD_KEY_FILE,
        Vault,
        VaultError,
        read_key,
        write_key,
    )
    from scheduler.credentials import vault_for

    cfg = settings()
    home = cfg.home.resolve()
    try:
        old = vault_for(cfg)
    except UserError as exc:
        raise fail(str(exc)) from None
    pending = home / NEW_KEY_FILE
    if pending.exists():  # a rotation cut short: finish it with its key
        new_key = read_key(pending)
    else:
        new_key = Fernet.generate_key()
        write_key(pending, new_key)
    new = Vault(new_key)
    with Session(engine()) as session:
        rows = list(session.exec(select(Credential)).all())
        for row in rows:
            try:
                row.ciphertext = new.encrypt(old.decrypt(row.ciphertext).reveal())
            except VaultError as exc:
                raise fail(f"{row.platform} {row.account_id}: {exc}; nothing was changed") from None
            session.add(row)
        session.commit()
    if cfg.secret_key is not None:
        console.print(
            f"{len(rows)} tokens re-encrypted. The new key is in {pending}: set LOA_SECRET_KEY "
            "to it on every host, then delete that file."
        )
        return
    current = home / KEY_FILE
    if current.exists():
        os.replace(current, home / OLD_KEY_FILE)
    os.replace(pending, current)
    console.print(
        f"{len(rows)} tokens re-encrypted under a new key ({current}); the old key is in "
        f"{home / OLD_KEY_FILE} until you delete it. Copy the new key to every other host."
    )


def register(app: typer.Typer) -> None:
    app.add_typer(vault_app, name="vault")
