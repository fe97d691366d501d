"""Guardrails referenced by ARN (:meth:`Guardrail.from_guardrail_attributes`) and the checks
of their attributes."""

from __future__ import annotations

import re
from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from genai_platform.constructs.grants import managed_policy_grantee
from genai_platform.constructs.guardrail.metrics import _GuardrailMetrics
from genai_platform.constructs.guardrail.props import _PROFILE_ARN, _REGION
from genai_platform.constructs.guardrail.validation import _is_token


class _ImportedGuardrail(Construct, _GuardrailMetrics):
    """A guardrail referenced by its attributes (:meth:`Guardrail.from_guardrail_attributes`)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        guardrail_arn: str,
        version: str,
        encryption_key: kms.IKey | None,
        profile_arns: tuple[str, ...],
    ) -> None:
        super().__init__(scope, id)
        self._arn = guardrail_arn
        self._version = version
        self._key = encryption_key
        self._profile_arns = profile_arns
        parts = cdk.Arn.split(guardrail_arn, cdk.ArnFormat.SLASH_RESOURCE_NAME)
        self._id = parts.resource_name or ""
        self._account = parts.account or ""
        self._region = parts.region or ""

    @property
    def account(self) -> str:
        """The account of the guardrail's ARN."""
        return self._account

    @property
    def region(self) -> str:
        """The Region of the guardrail's ARN."""
        return self._region

    @property
    def guardrail_arn(self) -> str:
        """The ARN given."""
        return self._arn

    @property
    def guardrail_id(self) -> str:
        """The id, the last part of the ARN."""
        return self._id

    @property
    def guardrail_version(self) -> str:
        """The version given."""
        return self._version

    @property
    def guardrail_version_arn(self) -> str:
        """``<guardrail_arn>:<version>``."""
        return f"{self._arn}:{self._version}"

    @property
    def kms_key(self) -> kms.IKey | None:
        """The key given; None when none was."""
        return self._key

    def grant_apply(self, grantee: iam.IGrantable) -> iam.Grant:
        """``bedrock:ApplyGuardrail`` on the guardrail ARN and the profile ARNs given, and
        ``kms:Decrypt`` on the key given."""
        account = self._account
        here = cdk.Stack.of(self).account
        if not (
            cdk.Token.is_unresolved(account) or cdk.Token.is_unresolved(here) or account == here
        ):
            cdk.Annotations.of(self).add_info(
                f"The guardrail belongs to account {account}: its owner must attach a "
                "resource-based policy that lets the grantee call bedrock:ApplyGuardrail on it "
                "(and on its guardrail profiles), or every call that names it is denied"
            )
        grantee = managed_policy_grantee(self, grantee, description="Apply the guardrail")
        grant = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["bedrock:ApplyGuardrail"],
            resource_arns=[self._arn, *self._profile_arns],
        )
        if self._key is not None:
            self._key.grant_decrypt(grantee)
        return grant


_GUARDRAIL_ARN = re.compile(
    r"arn:aws[a-z-]*:bedrock:[a-z]{2}(?:-[a-z]+)+-\d{1,2}:\d{12}:guardrail/[a-z0-9]+"
)
_VERSION = re.compile(r"[1-9][0-9]{0,7}")


def _validate_import(
    guardrail_arn: object, version: object, key: object, profile_arns: object
) -> list[str]:
    """Every problem with the attributes of an imported guardrail."""
    problems = []
    if not _is_token(guardrail_arn) and not (
        isinstance(guardrail_arn, str) and _GUARDRAIL_ARN.fullmatch(guardrail_arn)
    ):
        problems.append(
            f"guardrail_arn: {guardrail_arn!r} is not a guardrail ARN; give "
            "arn:<partition>:bedrock:<region>:<12-digit account>:guardrail/<id> (lowercase id, "
            "no version: pass the version as version)"
        )
    if isinstance(version, bool) or not (
        (isinstance(version, int) and 1 <= version <= 99_999_999)
        or _is_token(version)
        or (isinstance(version, str) and _VERSION.fullmatch(version))
    ):
        problems.append(
            f"version: {version!r} is not a published guardrail version; give a number from 1 "
            "to 99999999 (DRAFT cannot be made mandatory by IAM)"
        )
    if key is not None and not hasattr(key, "grant_decrypt"):
        problems.append(f"encryption_key: {key!r} is not a KMS key (kms.IKey)")
    if isinstance(profile_arns, str) or not isinstance(profile_arns, Sequence):
        problems.append(
            f"cross_region_profile_arns: {profile_arns!r} is not a list; give a list of "
            "guardrail profile ARNs"
        )
    else:
        for arn in profile_arns:
            match = _PROFILE_ARN.fullmatch(arn) if isinstance(arn, str) else None
            if not _is_token(arn) and not (match and _REGION.fullmatch(match.group("region"))):
                problems.append(
                    f"cross_region_profile_arns: {arn!r} is not a guardrail profile ARN; give "
                    "arn:<partition>:bedrock:<region>:<12-digit account>:guardrail-profile/<id>"
                )
    return problems
