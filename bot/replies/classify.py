"""Classification: is a post asking how to get into ML, and who is asking?

Deterministic functions over plain data; the only computation beyond Python is the
sentence encoder (``encoder.py``), run once for each post the model scores.
The decision combines the learned model (``bot/replies/model.py``: a calibrated
probability of getting-started intent, and a learned audience) with the moderators'
guard rails from ``config/replies.yaml``:

1. ``topic``: a post that mentions none of these (ML, AI, data science...) gets no
   reply; ``hard_negatives``: a match vetoes the reply whatever the model says
   (promotion, showcase, hiring, hardware...). Precision first.
2. ``boosts`` and ``flair_weights`` add to the model's log-odds (a match in the title
   counts ``title_boost`` times).
3. The post is a getting-started question when the adjusted probability reaches
   ``threshold`` (when omitted, the model file's: a calibrated probability, 0.70 by
   default in ``TrainOptions``).
4. The guide (``choose_guide``): with ``audience_from: model`` (the default) the learned audience
   head gives a probability per audience. A phrase of the ``audiences`` groups that the
   moderators mark ``decisive`` wins; otherwise the likeliest guide is linked when its
   probability reaches ``audience_floor``, and the Introduction (``index``) when none does.
   When the runner-up is within ``audience_close`` of it, the reply names both paths. Only
   at ``audience_confident`` or above may the reply say something about the asker. With
   ``audience_from: rules`` the phrase groups route, as in wikibot 0.1.

wikibot 0.1's rules-only classifier is kept in ``baselines.py`` for comparison in
``wikibot replies eval``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ConfigError
from bot.replies.dataset import AUDIENCES
from bot.replies.features import prepare_post
from bot.replies.model import Model, Score, load_model, sigmoid

AUDIENCE_SOURCES = ("model", "rules")
# Reply templates: one per audience (a confident guide), one for a guide named without a
# word about the asker, one naming two paths (``respond.py`` renders them).
TEMPLATE_NAMES = (*AUDIENCES, "tentative", "two_paths")


@dataclass(frozen=True)
class Rule:
    """A regular expression with a weight and a human-readable reason."""

    pattern: re.Pattern[str]
    weight: float
    reason: str
    title_only: bool = False
    decisive: bool = False  # an audience phrase that wins over the learned router

    def match(self, title: str, body: str) -> str | None:
        """'title', 'body' or None: where the rule matched (title wins)."""
        if self.pattern.search(title):
            return "title"
        if not self.title_only and self.pattern.search(body):
            return "body"
        return None


@dataclass(frozen=True)
class Rules:
    """Everything the classifier and responder read: ``replies.yaml`` and its model."""

    threshold: float | None
    title_boost: float
    topic: tuple[Rule, ...]
    hard_negatives: tuple[Rule, ...]
    boosts: tuple[Rule, ...]
    audience_from: str
    audiences: Mapping[str, tuple[Rule, ...]]
    audience_min: float
    audience_margin: float
    audience_floor: float
    audience_confident: float
    audience_close: float
    flair_weights: Mapping[str, float]
    templates: Mapping[str, str]
    paths: Mapping[str, str]  # per audience: who its guide is for, when a reply names two
    guide_titles: Mapping[str, str]
    footer: str
    model: Model | None = None
    source: str = ""
    model_file: Path | None = None  # the model ``model_file`` names; None: the shipped one

    @property
    def reply_threshold(self) -> float:
        """The probability a post needs for a reply."""
        if self.threshold is not None:
            return self.threshold
        return self.model.threshold if self.model else 0.5


SECOND_SEPARATOR = "/"
TENTATIVE_MARK = "?"


@dataclass(frozen=True)
class Routing:
    """Which guide a reply links and how much it may say about the asker.

    Stored in the state as one short token: ``engineers`` (confident), ``engineers?``
    (the guide, without a word about the asker) or ``engineers/researchers`` (both paths).
    """

    guide: str  # the audience whose guide is linked first; "index" is the Introduction
    second: str | None = None  # a second path named beside it, when the two are close
    confident: bool = False  # the reply may say something about the asker (never for index)

    def token(self) -> str:
        if self.second:
            return f"{self.guide}{SECOND_SEPARATOR}{self.second}"
        if self.guide == "index" or self.confident:
            return self.guide
        return self.guide + TENTATIVE_MARK

    @classmethod
    def parse(cls, token: str | None) -> Routing:
        """The routing a stored token names; anything unknown is the Introduction."""
        text = (token or "").strip()
        first, _, second = text.partition(SECOND_SEPARATOR)
        guide = first.removesuffix(TENTATIVE_MARK)
        if guide not in AUDIENCES or guide == "index":
            return cls("index")
        if second:
            return cls(guide, second if second in AUDIENCES else None)
        return cls(guide, confident=not first.endswith(TENTATIVE_MARK))


@dataclass(frozen=True)
class Decision:
    """The classifier's verdict on one post."""

    is_getting_started: bool
    routing: Routing
    score: float  # probability of a getting-started question, after guard rails
    reasons: tuple[str, ...] = ()
    audience_scores: Mapping[str, float] = field(default_factory=dict)
    model_logit: float = 0.0  # the model's calibrated log-odds, before the guard rails

    @property
    def audience(self) -> str:
        """The audience whose guide the reply links first."""
        return self.routing.guide

    def to_dict(self) -> dict[str, Any]:
        return {
            "is_getting_started": self.is_getting_started,
            "audience": self.audience,
            "routing": {
                "guide": self.routing.guide,
                "second": self.routing.second,
                "confident": self.routing.confident,
            },
            "score": round(self.score, 4),
            "reasons": list(self.reasons),
            "audience_scores": {k: round(v, 3) for k, v in self.audience_scores.items()},
        }


