"""The guardrail's structured props, strict defaults and limits."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

#: CloudWatch namespace of the guardrail runtime metrics.
METRICS_NAMESPACE = "AWS/Bedrock/Guardrails"

#: Returned instead of the prompt when the guardrail blocks an input.
DEFAULT_BLOCKED_INPUT_MESSAGE = (
    "Sorry, this request can't be processed because it conflicts with our usage policy. "
    "Please rephrase it and remove any personal data, credentials or harmful content."
)
#: Returned instead of the model's answer when the guardrail blocks an output.
DEFAULT_BLOCKED_OUTPUT_MESSAGE = (
    "Sorry, the answer to this request was withheld because it conflicts with our usage "
    "policy. Please try a different request."
)

#: Contextual grounding and relevance thresholds the service accepts (0 turns a check off
#: in effect; 0.99 blocks almost everything).
MAX_GROUNDING_THRESHOLD = 0.99

#: The filter type whose output strength must be NONE.
PROMPT_ATTACK = "PROMPT_ATTACK"
#: The tier that needs a cross-Region guardrail profile.
STANDARD_TIER = "STANDARD"

_STRENGTH_NONE = "NONE"
#: Actions ordered from weakest to strongest (for the PII entity's legacy ``action`` field).
_ACTION_ORDER = ("NONE", "ANONYMIZE", "BLOCK")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
_PROFILE_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):bedrock:(?P<region>[a-z0-9-]{1,20}):(?P<account>\d{12}):"
    r"guardrail-profile/(?P<id>.+)"
)

#: Warning id this module may add (``cdk.Annotations``).
IMPORTED_KEY_WARNING_ID = "genai-platform:guardrail-imported-key"


# --------------------------------------------------------------------------- structured props


@dataclass(frozen=True, kw_only=True)
class ContentFilter:
    """One harmful-content filter.

    ``type`` is one of SEXUAL, VIOLENCE, HATE, INSULTS, MISCONDUCT, PROMPT_ATTACK; strengths are
    NONE, LOW, MEDIUM or HIGH. ``output_strength`` defaults to ``input_strength``, and for
    PROMPT_ATTACK to NONE, the only strength it allows (prompt attacks are detected in inputs).
    """

    type: str
    input_strength: str = "HIGH"
    output_strength: str | None = None

    @property
    def effective_output_strength(self) -> str:
        """The output strength rendered into the template."""
        if self.output_strength is not None:
            return self.output_strength
        return _STRENGTH_NONE if self.type == PROMPT_ATTACK else self.input_strength


@dataclass(frozen=True, kw_only=True)
class DeniedTopic:
    """A topic the guardrail refuses, in prompts and in answers.

    ``name`` (1-100 letters, digits, spaces and ``-_!?.``), ``definition`` (1-200 characters,
    say what the topic is, not what to do) and up to five ``examples`` of prompts on the topic
    (each 1-100 characters).
    """

    name: str
    definition: str
    examples: Sequence[str] = ()


@dataclass(frozen=True, kw_only=True)
class PiiEntity:
    """What to do when a type of personal or secret data is found.

    ``type`` is a Bedrock PII entity type (EMAIL, AWS_SECRET_KEY...); each action is BLOCK
    (replace the whole message by the blocked message), ANONYMIZE (replace the value by a
    ``{TYPE}`` tag) or NONE (only report it in the trace).
    """

    type: str
    input_action: str = "BLOCK"
    output_action: str = "BLOCK"


@dataclass(frozen=True, kw_only=True)
class RegexFilter:
    """A custom sensitive-data pattern, such as an internal account number.

    ``name`` (1-100 characters, unique), ``pattern`` (1-500 characters, evaluated by the
    service's regular-expression engine), ``action`` BLOCK, ANONYMIZE or NONE, and an optional
    ``description`` (1-1000 characters).
    """

    name: str
    pattern: str
    action: str = "BLOCK"
    description: str | None = None


#: Every content filter at HIGH; PROMPT_ATTACK on inputs only.
STRICT_CONTENT_FILTERS: tuple[ContentFilter, ...] = (
    ContentFilter(type="SEXUAL"),
    ContentFilter(type="VIOLENCE"),
    ContentFilter(type="HATE"),
    ContentFilter(type="INSULTS"),
    ContentFilter(type="MISCONDUCT"),
    ContentFilter(type=PROMPT_ATTACK),
)

#: Credentials and secrets: blocked in prompts and in answers.
CREDENTIAL_PII_TYPES: tuple[str, ...] = (
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
    "PASSWORD",
    "PIN",
    "CREDIT_DEBIT_CARD_CVV",
)
#: Common personal data: let through in prompts (reported in the trace), anonymized in answers.
PERSONAL_PII_TYPES: tuple[str, ...] = (
    "NAME",
    "EMAIL",
    "PHONE",
    "ADDRESS",
    "USERNAME",
    "IP_ADDRESS",
    "DRIVER_ID",
    "CREDIT_DEBIT_CARD_NUMBER",
    "CREDIT_DEBIT_CARD_EXPIRY",
    "US_SOCIAL_SECURITY_NUMBER",
    "US_PASSPORT_NUMBER",
    "US_BANK_ACCOUNT_NUMBER",
    "INTERNATIONAL_BANK_ACCOUNT_NUMBER",
)
#: Credentials blocked both ways, personal data anonymized in outputs.
STRICT_PII_ENTITIES: tuple[PiiEntity, ...] = (
    *(PiiEntity(type=t, input_action="BLOCK", output_action="BLOCK") for t in CREDENTIAL_PII_TYPES),
    *(
        PiiEntity(type=t, input_action="NONE", output_action="ANONYMIZE")
        for t in PERSONAL_PII_TYPES
    ),
)
