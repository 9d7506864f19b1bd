"""The example labeling workflow of the app: dev only, wired to the workteam, the data bucket and the VPC."""

import dataclasses
import json

import pytest

from stacks.config import ConfigError, default_environments

ENVIRONMENTS = default_environments()


def _state_machines(synthesized_app, env: str) -> list[dict]:
    templates = dict(synthesized_app.templates())
    resources = templates[f"{env}/Platform"]["Resources"].values()
    return [r for r in resources if r["Type"] == "AWS::StepFunctions::StateMachine"]


def test_dev_labels_customer_messages_and_the_other_environments_do_not(synthesized_app):
    [machine] = _state_machines(synthesized_app, "dev")
    body = json.dumps(machine["Properties"]["DefinitionString"])
    assert "createLabelingJob.sync" in body and "PRE-TextMultiClass" in body
    assert "raw/labeled/churn-messages/{}/output.manifest" in body
    assert "Fn::GetStackOutput" in body  # the governance stack's workteam
    for env in ("staging", "prod"):
        assert _state_machines(synthesized_app, env) == []
    assert [name for name, c in ENVIRONMENTS.items() if c.platform.example_labeling_workflow] == ["dev"]


def test_the_workflow_names_its_jobs_after_the_environment(synthesized_app):
    stage = synthesized_app.stages["dev"]
    workflow = stage.platform.labeling_workflow
    assert workflow.job_name_prefix == "ml-platform-dev-churn-messages"
    assert workflow.source.bucket is stage.data.data_bucket
    assert synthesized_app.stages["prod"].platform.labeling_workflow is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"governance": {"labeling_workforce_enabled": False, "labeling_domain_prefix": None}},
            "platform.example_labeling_workflow=True: needs governance.labeling_workforce_enabled",
        ),
        (
            {"network": {"interface_endpoints": ("sagemaker.api", "sts", "logs", "kms", "events")}},
            "platform.example_labeling_workflow=True: the batcher starts the state machine: it needs the 'states'",
        ),
    ],
)
def test_the_workflow_needs_the_workforce_and_the_step_functions_endpoint(changes, message):
    dev = ENVIRONMENTS["dev"]
    replaced = {section: dataclasses.replace(getattr(dev, section), **values) for section, values in changes.items()}
    with pytest.raises(ConfigError, match="example_labeling_workflow") as error:
        dataclasses.replace(dev, **replaced)
    assert message in str(error.value)
