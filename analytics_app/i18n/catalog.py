"""Message catalogues: every label of the app, Vietnamese first, English by choice."""

from analytics_app.i18n.messages_en import MESSAGES as EN
from analytics_app.i18n.messages_vi import MESSAGES as VI

CATALOGUES: dict[str, dict[str, str]] = {"vi": VI, "en": EN}
LANGUAGES: tuple[str, ...] = ("vi", "en")
DEFAULT = "vi"


def message(lang: str, key: str, **values: object) -> str:
    """The message `key` in `lang` (Vietnamese when the language or the key is unknown there),
    with `{name}` fields filled; an unknown key shows itself, so a gap is visible, not fatal."""
    catalogue = CATALOGUES.get(lang, VI)
    text = catalogue.get(key) or VI.get(key) or key
    return text.format(**values) if values else text
