"""`make bench`'s own programs build on the current API (the bench is not run in the suite)."""

import json

import pytest


@pytest.fixture(scope="module")
def scaling_dump(tmp_path_factory):
    """The scaling stack with one model, synthesized once by ``bench.programs.dump``: its templates."""
    from bench import programs

    tmp_path = tmp_path_factory.mktemp("bench")
    dumped = tmp_path / "scaling.json"
    programs.dump(str(tmp_path / "library"), str(dumped), "scaling", "1")
    return dumped


def test_the_scaling_stack_synthesizes_with_one_model(scaling_dump):
    stacks = json.loads(scaling_dump.read_text())
    types = {r["Type"] for stack in stacks for r in stack["template"].get("Resources", {}).values()}
    assert {"AWS::SageMaker::Endpoint", "AWS::ApplicationAutoScaling::ScalableTarget"} <= types


def test_the_replay_floor_rebuilds_the_same_resources(scaling_dump, tmp_path):
    """The replay floor (bench.programs.replay) synthesizes the very resources the library did."""
    from bench import programs

    dumped = scaling_dump
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
