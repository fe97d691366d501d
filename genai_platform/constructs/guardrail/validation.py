"""Checks of the guardrail's props: every problem one line naming the prop, the value and what
is allowed; :func:`_raise_problems` raises them together before anything is built."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any, TypeGuard

import aws_cdk as cdk
from constructs import IConstruct

from genai_platform import regions
from genai_platform.constructs.guardrail.props import (
    _PROFILE_ARN,
    _REGION,
    _STRENGTH_NONE,
    MAX_GROUNDING_THRESHOLD,
    PROMPT_ATTACK,
    STANDARD_TIER,
    ContentFilter,
    DeniedTopic,
    PiiEntity,
    RegexFilter,
)
from genai_platform.constructs.guardrail.service_model import (
    _bounds,
    _enum,
    _pattern,
    _shape_metadata,
)


def _child_path(scope: IConstruct, id: str) -> str:
    return "/".join(p for p in (scope.node.path, id) if p)


def _raise_problems(kind: str, path: str, problems: list[str]) -> None:
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise ValueError(f"{kind} {path!r}: invalid props ({len(problems)} problems):\n{lines}")


def _is_token(value: object) -> bool:
    """A deploy-time value. Only strings and finite numbers are asked (jsii cannot send NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return isinstance(value, (str, int, float)) and cdk.Token.is_unresolved(value)


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _allowed(values: Sequence[str]) -> str:
    return ", ".join(values)


def _check_text(prop: str, value: object, shape: str, *, optional: bool = False) -> list[str]:
    """A string within the service's length limits (and pattern, when the shape has one)."""
    if (optional and value is None) or _is_token(value):
        return []
    low, high = _bounds(shape)
    pattern = _shape_metadata(shape).get("pattern")
    if isinstance(value, str) and low <= len(value) <= high:
        if pattern is None or re.fullmatch(pattern, value):
            return []
        return [f"{prop}: {value!r} has characters the service does not allow ({pattern})"]
    shown = value if not isinstance(value, str) or len(value) <= 80 else value[:77] + "..."
    size = f" ({len(value)} characters)" if isinstance(value, str) else ""
    return [f"{prop}: {shown!r}{size} is not allowed; give {low}-{high} characters"]


def _check_choice(prop: str, value: object, shape: str, what: str) -> list[str]:
    allowed = _enum(shape)
    if _is_token(value) or value in allowed:
        return []
    return [f"{prop}: {value!r} is not a {what}; allowed: {_allowed(allowed)}"]


def _items(prop: str, value: object, cls: type) -> tuple[list[Any], list[str]]:
    """The items of a sequence prop that are instances of ``cls``, and a problem per other."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        return [], [f"{prop}: {value!r} is not a list of {cls.__name__}"]
    good, problems = [], []
    for i, item in enumerate(value):
        if isinstance(item, cls):
            good.append(item)
        else:
            problems.append(f"{prop}[{i}]: {item!r} is not a {cls.__name__}")
    return good, problems


def _duplicates(values: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    for v in values:
        key = v.casefold()
        seen[key] = seen.get(key, 0) + 1
    return sorted({v for v in values if seen[v.casefold()] > 1})


def _check_content_filters(filters: object) -> list[str]:
    good, problems = _items("content_filters", filters, ContentFilter)
    types, strengths = _enum("GuardrailContentFilterType"), _enum("GuardrailFilterStrength")
    for i, f in enumerate(good):
        where = f"content_filters[{i}]"
        if f.type not in types:
            problems.append(
                f"{where}.type: {f.type!r} is not a content filter type; allowed: {_allowed(types)}"
            )
        for field, value in (
            ("input_strength", f.input_strength),
            ("output_strength", f.output_strength),
        ):
            if value is not None and value not in strengths:
                problems.append(
                    f"{where}.{field}: {value!r} is not a filter strength; allowed: "
                    f"{_allowed(strengths)}"
                )
        if f.type == PROMPT_ATTACK and f.output_strength not in (None, _STRENGTH_NONE):
            problems.append(
                f"{where}.output_strength: {f.output_strength!r} is not allowed for "
                "PROMPT_ATTACK; prompt attacks are only detected in inputs, so it must be "
                "'NONE' (or left out)"
            )
        elif f.input_strength == _STRENGTH_NONE and f.effective_output_strength == _STRENGTH_NONE:
            problems.append(
                f"{where}: {f.type} with both strengths 'NONE' filters nothing; leave the "
                "filter out instead"
            )
    repeated = _duplicates([f.type for f in good if isinstance(f.type, str)])
    if repeated:
        problems.append(
            f"content_filters: {repeated!r} listed more than once; give each filter type once"
        )
    return problems


def _check_denied_topics(topics: object) -> list[str]:
    good, problems = _items("denied_topics", topics, DeniedTopic)
    _, max_topics = _bounds("GuardrailTopicsConfig")
    if len(good) > max_topics:
        problems.append(
            f"denied_topics: {len(good)} topics ({[t.name for t in good]!r}); at most {max_topics}"
        )
    _, max_examples = _bounds("GuardrailTopicExamples")
    for i, t in enumerate(good):
        where = f"denied_topics[{i}]"
        problems += _check_text(f"{where}.name", t.name, "GuardrailTopicName")
        problems += _check_text(f"{where}.definition", t.definition, "GuardrailTopicDefinition")
        examples = t.examples
        if isinstance(examples, str) or not isinstance(examples, Sequence):
            problems.append(f"{where}.examples: {examples!r} is not a list of example prompts")
            continue
        if len(examples) > max_examples:
            problems.append(f"{where}.examples: {len(examples)} examples; at most {max_examples}")
        for j, example in enumerate(examples):
            problems += _check_text(f"{where}.examples[{j}]", example, "GuardrailTopicExample")
    repeated = _duplicates([t.name for t in good if isinstance(t.name, str)])
    if repeated:
        problems.append(f"denied_topics: names {repeated!r} used more than once; name each once")
    return problems


def _check_denied_words(words: object) -> list[str]:
    if isinstance(words, str) or not isinstance(words, Sequence):
        return [f"denied_words: {words!r} is not a list of words"]
    problems = []
    _, max_words = _bounds("GuardrailWordsConfig")
    if len(words) > max_words:
        problems.append(f"denied_words: {len(words)} words; at most {max_words}")
    low, high = _bounds("GuardrailWordConfigTextString")
    bad = [
        w
        for w in words
        if not _is_token(w) and not (isinstance(w, str) and w.strip() and low <= len(w) <= high)
    ]
    if bad:
        problems.append(
            f"denied_words: {bad!r} are not allowed; each word or phrase has {low}-{high} "
            "characters, not only spaces"
        )
    repeated = _duplicates([w for w in words if isinstance(w, str) and not _is_token(w)])
    if repeated:
        problems.append(
            f"denied_words: {repeated!r} listed more than once (case-insensitive); list each once"
        )
    return problems


def _check_pii_entities(entities: object) -> list[str]:
    good, problems = _items("pii_entities", entities, PiiEntity)
    for i, e in enumerate(good):
        where = f"pii_entities[{i}]"
        problems += _check_choice(
            f"{where}.type", e.type, "GuardrailPiiEntityType", "PII entity type"
        )
        for field in ("input_action", "output_action"):
            problems += _check_choice(
                f"{where}.{field}",
                getattr(e, field),
                "GuardrailSensitiveInformationAction",
                "sensitive-information action",
            )
    repeated = _duplicates([e.type for e in good if isinstance(e.type, str)])
    if repeated:
        problems.append(f"pii_entities: {repeated!r} listed more than once; give each type once")
    return problems


def _check_regex_filters(regexes: object) -> list[str]:
    good, problems = _items("regex_filters", regexes, RegexFilter)
    _, max_regexes = _bounds("GuardrailRegexesConfig")
    if len(good) > max_regexes:
        problems.append(f"regex_filters: {len(good)} patterns; at most {max_regexes}")
    for i, r in enumerate(good):
        where = f"regex_filters[{i}]"
        problems += _check_text(f"{where}.name", r.name, "GuardrailRegexConfigNameString")
        problems += _check_text(f"{where}.pattern", r.pattern, "GuardrailRegexConfigPatternString")
        problems += _check_text(
            f"{where}.description",
            r.description,
            "GuardrailRegexConfigDescriptionString",
            optional=True,
        )
        problems += _check_choice(
            f"{where}.action",
            r.action,
            "GuardrailSensitiveInformationAction",
            "sensitive-information action",
        )
    repeated = _duplicates([r.name for r in good if isinstance(r.name, str)])
    if repeated:
        problems.append(f"regex_filters: names {repeated!r} used more than once; name each once")
    return problems


def _check_threshold(prop: str, value: object) -> list[str]:
    if value is None or _is_token(value):
        return []
    if _is_number(value) and 0 <= value <= MAX_GROUNDING_THRESHOLD:
        return []
    return [
        f"{prop}: {value!r} is not allowed; give a number from 0 to {MAX_GROUNDING_THRESHOLD}, "
        "or None for no check"
    ]


def _check_profile(stack: cdk.Stack, tier: str, profile: object, regions: object) -> list[str]:
    problems = []
    if profile is None:
        if tier == STANDARD_TIER:
            problems.append(
                "cross_region_profile: None is not allowed with tier 'STANDARD'; the STANDARD "
                "tier needs cross-Region inference: give a guardrail profile such as "
                "'us.guardrail.v1:0' or its ARN, or use tier 'CLASSIC'"
            )
        if regions:
            problems.append(
                f"cross_region_profile_regions: {regions!r} given without "
                "cross_region_profile; give the profile too, or leave the regions out"
            )
        return problems
    if not _is_token(profile):
        if not (
            isinstance(profile, str)
            and _pattern("GuardrailCrossRegionGuardrailProfileIdentifier").fullmatch(profile)
        ):
            problems.append(
                f"cross_region_profile: {profile!r} is not a guardrail profile; give its id "
                "('us.guardrail.v1:0') or ARN (arn:aws:bedrock:<region>:<account>:"
                "guardrail-profile/<id>)"
            )
        else:
            match = _PROFILE_ARN.fullmatch(profile)
            for part, expected in (("region", stack.region), ("account", stack.account)):
                if match and not cdk.Token.is_unresolved(expected) and match[part] != expected:
                    problems.append(
                        f"cross_region_profile: {profile!r} is in {part} {match[part]!r}, "
                        f"but the stack's {part} is {expected!r}; give the profile of the "
                        "stack's account and Region, or its id"
                    )
    if isinstance(regions, str) or not isinstance(regions, Sequence):
        problems.append(f"cross_region_profile_regions: {regions!r} is not a list of Regions")
    else:
        bad = [
            r
            for r in regions
            if not _is_token(r) and not (isinstance(r, str) and _REGION.fullmatch(r))
        ]
        if bad:
            problems.append(
                f"cross_region_profile_regions: {bad!r} are not Region names (like 'us-east-2')"
            )
    return problems


def _validate_guardrail(
    *,
    stack: cdk.Stack,
    guardrail_name: object,
    description: object,
    content_filters: object,
    denied_topics: object,
    denied_words: object,
    profanity_filter: object,
    pii_entities: object,
    regex_filters: object,
    grounding_threshold: object,
    relevance_threshold: object,
    blocked_input_message: object,
    blocked_output_message: object,
    tier: object,
    cross_region_profile: object,
    cross_region_profile_regions: object,
    version_removal_policy: object,
) -> list[str]:
    """Every problem with the guardrail's props, in prop order."""
    problems = [
        *_check_text("guardrail_name", guardrail_name, "GuardrailName", optional=True),
        *_check_text("description", description, "GuardrailDescription", optional=True),
        *_check_content_filters(content_filters),
        *_check_denied_topics(denied_topics),
        *_check_denied_words(denied_words),
        *_check_pii_entities(pii_entities),
        *_check_regex_filters(regex_filters),
        *_check_threshold("grounding_threshold", grounding_threshold),
        *_check_threshold("relevance_threshold", relevance_threshold),
        *_check_text("blocked_input_message", blocked_input_message, "GuardrailBlockedMessaging"),
        *_check_text("blocked_output_message", blocked_output_message, "GuardrailBlockedMessaging"),
        *_check_choice("tier", tier, "GuardrailContentFiltersTierName", "guardrail tier"),
        *_check_profile(stack, str(tier), cross_region_profile, cross_region_profile_regions),
    ]
    problems += _region_problems(stack, regions.GUARDRAILS)
    if not isinstance(profanity_filter, bool):
        problems.append(f"profanity_filter: {profanity_filter!r} is not True or False")
    if version_removal_policy not in (cdk.RemovalPolicy.DESTROY, cdk.RemovalPolicy.RETAIN):
        problems.append(
            f"version_removal_policy: {version_removal_policy!r} is not allowed; give "
            "RemovalPolicy.DESTROY or RemovalPolicy.RETAIN"
        )
    has_policy = (
        _non_empty(content_filters)
        or _non_empty(denied_topics)
        or _non_empty(denied_words)
        or profanity_filter is True
        or _non_empty(pii_entities)
        or _non_empty(regex_filters)
        or grounding_threshold is not None
        or relevance_threshold is not None
    )
    if not has_policy:
        problems.append(
            "content_filters, denied_topics, denied_words, profanity_filter, pii_entities, "
            "regex_filters, grounding_threshold, relevance_threshold: all empty or off, so the "
            "guardrail has no policy at all; configure at least one"
        )
    return problems


def _non_empty(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str) and len(value) > 0


def _region_problems(stack: cdk.Stack, feature: regions.RegionalFeature) -> list[str]:
    """The stack's region must offer ``feature`` (see :mod:`genai_platform.regions`)."""
    if cdk.Token.is_unresolved(stack.region):
        return []
    problem = regions.feature_problem(feature, stack.region, prop="scope")
    return [problem] if problem else []
