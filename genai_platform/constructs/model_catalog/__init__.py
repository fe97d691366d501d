"""The approved foundation models and inference profiles, and IAM that only lets them run guarded.

:class:`ModelCatalog` is the platform's list of approved model ids. An approved id is either

* a **foundation model** id, invoked in the stack's region
  (``amazon.titan-embed-text-v2:0``, ``meta.llama3-3-70b-instruct-v1:0``...), or
* a **cross-region inference profile** id: a geography prefix (``us.``, ``eu.``, ``apac.``,
  ``jp.``, ``au.`` or ``global.``) followed by a foundation model id
  (``us.anthropic.claude-sonnet-4-5-20250929-v1:0``). Bedrock routes each call to one of the
  geography's destination regions (``global.``: any commercial region).

Every id is checked against :data:`KNOWN_MODELS`, a table of real model ids with their
provider, modality and the profile geographies AWS offers them in; an id the table does not
have yet goes in ``additional_models`` (see :class:`ModelSpec`).

Region portability: ``geo.<model id>`` stands for the inference profile of the stack region's
own geography and is resolved at synth (``geo.amazon.nova-lite-v1:0`` is
``us.amazon.nova-lite-v1:0`` in us-east-1 and ``eu.amazon.nova-lite-v1:0`` in eu-central-1).
An id the stack's region cannot invoke (a profile of another geography, a foundation model
Bedrock does not offer in-region there per :data:`genai_platform.regions.FOUNDATION_MODEL_REGIONS`)
is refused, naming the ids that would work.

What IAM needs for each approved id (:meth:`ModelCatalog.model_arns`):

* foundation model: ``arn:<partition>:bedrock:<region>::foundation-model/<id>`` (no account);
* geographic profile: the profile, ``arn:<partition>:bedrock:<region>:<account>:
  inference-profile/<profile id>``, and the foundation model in **every destination region**
  of the geography (:data:`PROFILE_REGIONS`);
* ``global.`` profile: the profile, the foundation model in the source region and the
  region-less ``arn:<partition>:bedrock:::foundation-model/<id>`` that AWS documents for global
  cross-region inference.

:meth:`ModelCatalog.grant_invoke` writes that IAM so a principal can only run the approved
text models **with the platform's guardrail**:

* Allow ``bedrock:InvokeModel`` and ``bedrock:InvokeModelWithResponseStream`` on exactly those
  ARNs, only when ``bedrock:GuardrailIdentifier`` names a version of the platform's guardrail
  (``StringLike <guardrail ARN>:*``; the destination foundation models of a profile
  additionally only through that profile: ``bedrock:InferenceProfileArn``). Converse and
  ConverseStream have no IAM actions of their own: they are authorized as
  ``bedrock:InvokeModel`` and ``bedrock:InvokeModelWithResponseStream``, and carry the same
  condition key.
* An explicit Deny of both actions on every other resource when the request names no guardrail
  (``Null``), another guardrail (``StringNotLike <guardrail ARN>:*``) or the guardrail's
  ``DRAFT`` (``StringEqualsIgnoreCase <guardrail ARN>:DRAFT``), whatever else the principal is
  allowed.
* ``guardrail.grant_apply(grantee)``.

Why any numbered version of the one guardrail, not only the current one: editing the guardrail
publishes a new version, and CloudFormation then updates the policy holding the allowed version
and the function configured with it as two resources, in no guaranteed order. With the policy
pinned to one version, calls made between the two updates would be denied; admitting every
published version of this guardrail makes a guardrail edit cause no denied call, while a request
without a guardrail, with another guardrail or with the editable DRAFT stays denied. (Versions
are immutable snapshots of the same guardrail, and ``GuardrailEnforcement`` enforces the current
one at account level regardless.)

The value Bedrock compares ``bedrock:GuardrailIdentifier`` with is the guardrail ARN followed by
``:`` and the numeric version, ``arn:aws:bedrock:us-east-1:111122223333:guardrail/abc123:1``
(AWS user guide, "Enforce the use of specific guardrails in model inference requests"); it is
what :attr:`IGuardrail.guardrail_version_arn` must return (CloudFormation's
``AWS::Bedrock::GuardrailVersion`` gives ``GuardrailArn`` and ``Version``; join them with ``:``).
Callers must send the guardrail ARN and version with every request.

Embedding models cannot take a guardrail (Bedrock refuses one for them), so they are granted
separately, without the condition, by :meth:`ModelCatalog.grant_embed`, and the Deny above
leaves exactly the approved embedding models out.

The statements go in one customer-managed policy per principal (not an inline policy), which
keeps the NIST 800-53 and HIPAA ``IAMNoInlinePolicy`` rules satisfied.

Example::

    catalog = ModelCatalog(
        stack,
        "Models",
        models=["us.anthropic.claude-sonnet-4-5-20250929-v1:0", "amazon.titan-embed-text-v2:0"],
        aliases={"chat": "us.anthropic.claude-sonnet-4-5-20250929-v1:0"},
        default_alias="chat",
    )
    catalog.grant_invoke(invoke_function, guardrail)
    model_id = catalog.resolve("chat")

The package holds one module per concern: :mod:`.models` (the model table, geographies and
parsed ids), :mod:`.arns` (the ARNs IAM checks for an approved id), :mod:`.policy` (the IAM
statements and actions), :mod:`.principals` (which identity a grant goes to), :mod:`.validation`
(checking approved ids and aliases), :mod:`.region_checks` (``geo.`` ids and what a region can
invoke), :mod:`.catalog` (:class:`ModelCatalog`: attributes, lookups, grants) and
:mod:`.metrics` (its ``metric_*`` methods).
"""

from __future__ import annotations

from genai_platform.constructs.model_catalog.arns import (
    foundation_model_arn,
    inference_profile_arn,
)
from genai_platform.constructs.model_catalog.catalog import GuardrailReference, ModelCatalog
from genai_platform.constructs.model_catalog.models import GEOGRAPHIES as GEOGRAPHIES
from genai_platform.constructs.model_catalog.models import (
    KNOWN_MODELS,
    PROFILE_REGIONS,
    REGION_INDEPENDENT_PREFIX,
    ApprovedModel,
    Geography,
    Modality,
    ModelSpec,
    parse_model_id,
)
from genai_platform.constructs.model_catalog.policy import (
    EMBED_ACTIONS,
    GUARDRAIL_CONDITION_KEY,
    INFERENCE_PROFILE_CONDITION_KEY,
    INVOKE_ACTIONS,
    MAX_MANAGED_POLICY_CHARACTERS,
)
from genai_platform.constructs.model_catalog.region_checks import (
    PROFILE_REGION_WARNING_ID,
    region_problems,
    resolve_region_independent,
    warn_profile_outside_geography,
)
from genai_platform.constructs.model_catalog.validation import approve_models

__all__ = [
    "EMBED_ACTIONS",
    "GUARDRAIL_CONDITION_KEY",
    "INFERENCE_PROFILE_CONDITION_KEY",
    "INVOKE_ACTIONS",
    "KNOWN_MODELS",
    "MAX_MANAGED_POLICY_CHARACTERS",
    "PROFILE_REGIONS",
    "PROFILE_REGION_WARNING_ID",
    "REGION_INDEPENDENT_PREFIX",
    "ApprovedModel",
    "Geography",
    "GuardrailReference",
    "Modality",
    "ModelCatalog",
    "ModelSpec",
    "approve_models",
    "foundation_model_arn",
    "inference_profile_arn",
    "parse_model_id",
    "region_problems",
    "resolve_region_independent",
    "warn_profile_outside_geography",
]
