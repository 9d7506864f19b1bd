"""Model fleet: many models packed into stacks well under CloudFormation's 500-resource limit."""

from __future__ import annotations

from dataclasses import replace

import pytest
from aws_cdk.assertions import Template

from stacks.config import ConfigError, ModelFleetConfig, ServedModel, default_environments
from stacks.ml_platform_stage import MlPlatformStage
from stacks.model_fleet_stack import RESOURCES_PER_MODEL, models_per_stack, place
from tests.conftest import cfn_lint_errors, compliance_app, nag_findings, new_app

KINDS = ("realtime", "serverless", "async")


def _model(i: int) -> ServedModel:
    kind = KINDS[i % 3]
    return ServedModel(
        f"model-{i:03d}", endpoint=kind, instance_count=2, max_instance_count=4 if kind == "realtime" else 0
    )


def _fleet_templates(count: int, **fleet) -> dict[str, dict]:
    config = replace(
        default_environments()["staging"],
        fleet=ModelFleetConfig(models=tuple(_model(i) for i in range(count)), **fleet),
    )
    stage = MlPlatformStage(new_app(), "staging", config=config)
    return {s.stack_name: Template.from_stack(s).to_json()["Resources"] for s in stage.model_fleet}


@pytest.fixture(scope="module")
def fleet_52():
    return _fleet_templates(52)


@pytest.fixture(scope="module")
def fleet_53():
    return _fleet_templates(53)


def test_fifty_models_fit_in_stacks_well_under_the_resource_limit(fleet_52):
    slots = models_per_stack(ModelFleetConfig())
    assert len(fleet_52) == -(-52 // slots) >= 2
    assert list(fleet_52) == [f"ml-platform-staging-models-{n}" for n in range(1, len(fleet_52) + 1)]
    for name, resources in fleet_52.items():
        assert len(resources) <= 200, f"{name}: {len(resources)} resources"
    served = {logical_id[: len("model000")] for resources in fleet_52.values() for logical_id in resources}
    assert len(served) == 52


def test_resources_per_model_is_measured(fleet_52):
    """The placement's per-model figure is what a model of each kind really takes (at most)."""
    resources = {k: v for stack in fleet_52.values() for k, v in stack.items()}
    for i, kind in enumerate(KINDS):
        prefix = f"model{i:03d}"
        assert sum(1 for logical_id in resources if logical_id.startswith(prefix)) == RESOURCES_PER_MODEL[kind]


def test_adding_a_model_moves_no_existing_model(fleet_52, fleet_53):
    for name, resources in fleet_52.items():
        after = fleet_53[name]
        assert {k: after.get(k) for k in resources} == resources, f"{name} changed when a model was appended"
    added = [name for name, resources in fleet_53.items() if any(k.startswith("model052") for k in resources)]
    assert added == [list(fleet_53)[-1]]


def test_a_retired_model_keeps_its_slot_and_deploys_nothing():
    fleet = ModelFleetConfig(models=tuple(replace(_model(i), retired=(i == 0)) for i in range(20)))
    placed = place(fleet)
    assert placed[0][0].name == "model-000" and sum(len(p) for p in placed) == 20
    templates = _fleet_templates_for(fleet)
    assert not any(k.startswith("model000") for resources in templates.values() for k in resources)
    assert any(k.startswith("model001") for k in templates["ml-platform-staging-models-1"])
    # The retired model's slot stays taken: the first model of the second stack stays there.
    first_of_second = placed[1][0].name.replace("-", "")
    assert first_of_second == "model015"
    assert any(k.startswith(first_of_second) for k in templates["ml-platform-staging-models-2"])
    assert not any(k.startswith(first_of_second) for k in templates["ml-platform-staging-models-1"])


def _fleet_templates_for(fleet: ModelFleetConfig) -> dict[str, dict]:
    stage = MlPlatformStage(new_app(), "staging", config=replace(default_environments()["staging"], fleet=fleet))
    return {s.stack_name: Template.from_stack(s).to_json()["Resources"] for s in stage.model_fleet}


def test_smaller_budget_means_more_stacks_each_within_it():
    fleet = ModelFleetConfig(models=tuple(_model(i) for i in range(12)), max_resources_per_stack=60)
    assert models_per_stack(fleet) == (60 - 1) // max(RESOURCES_PER_MODEL.values())
    assert [len(p) for p in place(fleet)] == [4, 4, 4]


@pytest.fixture(scope="module")
def prod_with_three_models():
    """A prod stage serving three models, with the compliance packs: one synthesis for both checks."""
    app = compliance_app()
    config = replace(default_environments()["prod"], fleet=ModelFleetConfig(models=tuple(_model(i) for i in range(3))))
    return app, MlPlatformStage(app, "prod", config=config)


def test_fleet_stack_is_nag_clean(prod_with_three_models):
    app, _ = prod_with_three_models
    assert nag_findings(app) == []


def test_fleet_stack_passes_cfn_lint(prod_with_three_models):
    _, stage = prod_with_three_models
    assert cfn_lint_errors(Template.from_stack(stage.model_fleet[0]).to_json(), "eu-west-1") == []


def test_rejects_bad_fleet_values():
    with pytest.raises(ConfigError) as error:
        replace(
            default_environments()["dev"],
            fleet=ModelFleetConfig(
                models=(
                    ServedModel("Bad_Name", endpoint="gpu", instance_type="m5.large", instance_count=0),
                    ServedModel("twice"),
                    ServedModel("twice", endpoint="serverless", max_instance_count=3),
                ),
                max_resources_per_stack=600,
            ),
        )
    message = str(error.value)
    for expected in (
        "fleet.models=['twice']: names must be unique",
        "fleet.max_resources_per_stack=600",
        "fleet.models['Bad_Name'].name",
        "fleet.models['Bad_Name'].endpoint='gpu'",
        "fleet.models['Bad_Name'].instance_type",
        "fleet.models['Bad_Name'].instance_count=0",
        "fleet.models['twice'].max_instance_count=3",
    ):
        assert expected in message
