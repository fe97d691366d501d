"""The synthesized platform as a Mermaid diagram: accounts, stacks, main resources, flows.

:func:`diagram_from_assembly` reads a cloud assembly (``cdk.out``: its ``manifest.json`` and
the stack templates), never a hard-coded picture, so the diagram shows what would be deployed:

- one subgraph per **account** (from each stack's environment), holding its **stacks**;
- in each stack its **main resources** (:data:`MAIN_TYPES`: APIs, functions, guardrail,
  endpoints, tables, buckets, topics, budgets, knowledge bases, event buses and rules, the
  dashboard...; CDK's own helper functions are left out);
- **flows**, each read from the templates:

  - *cross-account*: an IAM policy in one stack allowing actions on an ARN in another
    stack's account (``execute-api:Invoke`` of a caller role into the API; ``bedrock:Retrieve``
    on a knowledge base in the data account...), drawn from the role to the matching resource
    of the other stack; an EventBridge rule targeting another account's event bus; a
    resource policy (bucket, event bus) naming another account;
  - *within a stack*: a budget notifying a topic, a topic invoking a function (budget alerts
    into the cost guard), API Gateway invoking a function, a rule targeting a function.

Flows appear as soon as the templates carry them (retrieval from the data account once the
knowledge base exists). The output is stable (sorted) so the README's copy can be compared.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "MAIN_TYPES",
    "README_END",
    "README_START",
    "diagram_from_assembly",
    "readme_with_diagram",
]

#: Resource types drawn as nodes, with the kind shown under their name.
MAIN_TYPES = {
    "AWS::ApiGateway::RestApi": "REST API",
    "AWS::Lambda::Function": "Lambda function",
    "AWS::Bedrock::Guardrail": "Bedrock guardrail",
    "AWS::Bedrock::KnowledgeBase": "Bedrock knowledge base",
    "AWS::SageMaker::Endpoint": "SageMaker endpoint",
    "AWS::DynamoDB::Table": "DynamoDB table",
    "AWS::S3::Bucket": "S3 bucket",
    "AWS::SNS::Topic": "SNS topic",
    "AWS::Budgets::Budget": "budget",
    "AWS::Events::EventBus": "event bus",
    "AWS::Events::Rule": "EventBridge rule",
    "AWS::WAFv2::WebACL": "web ACL",
    "AWS::CloudWatch::Dashboard": "dashboard",
    "AWS::EC2::VPC": "VPC",
}
#: Which resource type a cross-account ARN's service points at.
_SERVICE_TARGETS = {
    "execute-api": "AWS::ApiGateway::RestApi",
    "bedrock": "AWS::Bedrock::KnowledgeBase",
    "s3": "AWS::S3::Bucket",
    "events": "AWS::Events::EventBus",
    "sns": "AWS::SNS::Topic",
    "lambda": "AWS::Lambda::Function",
    "dynamodb": "AWS::DynamoDB::Table",
}
#: CDK's helper functions (custom resource providers), not part of the platform's picture.
_HELPER_FUNCTION = re.compile(
    r"CustomResourceProvider|^AWS[0-9a-f]{32}|LogRetention|BucketNotificationsHandler|"
    r"CustomS3AutoDelete|Provider(framework|Handler)"
)
_HASH_SUFFIX = re.compile(r"[0-9A-F]{8}$")
_ARN = re.compile(r"arn:[^:]*:([a-z0-9-]+):[a-z0-9-]*:(\d{12}):")
_ACCOUNT_PRINCIPAL = re.compile(r"(?:arn:[^:]*:iam::|^)(\d{12})(?::root)?$")

README_START = "<!-- diagram:start (genai-platform diagram --readme README.md) -->"
README_END = "<!-- diagram:end -->"


@dataclass
class _Stack:
    name: str
    account: str
    resources: dict[str, dict[str, Any]]
    nodes: dict[str, str] = field(default_factory=dict)  # logical id -> label

    def node_id(self, logical_id: str) -> str:
        return _safe(f"{self.name}_{logical_id}")

    def first_of(self, kind: str) -> str | None:
        ids = sorted(i for i, r in self.resources.items() if r.get("Type") == kind)
        return ids[0] if ids else None


@dataclass(frozen=True, order=True)
class _Flow:
    source: str
    target: str
    label: str
    cross_account: bool


def diagram_from_assembly(assembly_dir: Path) -> str:
    """The Mermaid ``flowchart`` of the assembly in ``assembly_dir`` (stable text)."""
    stacks = list(_read_stacks(assembly_dir))
    by_account: dict[str, list[_Stack]] = {}
    for stack in stacks:
        by_account.setdefault(stack.account, []).append(stack)
        for logical_id, resource in stack.resources.items():
            kind = resource.get("Type")
            if kind in MAIN_TYPES and not (
                kind == "AWS::Lambda::Function" and _HELPER_FUNCTION.search(logical_id)
            ):
                stack.nodes[logical_id] = f"{_name(logical_id)}<br/>({MAIN_TYPES[kind]})"
    flows = _merged([*_local_flows(stacks), *_cross_account_flows(stacks)])
    lines = ["flowchart LR"]
    for account in sorted(by_account):
        names = ", ".join(s.name for s in sorted(by_account[account], key=lambda s: s.name))
        lines.append(f'  subgraph acct_{account}["account {account}: {names}"]')
        for stack in sorted(by_account[account], key=lambda s: s.name):
            lines.append(f'    subgraph {_safe(stack.name)}["{stack.name} stack"]')
            for logical_id in sorted(stack.nodes):
                lines.append(f'      {stack.node_id(logical_id)}["{stack.nodes[logical_id]}"]')
            lines.append("    end")
        lines.append("  end")
    for flow in flows:
        arrow = "==>" if flow.cross_account else "-->"
        lines.append(f'  {flow.source} {arrow}|"{flow.label}"| {flow.target}')
    return "\n".join(lines) + "\n"


def _merged(flows: Iterable[_Flow]) -> list[_Flow]:
    """One flow per (source, target): the labels of parallel flows joined."""
    labels: dict[tuple[str, str, bool], set[str]] = {}
    for f in flows:
        labels.setdefault((f.source, f.target, f.cross_account), set()).update(
            part.strip() for part in f.label.split(",")
        )
    return [
        _Flow(source, target, ", ".join(sorted(parts)), cross)
        for (source, target, cross), parts in sorted(labels.items())
    ]


def readme_with_diagram(readme: str, diagram: str) -> str:
    """``readme`` with the text between :data:`README_START` and :data:`README_END` replaced
    by ``diagram`` in a Mermaid block; ValueError when the markers are missing."""
    start, end = readme.find(README_START), readme.find(README_END)
    if start < 0 or end < start:
        raise ValueError(f"the README has no {README_START!r} ... {README_END!r} markers")
    block = f"{README_START}\n```mermaid\n{diagram}```\n"
    return readme[:start] + block + readme[end:]


# --------------------------------------------------------------------------- reading


def _read_stacks(assembly_dir: Path) -> Iterator[_Stack]:
    manifest = json.loads((assembly_dir / "manifest.json").read_text("utf-8"))
    for name, artifact in sorted(manifest.get("artifacts", {}).items()):
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        env = str(artifact.get("environment", ""))
        account = env.removeprefix("aws://").split("/")[0] or "unknown"
        template = json.loads(
            (assembly_dir / artifact["properties"]["templateFile"]).read_text("utf-8")
        )
        yield _Stack(name, account, template.get("Resources", {}))


def _name(logical_id: str) -> str:
    return _HASH_SUFFIX.sub("", logical_id) or logical_id


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def _refs(value: Any) -> Iterator[str]:
    """Logical ids ``value`` refers to (``Ref`` / ``Fn::GetAtt``)."""
    if isinstance(value, dict):
        if "Ref" in value and isinstance(value["Ref"], str):
            yield value["Ref"]
        if "Fn::GetAtt" in value and isinstance(value["Fn::GetAtt"], list):
            yield str(value["Fn::GetAtt"][0])
        for item in value.values():
            yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def _text(value: Any) -> str:
    """The literal text of a template value (``Fn::Join`` parts joined, references as ``*``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "Fn::Join" in value:
            sep, parts = value["Fn::Join"]
            return str(sep).join(_text(p) for p in parts)
        return "*"
    return ""


def _strings(value: Any) -> list[str]:
    return [_text(v) for v in value] if isinstance(value, list) else [_text(value)]


# --------------------------------------------------------------------------- flows


def _local_flows(stacks: Iterable[_Stack]) -> Iterator[_Flow]:
    for stack in stacks:

        def flow(source: str, target: str, label: str, s: _Stack = stack) -> _Flow | None:
            if source in s.nodes and target in s.nodes:
                return _Flow(s.node_id(source), s.node_id(target), label, False)
            return None

        for logical_id, resource in stack.resources.items():
            kind, props = resource.get("Type"), resource.get("Properties", {})
            found: list[_Flow | None] = []
            if kind == "AWS::Budgets::Budget":
                found += [
                    flow(logical_id, ref, "budget alert")
                    for n in props.get("NotificationsWithSubscribers", [])
                    for ref in _refs(n.get("Subscribers", []))
                ]
            elif kind == "AWS::SNS::Subscription" and props.get("Protocol") == "lambda":
                for topic in _refs(props.get("TopicArn")):
                    found += [flow(topic, fn, "notifies") for fn in _refs(props.get("Endpoint"))]
            elif kind == "AWS::Lambda::Permission":
                principal = str(props.get("Principal", ""))
                if principal.startswith("apigateway"):
                    found += [
                        flow(api, fn, "invokes")
                        for api in _refs(props.get("SourceArn"))
                        for fn in _refs(props.get("FunctionName"))
                    ]
            elif kind == "AWS::Events::Rule":
                found += [
                    flow(logical_id, ref, "triggers")
                    for target in props.get("Targets", [])
                    for ref in _refs(target.get("Arn"))
                ]
            yield from (f for f in found if f is not None and f.source != f.target)


def _cross_account_flows(stacks: list[_Stack]) -> Iterator[_Flow]:
    by_account: dict[str, list[_Stack]] = {}
    for stack in stacks:
        by_account.setdefault(stack.account, []).append(stack)

    def target_in(account: str, service: str) -> tuple[_Stack, str | None] | None:
        candidates = sorted(by_account.get(account, []), key=lambda s: s.name)
        kind = _SERVICE_TARGETS.get(service)
        for stack in candidates:
            found = stack.first_of(kind) if kind else None
            if found is not None and found in stack.nodes:
                return stack, found
        return (candidates[0], None) if candidates else None

    for stack in stacks:
        for logical_id, resource in stack.resources.items():
            kind, props = resource.get("Type"), resource.get("Properties", {})
            for source, actions, resources in _policy_statements(stack, logical_id, kind, props):
                for arn in resources:
                    match = _ARN.search(arn)
                    if match is None or match.group(2) == stack.account:
                        continue
                    target = target_in(match.group(2), match.group(1))
                    if target is None:
                        continue
                    other, other_id = target
                    if source not in stack.nodes:
                        stack.nodes[source] = f"{_name(source)}<br/>(IAM role)"
                    yield _Flow(
                        stack.node_id(source),
                        other.node_id(other_id) if other_id else _safe(other.name),
                        ", ".join(sorted(set(actions))),
                        True,
                    )
            if kind == "AWS::Bedrock::DataSource":
                flow = _document_flow(stack, props, by_account)
                if flow is not None:
                    yield flow
            if kind == "AWS::Events::Rule":
                for rule_target in props.get("Targets", []):
                    match = _ARN.search(_text(rule_target.get("Arn")))
                    if match and match.group(2) != stack.account:
                        found = target_in(match.group(2), "events")
                        if found is not None and logical_id in stack.nodes:
                            other, other_id = found
                            yield _Flow(
                                stack.node_id(logical_id),
                                other.node_id(other_id) if other_id else _safe(other.name),
                                "forwards events",
                                True,
                            )


def _document_flow(
    stack: _Stack, props: dict[str, Any], by_account: dict[str, list[_Stack]]
) -> _Flow | None:
    """A knowledge base's data source over a bucket of another account (its
    ``BucketOwnerAccountId``): the knowledge base reads that account's documents bucket."""
    s3 = props.get("DataSourceConfiguration", {}).get("S3Configuration", {})
    owner = s3.get("BucketOwnerAccountId")
    knowledge_bases = [r for r in _refs(props.get("KnowledgeBaseId")) if r in stack.nodes]
    if not isinstance(owner, str) or owner == stack.account or not knowledge_bases:
        return None
    bucket_name = _text(s3.get("BucketArn")).rsplit(":::", 1)[-1]
    for other in sorted(by_account.get(owner, []), key=lambda s: s.name):
        for logical_id, resource in other.resources.items():
            named = resource.get("Properties", {}).get("BucketName")
            is_bucket = resource.get("Type") == "AWS::S3::Bucket" and named == bucket_name
            if is_bucket and logical_id in other.nodes:
                return _Flow(
                    stack.node_id(knowledge_bases[0]),
                    other.node_id(logical_id),
                    "reads documents",
                    True,
                )
        return _Flow(stack.node_id(knowledge_bases[0]), _safe(other.name), "reads documents", True)
    return None


def _policy_statements(
    stack: _Stack, logical_id: str, kind: Any, props: dict[str, Any]
) -> Iterator[tuple[str, list[str], list[str]]]:
    """(source node, actions, resource ARNs) of each Allow statement of an identity policy,
    the source being the role it belongs to (drawn when it reaches another stack's account)."""
    documents: list[tuple[list[str], Any]] = []
    if kind == "AWS::IAM::Role":
        documents = [([logical_id], p.get("PolicyDocument")) for p in props.get("Policies", [])]
    elif kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        roles = [r for r in _refs(props.get("Roles", [])) if r in stack.resources]
        documents = [(roles, props.get("PolicyDocument"))]
    for roles, document in documents:
        for statement in (document or {}).get("Statement", []):
            if statement.get("Effect") != "Allow":
                continue
            actions = [a for a in _strings(statement.get("Action", [])) if a]
            arns = _strings(statement.get("Resource", []))
            for role in roles:
                yield role, actions, arns
