"""`make bench`'s own programs build on the current API (the bench is not run in the suite)."""

import json

import aws_cdk as cdk

from bench.scaling_stack import build_scaling_stack


def test_the_scaling_stack_synthesizes_with_one_model():
    app = cdk.App()
    build_scaling_stack(app, 1)
    types = {r["Type"] for stack in app.synth().stacks for r in stack.template.get("Resources", {}).values()}
    assert {"AWS::SageMaker::Endpoint", "AWS::ApplicationAutoScaling::ScalableTarget"} <= types


def test_the_replay_floor_rebuilds_the_same_resources(tmp_path):
    """The replay floor (bench.programs.replay) synthesizes the very resources the library did."""
    from bench import programs

    dumped = tmp_path / "scaling.json"
    programs.dump(str(tmp_path / "library"), str(dumped), "scaling", "1")
    assembly = programs.replay(str(tmp_path / "replay"), str(dumped))
    source = {s["id"]: s["template"]["Resources"] for s in json.loads(dumped.read_text())}
    replayed = {s.stack_name: s.template["Resources"] for s in assembly.stacks}
    assert set(replayed) == set(source)
    for name, resources in source.items():
        assert replayed[name] == {k: v for k, v in resources.items() if v["Type"] != "AWS::CDK::Metadata"}, name


def test_the_replay_with_modules_imports_the_l1_classes_modules(tmp_path):
    from bench import programs

    entries = [{"template": {"Resources": {"B": {"Type": "AWS::S3::Bucket"}, "C": {"Type": "Custom::Thing"}}}}]
    assert programs.l1_modules(entries) == ["aws_cdk.aws_s3"]
