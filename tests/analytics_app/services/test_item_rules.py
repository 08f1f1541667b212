"""An item written in the app goes through the campaign-file loader: whatever an officer types
(YAML's own signs included) must come back from that trip unchanged, or be refused by name."""

import unicodedata
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics_app.services.item_rules import ContentForm, Context, validate
from campaigns.models import Campaign, Channel, Unit

CAMPAIGN = Campaign(id=1, key="c", name="C", starts=date(2025, 11, 15), ends=date(2025, 12, 15))
CONTEXT = Context(
    CAMPAIGN, [Unit(id=1, campaign_id=1, key="u", name="U", kind="province")], [], None
)
PAGE = Channel(
    id=1, campaign_id=1, key="fb", platform="facebook", external_id="1", name="P", unit_id=1
)
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=120)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(message=TEXT, title=TEXT, tag=TEXT)
def test_any_text_comes_back_unchanged_or_is_refused_by_name(
    message: str, title: str, tag: str
) -> None:
    form = ContentForm(kind="post", message=message, title=title, tags=(tag,))
    errors, doc = validate(CONTEXT, "k", "u", form, [PAGE], [])
    if errors:
        assert all(
            e.message.startswith("contains a control character")
            or e.message == "a Facebook post needs a message"
            for e in errors
        ), errors
        return
    assert doc is not None
    nfc = lambda text: unicodedata.normalize("NFC", text)  # noqa: E731  (as the loader reads)
    assert (doc.message, doc.title, doc.tags) == (nfc(message), nfc(title), (nfc(tag),))


def test_yaml_signs_are_text() -> None:
    for text in ("?0", "- a", "a: b", "# not a comment", "&anchor *alias", "!tag", "{x}", " x"):
        errors, doc = validate(
            CONTEXT, "k", "u", ContentForm(kind="post", message=text), [PAGE], []
        )
        assert errors == []
        assert doc is not None
        assert doc.message == text
