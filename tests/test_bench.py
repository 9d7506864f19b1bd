"""`make bench`'s own programs build on the current API (the bench is not run in the suite)."""

import aws_cdk as cdk

from bench.scaling_stack import build_scaling_stack


def test_the_scaling_stack_synthesizes_with_one_model():
    app = cdk.App()
    build_scaling_stack(app, 1)
    types = {r["Type"] for stack in app.synth().stacks for r in stack.template.get("Resources", {}).values()}
    assert {"AWS::SageMaker::Endpoint", "AWS::ApplicationAutoScaling::ScalableTarget"} <= types
