"""`load_campaign`: read, validate and check the plans of one campaign file."""

import hashlib
from pathlib import Path

from ruamel.yaml.nodes import MappingNode, ScalarNode

from campaigns.errors import ValidationFailed
from campaigns.loader.document import CampaignDocument
from campaigns.loader.fields import Checker
from campaigns.loader.reader import line_of, read_yaml
from campaigns.loader.validate import CampaignSchema
from campaigns.settings import get_settings


def load_campaign(
    path: Path, *, display: str | None = None, min_gap_minutes: int | None = None
) -> CampaignDocument:
    """The validated document; raises ValidationFailed listing every error of the file.

    Warnings that do not block (crowded channels, short series, empty key dates) are on
    `.warnings`. `display` is the name used in messages (default: the path as given).
    """
    import campaigns.plans as plans  # plans builds on the loader's records: import late

    display = display if display is not None else str(path)
    raw = read_yaml(path, display)
    if raw.root is None:
        raise ValidationFailed(raw.problems)
    checker = Checker(display)
    schema = CampaignSchema(checker, path.resolve().parent)
    parsed = schema.parse(raw.root)
    if parsed.campaign is None:
        raise ValidationFailed(checker.problems)
    doc = CampaignDocument(
        path=path,
        display=display,
        source_hash=hashlib.sha256(raw.data).hexdigest(),
        campaign=parsed.campaign,
        units=parsed.units,
        objectives=parsed.objectives,
        channels=parsed.channels,
        content=parsed.content,
        plans=parsed.plans,
        lines=_section_lines(raw.root),
    )
    gap = get_settings().min_gap_minutes if min_gap_minutes is None else min_gap_minutes
    problems = checker.problems + plans.check(doc, gap)
    problems.sort(key=lambda p: p.line or 0)
    if any(p.severity == "error" for p in problems):
        raise ValidationFailed(problems)
    doc.warnings = problems  # only warnings are left
    return doc


def _section_lines(root: object) -> dict[str, int]:
    if not isinstance(root, MappingNode):
        return {}
    return {str(k.value): line_of(k) for k, _ in root.value if isinstance(k, ScalarNode)}