def classify(
    *,
    title: str,
    body: str = "",
    flair: str | None = None,
    rules: Rules,
    explain: bool = True,
    route: bool = False,
    vector: Sequence[float] | None = None,
) -> Decision:
    """Decide whether a post asks how to get into ML, and for which audience.

    ``explain=False`` skips listing the model's strongest features in the reasons; the
    guide is then chosen only for a post that gets a reply, unless ``route``.
    ``vector``: the post's sentence vector, when the caller has it already (evaluation);
    otherwise it is encoded here (~50 ms) when the model reads one.
    """
    model = rules.model
    if model is None:
        raise ConfigError(f"{rules.source}: no reply model loaded")
    title_text, body_text = prepare_post(title, body)
    if vector is None:
        vector = model.embed(title, body)
    scored = model.score(
        title=title_text, body=body_text, prepared=True, explain=explain, vector=vector
    )
    rails = guard_rails(title_text, body_text, flair, rules)
    reasons = [f"model: p={scored.probability:.3f}"]
    reasons.extend(f"  {weight:+.2f} {name}" for name, weight in scored.top_features[:5])
    reasons.extend(f"{shift.weight:+.1f} {shift.why}" for shift in rails.shifts)
    probability = sigmoid(scored.logit + rails.shift)
    candidate = probability >= rules.reply_threshold
    if not (candidate or explain or route):  # guard rails and routing matter for a reply
        return Decision(False, Routing("index"), probability, tuple(reasons), {}, scored.logit)
    veto = rails.veto
    if veto is not None:
        reasons.append(f"no reply: {veto}")
    routing, audience_scores, why = choose_guide(title_text, body_text, scored, rules)
    if why:
        reasons.append(why)
    return Decision(
        veto is None and candidate,
        routing,
        probability,
        tuple(reasons),
        audience_scores,
        scored.logit,
    )


TOPIC_GATE = "does not mention ML, AI or data science"


@dataclass(frozen=True)
class Shift:
    """A moderators' rule that moves a post's log-odds: a boost or a flair weight."""

    kind: str  # boost | flair
    rule: str  # the boost's reason, or the flair
    weight: float  # as applied (a title match counts title_boost times)
    why: str  # for the decision's reasons


@dataclass(frozen=True)
class GuardRails:
    """What the moderators' rules in ``replies.yaml`` say about one post."""

    shifts: tuple[Shift, ...]  # the boosts and the flair weight that apply
    vetoes: tuple[str, ...]  # hard negatives that match, and the topic gate if no topic does

    @property
    def shift(self) -> float:
        return sum(shift.weight for shift in self.shifts)

    @property
    def veto(self) -> str | None:
        """The reason the post gets no reply whatever the model says (the topic gate first)."""
        if TOPIC_GATE in self.vetoes:
            return TOPIC_GATE
        return self.vetoes[0] if self.vetoes else None


def guard_rails(title: str, body: str, flair: str | None, rules: Rules) -> GuardRails:
    """The boosts, flair weight and vetoes that apply to a post (prepared text). Pure."""
    shifts = []
    for rule in rules.boosts:
        where = rule.match(title, body)
        if where is not None:
            weight = rule.weight * (rules.title_boost if where == "title" else 1.0)
            shifts.append(Shift("boost", rule.reason, weight, f"{rule.reason} ({where})"))
    if flair and (flair_weight := rules.flair_weights.get(flair.strip().lower())):
        name = flair.strip().lower()
        shifts.append(Shift("flair", name, flair_weight, f"flair '{flair.strip()}'"))
    vetoes = [rule.reason for rule in rules.hard_negatives if rule.match(title, body)]
    if rules.topic and not any(rule.match(title, body) for rule in rules.topic):
        vetoes.append(TOPIC_GATE)
    return GuardRails(tuple(shifts), tuple(vetoes))


