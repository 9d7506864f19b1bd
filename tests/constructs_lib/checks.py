"""Checks every construct test module runs on its synthesized template."""

from __future__ import annotations

import json

from aws_cdk.assertions import Template


def cfn_lint_errors(template: Template, region: str = "eu-west-1") -> list[str]:
    """cfn-lint's error (E) findings on ``template``; warnings are left out."""
    from cfnlint.api import ManualArgs, lint

    matches = lint(json.dumps(template.to_json()), config=ManualArgs(regions=[region]))
    return [f"{m.rule.id} {m.message} ({m.path_string})" for m in matches if m.rule.id.startswith("E")]
