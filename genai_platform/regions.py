"""What each AWS region offers the platform: offline availability tables and the checks on them.

Nothing here calls AWS or imports CDK, so config validation and constructs can both use it. Each
table names its source; where AWS documents no per-region list, the table is the region's
CloudFormation resource-type registry (what CloudFormation accepts there), as captured in the
per-region provider schemas that cfn-lint ships (cfn-lint 1.58). A test compares every table
with that snapshot, so an upgrade that adds a region shows up as a test failure to update here.

Checks return problems, one line each, naming the prop (or config key), the region and what
would work; callers collect them with their other problems and raise once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "APPLICATION_INFERENCE_PROFILES",
    "BUDGETS",
    "COST_ANOMALY_DETECTION",
    "FOUNDATION_MODEL_REGIONS",
    "GUARDRAILS",
    "GUARDRAIL_ENFORCEMENT",
    "INFERENCE_COMPONENTS",
    "KNOWLEDGE_BASES",
    "REGIONAL_FEATURES",
    "S3_VECTORS",
    "SCALE_TO_ZERO",
    "ZONE_LETTERS",
    "RegionalFeature",
    "availability_zones",
    "feature_problem",
    "zone_problems",
]


def _regions(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class RegionalFeature:
    """A capability the platform uses that only some regions offer.

    Attributes:
        name: What it is, as a sentence fragment ("SageMaker inference components").
        resource_type: The CloudFormation resource type that needs it, if one does.
        regions: The commercial regions that offer it.
        source: Where the list comes from.
    """

    name: str
    resource_type: str | None
    regions: frozenset[str]
    source: str

    def offered_in(self, region: str) -> bool:
        """True when ``region`` offers the feature."""
        return region in self.regions


_CFN_REGISTRY = (
    "the CloudFormation resource-type registry of each region (per-region provider schemas "
    "shipped with cfn-lint 1.58)"
)

#: SageMaker inference components (``AWS::SageMaker::InferenceComponent``). AWS's SageMaker
#: documentation ("Deploy models for real-time inference", "SageMaker AI endpoints and quotas")
#: lists no per-region availability for inference components; this is the CloudFormation
#: registry of each region. Regions outside it (us-west-1, eu-west-3, eu-south-1/2,
#: eu-central-2, ap-northeast-3, ca-west-1, ...) have SageMaker endpoints but no components.
INFERENCE_COMPONENTS = RegionalFeature(
    name="SageMaker inference components",
    resource_type="AWS::SageMaker::InferenceComponent",
    regions=_regions(
        "us-east-1 us-east-2 us-west-2 ca-central-1 sa-east-1 eu-central-1 eu-north-1 "
        "eu-west-1 eu-west-2 me-central-1 ap-northeast-1 ap-northeast-2 ap-south-1 "
        "ap-southeast-1 ap-southeast-2 ap-southeast-3"
    ),
    source=_CFN_REGISTRY,
)

#: Managed instance scaling to zero (``ManagedInstanceScaling.MinInstanceCount = 0``). AWS's
#: "Scale an endpoint to zero instances" (SageMaker developer guide) requires that the endpoint
#: hosts inference components and names no other regional or instance-family restriction, so
#: it is offered exactly where inference components are. Not verified beyond that page: AWS
#: publishes no separate region or instance-family list for it.
SCALE_TO_ZERO = RegionalFeature(
    name="SageMaker managed instance scaling to zero (MinInstanceCount 0)",
    resource_type=None,
    regions=INFERENCE_COMPONENTS.regions,
    source=(
        "SageMaker developer guide, 'Scale an endpoint to zero instances' (requires inference "
        "components), so the inference-component regions"
    ),
)

#: Amazon S3 Vectors buckets and indexes (``AWS::S3Vectors::VectorBucket``/``Index``), the
#: knowledge base's vector store. The S3 user guide's S3 Vectors pages found no region table
#: we could read offline; this is the CloudFormation registry of each region.
S3_VECTORS = RegionalFeature(
    name="Amazon S3 Vectors",
    resource_type="AWS::S3Vectors::VectorBucket",
    regions=_regions(
        "us-east-1 us-east-2 us-west-1 us-west-2 ca-central-1 ca-west-1 mx-central-1 sa-east-1 "
        "eu-central-1 eu-central-2 eu-north-1 eu-south-1 eu-south-2 eu-west-1 eu-west-2 "
        "eu-west-3 af-south-1 ap-east-1 ap-east-2 ap-northeast-1 ap-northeast-2 "
        "ap-northeast-3 ap-south-1 ap-south-2 ap-southeast-1 ap-southeast-2 ap-southeast-3 "
        "ap-southeast-4 ap-southeast-5 ap-southeast-6 ap-southeast-7"
    ),
    source=_CFN_REGISTRY,
)

#: Bedrock application inference profiles (``AWS::Bedrock::ApplicationInferenceProfile``), the
#: per-tenant cost split. The Bedrock user guide ("Supported Regions and models for inference
#: profiles", section on application inference profiles) refers to each model's page; this is
#: the CloudFormation registry of each region.
APPLICATION_INFERENCE_PROFILES = RegionalFeature(
    name="Bedrock application inference profiles",
    resource_type="AWS::Bedrock::ApplicationInferenceProfile",
    regions=_regions(
        "us-east-1 us-east-2 us-west-2 ca-central-1 sa-east-1 eu-central-1 eu-central-2 "
        "eu-south-1 eu-west-1 eu-west-2 eu-west-3 me-central-1 ap-northeast-1 ap-northeast-2 "
        "ap-northeast-3 ap-south-1 ap-southeast-1 ap-southeast-2 ap-southeast-3"
    ),
    source=_CFN_REGISTRY,
)

#: Bedrock guardrails (``AWS::Bedrock::Guardrail`` and ``GuardrailVersion``): the CloudFormation
#: registry of each region.
GUARDRAILS = RegionalFeature(
    name="Bedrock guardrails",
    resource_type="AWS::Bedrock::Guardrail",
    regions=_regions(
        "us-east-1 us-east-2 us-west-1 us-west-2 ca-central-1 sa-east-1 eu-central-1 "
        "eu-central-2 eu-north-1 eu-south-1 eu-south-2 eu-west-1 eu-west-2 eu-west-3 "
        "il-central-1 me-central-1 ap-east-2 ap-northeast-1 ap-northeast-2 ap-northeast-3 "
        "ap-south-1 ap-south-2 ap-southeast-1 ap-southeast-2 ap-southeast-3 ap-southeast-4 "
        "ap-southeast-5 ap-southeast-7"
    ),
    source=_CFN_REGISTRY,
)

#: Account-level guardrail enforcement (``AWS::Bedrock::EnforcedGuardrailConfiguration``): the
#: CloudFormation registry of each region (the guardrail regions but me-central-1).
GUARDRAIL_ENFORCEMENT = RegionalFeature(
    name="Bedrock account-level guardrail enforcement",
    resource_type="AWS::Bedrock::EnforcedGuardrailConfiguration",
    regions=GUARDRAILS.regions - {"me-central-1"},
    source=_CFN_REGISTRY,
)

#: Bedrock knowledge bases (``AWS::Bedrock::KnowledgeBase``): the CloudFormation registry of
#: each region.
KNOWLEDGE_BASES = RegionalFeature(
    name="Bedrock knowledge bases",
    resource_type="AWS::Bedrock::KnowledgeBase",
    regions=_regions(
        "us-east-1 us-east-2 us-west-2 ca-central-1 sa-east-1 eu-central-1 eu-central-2 "
        "eu-north-1 eu-south-1 eu-south-2 eu-west-1 eu-west-2 eu-west-3 ap-northeast-1 "
        "ap-northeast-2 ap-northeast-3 ap-south-1 ap-south-2 ap-southeast-1 ap-southeast-2"
    ),
    source=_CFN_REGISTRY,
)

#: AWS Budgets budgets (``AWS::Budgets::Budget``), one per account stack. Budgets is a global
#: service, but CloudFormation registers the resource type in these regions only (the
#: CloudFormation registry of each region); a stack elsewhere cannot create its budget.
BUDGETS = RegionalFeature(
    name="AWS Budgets in CloudFormation",
    resource_type="AWS::Budgets::Budget",
    regions=_regions(
        "us-east-1 us-east-2 us-west-1 us-west-2 ca-central-1 sa-east-1 eu-central-1 "
        "eu-west-1 eu-west-2 eu-west-3 ap-northeast-1 ap-northeast-2 ap-south-1 "
        "ap-southeast-1 ap-southeast-2"
    ),
    source=_CFN_REGISTRY,
)

#: Cost Anomaly Detection monitors and subscriptions (``AWS::CE::AnomalyMonitor``,
#: ``AnomalySubscription``): the CloudFormation registry of each region.
COST_ANOMALY_DETECTION = RegionalFeature(
    name="Cost Anomaly Detection in CloudFormation",
    resource_type="AWS::CE::AnomalyMonitor",
    regions=_regions(
        "us-east-1 us-east-2 us-west-1 us-west-2 ca-central-1 ca-west-1 sa-east-1 "
        "eu-central-1 eu-central-2 eu-north-1 eu-south-1 eu-south-2 eu-west-1 eu-west-2 "
        "eu-west-3 af-south-1 il-central-1 me-central-1 ap-east-1 ap-northeast-1 "
        "ap-northeast-2 ap-northeast-3 ap-south-1 ap-south-2 ap-southeast-1 ap-southeast-2 "
        "ap-southeast-3 ap-southeast-4"
    ),
    source=_CFN_REGISTRY,
)

#: Every feature above, by a short key.
REGIONAL_FEATURES: Mapping[str, RegionalFeature] = MappingProxyType(
    {
        "inference_components": INFERENCE_COMPONENTS,
        "scale_to_zero": SCALE_TO_ZERO,
        "s3_vectors": S3_VECTORS,
        "application_inference_profiles": APPLICATION_INFERENCE_PROFILES,
        "guardrails": GUARDRAILS,
        "guardrail_enforcement": GUARDRAIL_ENFORCEMENT,
        "knowledge_bases": KNOWLEDGE_BASES,
        "budgets": BUDGETS,
        "cost_anomaly_detection": COST_ANOMALY_DETECTION,
    }
)


def feature_problem(
    feature: RegionalFeature, region: str, *, prop: str, hint: str = ""
) -> str | None:
    """Why ``region`` cannot have ``feature`` (one line naming ``prop``), or None when it can.

    ``hint`` is appended: what else would work (another mode, another region).
    """
    if feature.offered_in(region):
        return None
    what = f" ({feature.resource_type})" if feature.resource_type else ""
    return (
        f"{prop}: region {region!r} has no {feature.name}{what}; regions that have it: "
        f"{', '.join(sorted(feature.regions))}" + (f"; {hint}" if hint else "")
    )


# ---------------------------------------------------------------------- Bedrock models


#: Regions where a foundation model is invoked in-region (its id without a profile prefix):
#: the "Supported foundation models in Amazon Bedrock" table of the Bedrock user guide, where
#: regions marked with an asterisk serve the model through cross-region inference only (they
#: are left out here). Only models whose row we could read in full are listed; a model missing
#: from this table is not region-checked. Not included, because the rows we could read
#: disagree or were cut off: Nova Micro and Nova Pro (the model-copy and batch-inference pages
#: give other lists than the foundation-model page), Titan Text Embeddings V2 (row cut off).
FOUNDATION_MODEL_REGIONS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "amazon.nova-lite-v1:0": _regions(
            "us-east-1 us-gov-west-1 ap-northeast-1 ap-southeast-2 eu-north-1 eu-west-2"
        ),
    }
)


# ---------------------------------------------------------------------- availability zones


#: Zone letters of each region. Source: "AWS Availability Zones" (AWS Regions and Availability
#: Zones guide), which lists each region's zones by AZ id; the letters are the zone names
#: accounts see (``<region><letter>``). Where AWS maps names per account (us-east-1, us-west-1,
#: ap-northeast-1, ...), every letter some account may see is listed: us-west-1 offers two
#: zones per account among a, b and c. Regions not listed are checked by the name pattern only.
ZONE_LETTERS: Mapping[str, str] = MappingProxyType(
    {
        "us-east-1": "abcdef",
        "us-east-2": "abc",
        "us-west-1": "abc",
        "us-west-2": "abcd",
        "ca-central-1": "abd",
        "ca-west-1": "abc",
        "mx-central-1": "abc",
        "sa-east-1": "abc",
        "eu-central-1": "abc",
        "eu-central-2": "abc",
        "eu-north-1": "abc",
        "eu-south-1": "abc",
        "eu-south-2": "abc",
        "eu-west-1": "abc",
        "eu-west-2": "abc",
        "eu-west-3": "abc",
        "af-south-1": "abc",
        "il-central-1": "abc",
        "me-central-1": "abc",
        "me-south-1": "abc",
        "ap-east-1": "abc",
        "ap-east-2": "abc",
        "ap-northeast-1": "abcd",
        "ap-northeast-2": "abcd",
        "ap-northeast-3": "abc",
        "ap-south-1": "abc",
        "ap-south-2": "abc",
        "ap-southeast-1": "abc",
        "ap-southeast-2": "abc",
        "ap-southeast-3": "abc",
        "ap-southeast-4": "abc",
        "ap-southeast-5": "abc",
        "ap-southeast-6": "abc",
        "ap-southeast-7": "abc",
        "us-gov-east-1": "abc",
        "us-gov-west-1": "abc",
        "cn-north-1": "abc",
        "cn-northwest-1": "abc",
    }
)


def availability_zones(region: str) -> tuple[str, ...] | None:
    """The zone names of ``region`` (``us-east-1a``...), or None when the table lacks it."""
    letters = ZONE_LETTERS.get(region)
    return None if letters is None else tuple(f"{region}{letter}" for letter in letters)


def zone_problems(region: str, zones: Sequence[str] | Iterable[str]) -> list[str]:
    """Zones that are not zones of ``region``, as one problem naming them and the real ones."""
    known = availability_zones(region)
    if known is None:
        foreign = [z for z in zones if not (z.startswith(region) and len(z) == len(region) + 1)]
        allowed = f"zones are named {region}a, {region}b, ..."
    else:
        foreign = [z for z in zones if z not in known]
        allowed = f"the zones of {region} are {', '.join(known)}"
    if not foreign:
        return []
    return [f"{foreign!r} not in region {region!r}; {allowed}"]
