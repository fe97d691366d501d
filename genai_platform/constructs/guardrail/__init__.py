"""The Bedrock guardrail every model call goes through, and its account-level enforcement.

:class:`Guardrail` builds an ``AWS::Bedrock::Guardrail`` from a strict default a team can start
from and override:

- **content filters** for SEXUAL, VIOLENCE, HATE, INSULTS and MISCONDUCT on inputs and outputs,
  and PROMPT_ATTACK on inputs (prompt attacks are only detected in prompts, so its output
  strength is always NONE), all HIGH (:data:`STRICT_CONTENT_FILTERS`);
- **sensitive information**: credentials and secrets are blocked in both directions, common
  personal data is anonymized in model outputs (:data:`STRICT_PII_ENTITIES`), plus any custom
  regular expressions;
- **denied topics**, **denied words** and the managed **profanity** list;
- optional **contextual grounding** and **relevance** thresholds for answers built on retrieved
  sources;
- optional **KMS key**, the **CLASSIC or STANDARD tier** (STANDARD needs a cross-Region guardrail
  profile).

It also publishes a numbered **version** (``AWS::Bedrock::GuardrailVersion``) whose logical id
carries a hash of the rendered guardrail definition: a changed definition creates a new version
and an unchanged one keeps the current version. Callers and the enforcement pin that version,
never DRAFT. :attr:`Guardrail.guardrail_version_arn` is the value the
``bedrock:GuardrailIdentifier`` IAM condition key compares against.

:class:`GuardrailEnforcement` switches on account-level enforcement
(``AWS::Bedrock::EnforcedGuardrailConfiguration``): every Bedrock model invocation in the
account and Region then goes through the published version, for all models or a chosen subset.

Example::

    guardrail = Guardrail(stack, "Guardrail", denied_topics=[
        DeniedTopic(name="Investment advice", definition="Recommendations about investing."),
    ])
    GuardrailEnforcement(stack, "Enforcement", guardrail=guardrail)
    guardrail.grant_apply(gateway_function)

The package holds one module per concern: :mod:`.props` (structured props, strict defaults,
limits), :mod:`.construct` (:class:`Guardrail`: its resources, attributes, imports and grants),
:mod:`.metrics`, :mod:`.imported` (guardrails referenced by ARN), :mod:`.enforcement`
(:class:`GuardrailEnforcement`), :mod:`.rendering` (props to CloudFormation policies, the
definition hash), :mod:`.validation` and :mod:`.service_model` (limits read from botocore's
Bedrock API model).
"""

from __future__ import annotations

from genai_platform.constructs.guardrail.construct import Guardrail
from genai_platform.constructs.guardrail.enforcement import GuardrailEnforcement
from genai_platform.constructs.guardrail.props import (
    CREDENTIAL_PII_TYPES,
    DEFAULT_BLOCKED_INPUT_MESSAGE,
    DEFAULT_BLOCKED_OUTPUT_MESSAGE,
    IMPORTED_KEY_WARNING_ID,
    MAX_GROUNDING_THRESHOLD,
    METRICS_NAMESPACE,
    PERSONAL_PII_TYPES,
    STRICT_CONTENT_FILTERS,
    STRICT_PII_ENTITIES,
    ContentFilter,
    DeniedTopic,
    PiiEntity,
    RegexFilter,
)

# Public-looking names of the former module, kept importable from here.
from genai_platform.constructs.guardrail.props import PROMPT_ATTACK as PROMPT_ATTACK
from genai_platform.constructs.guardrail.props import STANDARD_TIER as STANDARD_TIER

__all__ = [
    "CREDENTIAL_PII_TYPES",
    "DEFAULT_BLOCKED_INPUT_MESSAGE",
    "DEFAULT_BLOCKED_OUTPUT_MESSAGE",
    "IMPORTED_KEY_WARNING_ID",
    "MAX_GROUNDING_THRESHOLD",
    "METRICS_NAMESPACE",
    "PERSONAL_PII_TYPES",
    "STRICT_CONTENT_FILTERS",
    "STRICT_PII_ENTITIES",
    "ContentFilter",
    "DeniedTopic",
    "Guardrail",
    "GuardrailEnforcement",
    "PiiEntity",
    "RegexFilter",
]
