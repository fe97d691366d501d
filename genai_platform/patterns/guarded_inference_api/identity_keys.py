"""The identity providers' signing keys, for functions without internet, and python-jose.

**Key sets.** The invoke function verifies end-user tokens against the issuer's JSON Web Key
Set, but it runs in isolated subnets with no route to the internet. :class:`IssuerKeySets`
therefore keeps one SSM parameter per tenant with an identity provider
(``/<prefix>/gateway/jwks/<tenant>``, advanced tier: key sets of several RSA keys exceed the
standard tier's 4 KB; advanced parameters hold 8 KB -- AWS Systems Manager User Guide,
"Managing parameter tiers"; the standard limit is also what ``PutParameter`` answers with
"Standard tier parameters support a maximum parameter value of 4096 characters"), and a small
copier function **outside the VPC** that an EventBridge schedule runs every
:data:`JWKS_COPY_MINUTES` minutes: it fetches each key set over HTTPS, keeps only public signing
keys and writes the parameter when it changed (``lambda/jwks_copier``). The invoke function
reads the parameter through the network's SSM endpoint and caches it for five minutes, reading
again early when a token names an unknown key, so a rotated key is used within one copier run.
Until the first run after deployment the parameter holds an empty key set, and every user token
of that tenant is refused (401), never accepted unverified. Advanced parameters are priced
(USD 0.05 a month each, AWS Systems Manager pricing).

**python-jose in Lambda.** Verification uses python-jose with its pure-Python ``rsa`` and
``ecdsa`` backends. :func:`jose_layer` builds a layer at synth by copying ``jose``, ``rsa``,
``ecdsa``, ``pyasn1`` and ``six`` (with their licence metadata) from the installed environment:
no Docker, no network, no compiled code (so one layer serves arm64 and x86_64).
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import json
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from genai_platform.compliance import acknowledge
from genai_platform.patterns.guarded_inference_api._names import _pascal
from genai_platform.patterns.guarded_inference_api.functions import (
    _FunctionRole,
    encrypted_log_group,
)
from genai_platform.patterns.guarded_inference_api.props import (
    _ASSET_EXCLUDES,
    _LAMBDA_ROOT,
    RUNTIME,
)
from genai_platform.patterns.guarded_inference_api.retrieval import (
    IdentityProvider,
    jwks_parameter_name,
)

__all__ = ["JOSE_DISTRIBUTIONS", "JWKS_COPY_MINUTES", "IssuerKeySets", "jose_layer"]

#: How often the copier refreshes every key set.
JWKS_COPY_MINUTES = 15
#: Distributions copied into the python-jose layer: (distribution, top-level modules).
JOSE_DISTRIBUTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("python-jose", ("jose",)),
    ("rsa", ("rsa",)),
    ("ecdsa", ("ecdsa",)),
    ("pyasn1", ("pyasn1",)),
    ("six", ("six",)),
)
_EMPTY_KEY_SET = json.dumps({"keys": []})


class IssuerKeySets(Construct):
    """One key-set parameter per tenant identity provider and the scheduled copier that fills
    them (see the module documentation).

    Not exported from ``genai_platform``: :class:`GuardedInferenceApi` builds it (its
    ``issuer_key_sets``)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        identities: Mapping[str, IdentityProvider],
        name_prefix: str,
        key: kms.IKey,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, id)
        self._parameters: dict[str, ssm.StringParameter] = {}
        sources = []
        for tenant_id, identity in identities.items():
            name = jwks_parameter_name(name_prefix, tenant_id)
            self._parameters[tenant_id] = ssm.StringParameter(
                self,
                f"KeySet{_pascal(tenant_id)}",
                parameter_name=name,
                string_value=_EMPTY_KEY_SET,
                tier=ssm.ParameterTier.ADVANCED,
                description=(
                    f"Signing keys of tenant {tenant_id}'s identity provider, copied from "
                    f"{identity.jwks_url[:200]} every {JWKS_COPY_MINUTES} minutes"
                ),
            )
            sources.append({"url": identity.jwks_url, "parameter": name})
        description = "Copies identity providers' signing keys into SSM for the gateway"
        self._role = _FunctionRole(self, "CopierRole", description=f"Execution role: {description}")
        log_group = encrypted_log_group(self, "CopierLogGroup", key=key, retention=log_retention)
        self._function = lambda_.Function(
            self,
            "CopierFunction",
            description=description,
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler="jwks_copier_app.lambda_handler",
            code=lambda_.Code.from_asset(
                str(_LAMBDA_ROOT / "jwks_copier"), exclude=_ASSET_EXCLUDES
            ),
            role=self._role,
            timeout=cdk.Duration.seconds(60),
            memory_size=128,
            log_group=log_group,
            environment={"JWKS_SOURCES": json.dumps(sources, separators=(",", ":"))},
        )
        log_group.grant_write(self._role)
        self._function.node.add_dependency(self._role.managed_policy)
        iam.Grant.add_to_principal(
            grantee=self._role,
            actions=["ssm:GetParameter", "ssm:PutParameter"],
            resource_arns=[p.parameter_arn for p in self._parameters.values()],
        )
        self._schedule = events.Rule(
            self,
            "Schedule",
            description=f"Copy the identity providers' key sets every {JWKS_COPY_MINUTES} minutes",
            schedule=events.Schedule.rate(cdk.Duration.minutes(JWKS_COPY_MINUTES)),
            targets=[targets.LambdaFunction(self._function, retry_attempts=2)],
        )
        self._acknowledge()

    def _acknowledge(self) -> None:
        resource = self._function.node.default_child or self._function
        for pack in ("NIST.800.53.R5", "HIPAA.Security"):
            acknowledge(
                resource,
                f"{pack}-LambdaInsideVPC",
                "The copier must reach the identity providers' public HTTPS key-set URLs, and "
                "the private network's isolated subnets have no route to the internet; it "
                "holds no data, reads only public keys and writes only its own parameters",
            )
            acknowledge(
                resource,
                f"{pack}-LambdaDLQ",
                "A failed run only leaves the last copied key set in place and is retried by "
                "the next scheduled run; failures show in the function's Errors metric, and "
                "there is no event payload a dead-letter queue would preserve",
            )
            acknowledge(
                resource,
                f"{pack}-LambdaConcurrency",
                "One scheduled run every few minutes; reserving concurrency would take capacity "
                "from the account's unreserved pool for no benefit",
            )

    @property
    def function(self) -> lambda_.IFunction:
        """The copier function (outside the VPC)."""
        return self._function

    @property
    def schedule(self) -> events.IRule:
        """The EventBridge rule that runs the copier."""
        return self._schedule

    @property
    def parameters(self) -> Mapping[str, ssm.IStringParameter]:
        """The key-set parameter of each tenant with an identity provider."""
        return dict(self._parameters)

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """``ssm:GetParameter`` on the key-set parameters."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["ssm:GetParameter"],
            resource_arns=[p.parameter_arn for p in self._parameters.values()],
        )


@functools.cache
def _jose_layer_dir() -> str:
    """A folder ``python/`` with the layer's packages, copied once per process."""
    root = Path(tempfile.mkdtemp(prefix="genai-jose-layer-"))
    target = root / "python"
    target.mkdir()
    for distribution, modules in JOSE_DISTRIBUTIONS:
        for module in modules:
            spec = importlib.util.find_spec(module)
            if spec is None or spec.origin is None:
                raise ValueError(
                    f"{distribution} is not installed; it is a dependency of genai-platform "
                    "(pip install genai-platform installs it)"
                )
            if spec.submodule_search_locations:
                source = Path(next(iter(spec.submodule_search_locations)))
                shutil.copytree(
                    source,
                    target / module,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
                )
            else:
                shutil.copy2(spec.origin, target / Path(spec.origin).name)
        dist = importlib.metadata.distribution(distribution)
        info = next(
            (f for f in dist.files or [] if f.parent.name.endswith((".dist-info", ".egg-info"))),
            None,
        )
        if info is not None:
            info_dir = Path(str(info.locate())).parent
            shutil.copytree(
                info_dir,
                target / info_dir.name,
                ignore=shutil.ignore_patterns("RECORD", "INSTALLER", "REQUESTED", "direct_url*"),
            )
    return str(root)


def jose_layer(scope: Construct, id: str) -> lambda_.LayerVersion:
    """A layer with python-jose and its pure-Python backends (see the module documentation)."""
    return lambda_.LayerVersion(
        scope,
        id,
        code=lambda_.Code.from_asset(_jose_layer_dir()),
        compatible_runtimes=[RUNTIME],
        compatible_architectures=[lambda_.Architecture.ARM_64],
        description="python-jose with its pure-Python rsa/ecdsa backends (end-user tokens)",
    )