def choose_guide(
    title: str, body: str, scored: Score, rules: Rules
) -> tuple[Routing, dict[str, float], str]:
    """The reply's guide(s) for a post (prepared text), the scores behind it, and why."""
    decisive = {
        name
        for name, group in rules.audiences.items()
        for rule in group
        if rule.decisive and rule.match(title, body)
    }
    if len(decisive) == 1:  # two decisive phrases that disagree decide nothing
        (name,) = decisive
        scores = dict(scored.audience_probabilities)
        return Routing(name, confident=True), scores, f"audience: decisive phrase ({name})"
    if rules.audience_from == "rules" or not scored.audience_probabilities:
        audience, scores = rule_audience(
            title,
            body,
            rules.audiences,
            minimum=rules.audience_min,
            margin=rules.audience_margin,
            title_boost=rules.title_boost,
        )
        routing = Routing(audience, confident=audience != "index")
        return routing, scores, "audience: phrase groups"
    probabilities = dict(scored.audience_probabilities)
    return route_by_probability(probabilities, rules=rules), probabilities, ""


def route_by_probability(probabilities: Mapping[str, float], *, rules: Rules) -> Routing:
    """The learned router: the likeliest guide above the floor, both paths when the top two
    are close, the Introduction when no guide is likely enough. Pure."""
    ranked = sorted(
        ((p, name) for name, p in probabilities.items() if name != "index"), reverse=True
    )
    if not ranked:
        return Routing("index")
    best_p, best = ranked[0]
    second_p, second = ranked[1] if len(ranked) > 1 else (0.0, "")
    if (
        second
        and best_p - second_p <= rules.audience_close
        and best_p + second_p >= rules.audience_floor
    ):
        return Routing(best, second)
    if best_p >= rules.audience_floor:
        return Routing(best, confident=best_p >= rules.audience_confident)
    return Routing("index")


def rule_audience(
    title: str,
    body: str,
    groups: Mapping[str, tuple[Rule, ...]],
    *,
    minimum: float,
    margin: float,
    title_boost: float,
) -> tuple[str, dict[str, float]]:
    """The best-scoring audience phrase group when it scores at least ``minimum`` and leads
    the runner-up by ``margin``, else ``index``."""
    scores = {}
    for name, group in groups.items():
        total = 0.0
        for rule in group:
            where = rule.match(title, body)
            if where is not None:
                total += rule.weight * (title_boost if where == "title" else 1.0)
        scores[name] = total
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    if not ranked:
        return "index", scores
    best, best_score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if best_score >= minimum and best_score - runner_up >= margin:
        return best, scores
    return "index", scores


# --- loading replies.yaml ---------------------------------------------------------------

KNOWN_KEYS = frozenset(
    {
        "model_file",
        "threshold",
        "title_boost",
        "topic",
        "hard_negatives",
        "boosts",
        "flair_weights",
        "audience_from",
        "audience_floor",
        "audience_confident",
        "audience_close",
        "audiences",
        "audience_min",
        "audience_margin",
        "templates",
        "paths",
        "guide_titles",
        "footer",
    }
)


