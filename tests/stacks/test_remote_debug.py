"""Remote debugging opted in for dev: the reference training step opens the container to SSM, runs
without network isolation, its job role gets the SSM channels in a policy of its own, the network
gets the ssmmessages endpoint, and the stacks stay nag-clean. Prod refuses it (tests/stacks/test_config.py)."""

from __future__ import annotations

import dataclasses

import pytest

from stacks.config import default_environments
from tests.conftest import nag_findings, new_app
from tests.sagemaker_contract import definition_api_problems, definition_from_template, schema_errors


@pytest.fixture(scope="module")
def dev_with_remote_debug(tmp_path_factory):
    from app import build_app

    environments = dict(default_environments())
    dev = environments["dev"]
    environments["dev"] = dataclasses.replace(
        dev,
        network=dataclasses.replace(dev.network, interface_endpoints=(*dev.network.interface_endpoints, "ssmmessages")),
        training=dataclasses.replace(dev.training, remote_debug=True),
    )
    app = new_app(outdir=str(tmp_path_factory.mktemp("cdk.out")))
    build_app(app, ["dev"], environments=environments)
    findings = nag_findings(app)
    stage = app.synth().get_nested_assembly("assembly-dev")
    templates = {stack.hierarchical_id: stack.template for stack in stage.stacks}
    return templates, findings


def _find(templates, kind):
    return {
        f"{stack}/{name}": resource
        for stack, template in templates.items()
        for name, resource in template["Resources"].items()
        if resource["Type"] == kind
    }


def test_remote_debugging_in_dev_is_nag_clean(dev_with_remote_debug):
    assert dev_with_remote_debug[1] == []


def test_the_train_step_opts_in_without_network_isolation(dev_with_remote_debug):
    (pipeline,) = [
        r
        for r in _find(dev_with_remote_debug[0], "AWS::SageMaker::Pipeline").values()
        if r["Properties"]["PipelineName"].endswith("-training")
    ]
    definition = definition_from_template(pipeline["Properties"]["PipelineDefinition"]["PipelineDefinitionBody"])
    assert definition_api_problems(definition) == [] and schema_errors(definition) == []
    steps = {step["Name"]: step for step in definition["Steps"]}
    train = steps["Train"]["Arguments"]
    assert train["RemoteDebugConfig"] == {"EnableRemoteDebug": True}
    assert train["EnableNetworkIsolation"] is False
    assert steps["Preprocess"]["Arguments"]["NetworkConfig"]["EnableNetworkIsolation"] is True


def test_only_the_training_job_role_gets_the_ssm_channels_and_the_vpc_the_endpoint(dev_with_remote_debug):
    templates = dev_with_remote_debug[0]
    policies = [
        r
        for r in _find(templates, "AWS::IAM::ManagedPolicy").values()
        if "ssmmessages" in str(r["Properties"]["PolicyDocument"])
    ]
    assert len(policies) == 1
    assert "TrainingJobRole" in str(policies[0]["Properties"]["Roles"])
    endpoints = [str(r["Properties"]["ServiceName"]) for r in _find(templates, "AWS::EC2::VPCEndpoint").values()]
    assert any("ssmmessages" in name for name in endpoints)
