"""The gate itself: the packs are attached and a non-compliant resource is reported."""

import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from constructs_lib import COMPLIANCE_PACKS, acknowledge
from tests.conftest import compliance_app, nag_findings, new_stack


def test_canary_a_plain_bucket_fails_every_pack():
    app = compliance_app()
    s3.Bucket(new_stack(app), "Plain")
    findings = nag_findings(app)
    assert "AwsSolutions-S1 at Test/Plain/Resource" in findings
    assert "HIPAA.Security-S3DefaultEncryptionKMS at Test/Plain/Resource" in findings
    assert "NIST.800.53.R5-S3BucketVersioningEnabled at Test/Plain/Resource" in findings
    assert {f.split("-")[0] for f in findings} >= {"AwsSolutions", "HIPAA.Security", "NIST.800.53.R5"}
    assert COMPLIANCE_PACKS == ("AwsSolutions", "HIPAA.Security", "NIST.800.53.R5")


def test_canary_a_wildcard_policy_is_reported():
    app = compliance_app()
    stack = new_stack(app)
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["s3:*"], resources=["*"]))
    findings = nag_findings(app)
    assert "AwsSolutions-IAM5[Action::s3:*] at Test/Role/DefaultPolicy/Resource" in findings


def test_an_acknowledgment_covers_one_resource_and_one_rule():
    app = compliance_app()
    stack = new_stack(app)
    quiet = s3.Bucket(stack, "Quiet")
    s3.Bucket(stack, "Loud")
    acknowledge(quiet, "Test: server access logs are covered by an organisation trail.", "AwsSolutions-S1")
    findings = nag_findings(app)
    assert "AwsSolutions-S1 at Test/Quiet/Resource" not in findings
    assert "AwsSolutions-S10 at Test/Quiet/Resource" in findings
    assert "AwsSolutions-S1 at Test/Loud/Resource" in findings


def test_an_acknowledgment_needs_a_real_reason():
    with pytest.raises(ValueError, match="needs a real reason"):
        acknowledge(s3.Bucket(new_stack(), "B"), "ok", "AwsSolutions-S1")


def test_every_acknowledgment_takes_the_scope_then_the_reason_then_what_it_acknowledges():
    import inspect

    from constructs_lib._core import nag, wildcards
    from constructs_lib.foundation import compliance

    functions = [
        getattr(module, name)
        for module in (nag, wildcards, compliance)
        for name in dir(module)
        if name.startswith("acknowledge") and inspect.isfunction(getattr(module, name))
    ]
    assert len(functions) >= 9
    for function in functions:
        parameters = list(inspect.signature(function).parameters.values())
        assert parameters[1].name == "reason", function.__qualname__
        assert len(parameters) == 3, function.__qualname__