def read_yaml(path: Path, what: str, *, fix: str = "check the path") -> dict[str, Any]:
    """Parse a YAML mapping; ``ConfigError`` names the file (and line) on failure."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} not found; {fix}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ConfigError(
            f"{where}: YAML syntax error: {getattr(exc, 'problem', None) or exc}"
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


def load_rules(path: Path, *, model: Model | None = None) -> Rules:
    """Read and validate ``replies.yaml`` and load its model; ``ConfigError`` on any fault."""
    data = read_yaml(path, "reply rules file", fix="set replies.rules_file")
    named = data.get("model_file")
    if named is not None and not isinstance(named, str):
        raise ConfigError(f"{path}: model_file: expected a path relative to {path.parent}")
    model_file = path.parent / named if named else None
    if model is None:
        model = load_model(model_file)
    return replace(rules_from_dict(data, source=str(path), model=model), model_file=model_file)


def rules_from_dict(data: Mapping[str, Any], *, source: str, model: Model | None = None) -> Rules:
    """Build ``Rules`` from parsed YAML (also used by tests)."""
    for key in data:
        if key not in KNOWN_KEYS:
            raise ConfigError(
                f"{source}: {key}: unknown key (known: {', '.join(sorted(KNOWN_KEYS))})"
            )
    audiences_raw = data.get("audiences") or {}
    if not isinstance(audiences_raw, dict):
        raise ConfigError(f"{source}: audiences: expected a mapping of audience to rules")
    for name in audiences_raw:
        if name not in AUDIENCES[:-1]:
            raise ConfigError(
                f"{source}: audiences.{name}: unknown audience (known: {', '.join(AUDIENCES[:-1])})"
            )
    templates, paths = _templates_and_paths(data, source)
    footer = data.get("footer")
    if not isinstance(footer, str) or not footer.strip():
        raise ConfigError(f"{source}: footer: expected the reply footer text")
    flair_weights = data.get("flair_weights") or {}
    if not isinstance(flair_weights, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in flair_weights.values()
    ):
        raise ConfigError(f"{source}: flair_weights: expected 'flair text: number' pairs")
    threshold = data.get("threshold")
    if threshold is not None:
        threshold = _number(data, "threshold", source)
        if not 0.0 < threshold < 1.0:
            raise ConfigError(
                f"{source}: threshold: expected a probability between 0 and 1 (or omit it to "
                f"use the model's), got {threshold!r}"
            )
    audience_from = data.get("audience_from", "model")
    if audience_from not in AUDIENCE_SOURCES:
        raise ConfigError(
            f"{source}: audience_from: expected model or rules, got {audience_from!r}"
        )
    return Rules(
        threshold=threshold,
        title_boost=_number(data, "title_boost", source, default=1.0),
        topic=parse_rules(data.get("topic") or [], f"{source}: topic", weighted=False),
        hard_negatives=parse_rules(data.get("hard_negatives") or [], f"{source}: hard_negatives"),
        boosts=parse_rules(data.get("boosts") or [], f"{source}: boosts"),
        audience_from=str(audience_from),
        audiences={
            name: parse_rules(group, f"{source}: audiences.{name}", required=True)
            for name, group in audiences_raw.items()
        },
        audience_min=_number(data, "audience_min", source, default=1.0),
        audience_margin=_number(data, "audience_margin", source, default=0.5),
        audience_floor=_probability(data, "audience_floor", source, default=0.7),
        audience_confident=_probability(data, "audience_confident", source, default=0.9),
        audience_close=_probability(data, "audience_close", source, default=0.15),
        flair_weights={str(k).lower(): float(v) for k, v in flair_weights.items()},
        templates=templates,
        paths=paths,
        guide_titles=_strings(data.get("guide_titles") or {}, f"{source}: guide_titles"),
        footer=footer,
        model=model,
        source=source,
    )


def _number(data: Mapping[str, Any], key: str, source: str, default: float | None = None) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{source}: {key}: expected a number, got {value!r}")
    return float(value)


def _templates_and_paths(
    data: Mapping[str, Any], source: str
) -> tuple[dict[str, str], dict[str, str]]:
    """The reply templates (every one of ``TEMPLATE_NAMES``) and the audiences' paths."""
    templates = _strings(data.get("templates"), f"{source}: templates")
    for name in TEMPLATE_NAMES:
        if name not in templates:
            raise ConfigError(f"{source}: templates.{name}: missing reply template")
    for name in templates:
        if name not in TEMPLATE_NAMES:
            raise ConfigError(
                f"{source}: templates.{name}: unknown template (known: {', '.join(TEMPLATE_NAMES)})"
            )
    paths = _strings(data.get("paths") or {}, f"{source}: paths")
    for name in paths:
        if name not in AUDIENCES[:-1]:
            raise ConfigError(
                f"{source}: paths.{name}: unknown audience (known: {', '.join(AUDIENCES[:-1])})"
            )
    return templates, paths


def _probability(data: Mapping[str, Any], key: str, source: str, *, default: float) -> float:
    value = _number(data, key, source, default=default)
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"{source}: {key}: expected a probability between 0 and 1, got {value!r}")
    return value


def _strings(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(f"{where}: expected 'name: text' pairs")
    return {str(k): v for k, v in value.items()}


def parse_rules(
    items: Any, where: str, *, weighted: bool = True, required: bool = False
) -> tuple[Rule, ...]:
    """A list of ``{pattern, weight, reason, title_only}`` (or bare patterns if unweighted)."""
    if not isinstance(items, list) or (required and not items):
        raise ConfigError(f"{where}: expected a {'non-empty ' if required else ''}list of rules")
    rules = []
    for index, raw in enumerate(items):
        item = {"pattern": raw} if isinstance(raw, str) and not weighted else raw
        if not isinstance(item, dict) or "pattern" not in item:
            raise ConfigError(
                f"{where}[{index}]: expected a mapping with 'pattern'"
                + (", 'weight' and 'reason'" if weighted else "")
            )
        try:
            pattern = re.compile(str(item["pattern"]), re.IGNORECASE)
        except re.error as exc:
            raise ConfigError(
                f"{where}[{index}].pattern: invalid regular expression: {exc}"
            ) from None
        weight = item.get("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise ConfigError(f"{where}[{index}].weight: expected a number, got {weight!r}")
        rules.append(
            Rule(
                pattern=pattern,
                weight=float(weight),
                reason=str(item.get("reason") or item["pattern"]),
                title_only=bool(item.get("title_only", False)),
                decisive=bool(item.get("decisive", False)),
            )
        )
    return tuple(rules)
