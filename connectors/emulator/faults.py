"""Fault injection by spec: `KIND[:SCOPE][@PROB|#COUNT]`, comma-separated.

KIND is `5xx`, `timeout`, `drop`, `rate_limit`, `quota`, `token_expired`, `latency=MS`, or one
of the faults that hide whether a write happened or make it slow to show:
  `5xx_after`         the write is applied, then the answer is a server error (Meta's edge
                      answering 502 after the write landed);
  `stall=MS`          the write is applied, then the answer waits MS (a slow call without
                      progress; past the client's timeout it is a timeout after the write);
  `lag=MS`            listings (Page edges, playlist items) omit objects younger than MS: a
                      search right after a create does not see it yet (reads by id do);
  `password_changed`  the token is refused as after a password change (Graph 190/460).
SCOPE
narrows the rule to requests carrying that tag: `facebook`, `youtube`, `publish`, `upload`,
`resume` (an upload session's status query), `read`, `insights`, `analytics`, `token`, or an
account id (Page or channel). `@0.05` fires with
that probability per matching request (seeded RNG, so a run repeats); `#3` fires on the next three
matching requests; neither fires always. Latency rules add up; of the other rules the first one in
the spec that fires decides the request's fate.
"""

import random
import re
import threading
from collections import Counter
from dataclasses import dataclass

KINDS = (
    "5xx",
    "5xx_after",
    "timeout",
    "drop",
    "rate_limit",
    "quota",
    "token_expired",
    "password_changed",
    "latency",
    "stall",
    "lag",
)
TIMED = ("latency", "stall", "lag")  # kinds that take milliseconds
SCOPES = (
    "facebook",
    "youtube",
    "publish",
    "upload",
    "resume",
    "read",
    "insights",
    "analytics",
    "token",
)

_RULE = re.compile(
    r"^(?P<kind>[a-z_0-9]+)(?:=(?P<ms>\d+))?"
    r"(?::(?P<scope>[A-Za-z0-9_\-]+))?"
    r"(?:@(?P<prob>[0-9]*\.?[0-9]+)|#(?P<count>\d+))?$"
)
_ACCOUNT = re.compile(r"^(\d{6,}|UC[A-Za-z0-9_\-]{6,})$")


class FaultSpecError(ValueError):
    """A fault spec that cannot be parsed; the message names the rule."""


@dataclass
class FaultRule:
    kind: str
    scope: str = ""
    probability: float | None = None
    count: int | None = None  # remaining firings; None means unlimited
    latency_ms: int = 0

    def matches(self, tags: frozenset[str]) -> bool:
        return not self.scope or self.scope in tags

    def describe(self) -> str:
        text = self.kind if self.kind not in TIMED else f"{self.kind}={self.latency_ms}"
        if self.scope:
            text += f":{self.scope}"
        if self.probability is not None:
            text += f"@{self.probability:g}"
        elif self.count is not None:
            text += f"#{self.count}"
        return text


def parse_spec(spec: str) -> list[FaultRule]:
    """Parse a whole spec; raises FaultSpecError naming the first bad rule."""
    rules: list[FaultRule] = []
    for raw in spec.split(","):
        part = raw.strip()
        if not part:
            continue
        m = _RULE.match(part)
        if not m:
            raise FaultSpecError(
                f"fault rule {part!r}: expected KIND[:SCOPE][@PROB|#COUNT], e.g. 5xx:facebook@0.05"
            )
        kind, ms, scope = m["kind"], m["ms"], m["scope"] or ""
        if kind not in KINDS:
            raise FaultSpecError(
                f"fault rule {part!r}: unknown kind {kind!r} (known: {', '.join(KINDS)})"
            )
        if (kind in TIMED) != (ms is not None):
            raise FaultSpecError(
                f"fault rule {part!r}: {', '.join(TIMED)} take milliseconds (latency=100); "
                "other kinds take none"
            )
        if scope and scope not in SCOPES and not _ACCOUNT.match(scope):
            raise FaultSpecError(
                f"fault rule {part!r}: unknown scope {scope!r} "
                f"(known: {', '.join(SCOPES)}, or a Page or channel id)"
            )
        prob = float(m["prob"]) if m["prob"] is not None else None
        if prob is not None and not 0.0 <= prob <= 1.0:
            raise FaultSpecError(f"fault rule {part!r}: probability must be between 0 and 1")
        count = int(m["count"]) if m["count"] is not None else None
        rules.append(FaultRule(kind, scope, prob, count, int(ms or 0)))
    return rules


@dataclass(frozen=True)
class Decision:
    """What to do to one request: an added delay, and at most one fault kind."""

    latency_ms: int = 0
    fault: str = ""
    scope: str = ""
    stall_ms: int = 0  # with fault "stall": how long the answer waits after the write


class FaultSet:
    """The active rules, applied per request under a lock (counts and RNG are shared state)."""

    def __init__(self, spec: str = "", seed: int = 7) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(f"faults:{seed}")
        self._rules = parse_spec(spec)
        self.fired: Counter[str] = Counter()  # faults injected so far, by rule (for reports)

    def set(self, spec: str) -> None:
        rules = parse_spec(spec)
        with self._lock:
            self._rules = rules

    def describe(self) -> str:
        with self._lock:
            return ",".join(r.describe() for r in self._rules if r.count != 0)

    def decide(self, tags: frozenset[str], applicable: frozenset[str]) -> Decision:
        """Decide the fate of a request tagged `tags`; only kinds in `applicable` may fire."""
        latency = 0
        with self._lock:
            for rule in self._rules:
                if rule.kind == "latency" and rule.matches(tags) and self._fires(rule):
                    latency += rule.latency_ms
                    self.fired[rule.describe()] += 1
            for rule in self._rules:
                if rule.kind in ("latency", "lag") or rule.kind not in applicable:
                    continue
                if rule.matches(tags) and self._fires(rule):
                    self.fired[rule.describe()] += 1
                    return Decision(latency, rule.kind, rule.scope, rule.latency_ms)
        return Decision(latency)

    def lag_ms(self) -> int:
        """How far listings lag behind creates now (the largest `lag` rule; 0: not at all)."""
        with self._lock:
            return max((r.latency_ms for r in self._rules if r.kind == "lag"), default=0)

    def _fires(self, rule: FaultRule) -> bool:
        if rule.count is not None:
            if rule.count <= 0:
                return False
            rule.count -= 1
            return True
        if rule.probability is not None:
            return self._rng.random() < rule.probability
        return True
