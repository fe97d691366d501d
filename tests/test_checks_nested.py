"""The check lints every synthesized template, nested stacks' included."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk

from genai_platform.checks import nested_templates, summarize
from genai_platform.compliance import read_nag_report
from tests.conftest import TEST_ENV


def test_cfn_lint_errors_in_a_nested_stack_are_reported_on_its_parent(tmp_path: Path) -> None:
    # GIVEN a stack whose nested stack holds a resource cfn-lint refuses (an unknown property)
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    parent = cdk.Stack(app, "Parent", env=TEST_ENV)
    nested = cdk.NestedStack(parent, "Child")
    cdk.CfnResource(nested, "Queue", type="AWS::SQS::Queue", properties={"NoSuchProperty": "x"})
    assembly = Path(app.synth().directory)
    # WHEN the assembly is summarized
    (summary,) = summarize(assembly, read_nag_report(assembly))
    # THEN the nested template was found and its error counts against the parent stack
    assert len(nested_templates(assembly, "Parent")) == 1
    errors = [i for i in summary.lint if i.is_error]
    assert errors and all(".nested.template.json:" in i.path for i in errors)
