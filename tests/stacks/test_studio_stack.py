"""The Studio stack of each environment, read from the app synthesized once per session."""

from __future__ import annotations

import dataclasses

import pytest

from stacks.config import ConfigError, StudioConfig, get_environment


def _resources(synthesized_app, env: str, resource_type: str) -> dict:
    templates = dict(synthesized_app.templates())
    return {k: r for k, r in templates[f"{env}/Studio"]["Resources"].items() if r["Type"] == resource_type}


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_every_environment_has_a_vpc_only_domain_named_after_it(synthesized_app, env):
    (domain,) = _resources(synthesized_app, env, "AWS::SageMaker::Domain").values()
    assert domain["Properties"]["AppNetworkAccessType"] == "VpcOnly"
    assert domain["Properties"]["DomainName"] == f"ml-platform-{env}"
    assert "Fn::ImportValue" in str(domain["Properties"]["KmsKeyId"]) or "Fn::GetStackOutput" in str(
        domain["Properties"]["KmsKeyId"]
    )


def test_profiles_follow_the_configuration_and_prod_has_none(synthesized_app):
    def names(env):
        return sorted(
            p["Properties"]["UserProfileName"]
            for p in _resources(synthesized_app, env, "AWS::SageMaker::UserProfile").values()
        )

    assert names("dev") == ["alice", "bob"]
    assert names("staging") == ["alice"]
    assert names("prod") == []
    assert len(_resources(synthesized_app, "dev", "AWS::SageMaker::Space")) == 1


def test_only_dev_has_a_notebook_instance_and_only_dev_drops_the_home_efs(synthesized_app):
    assert len(_resources(synthesized_app, "dev", "AWS::SageMaker::NotebookInstance")) == 1
    assert _resources(synthesized_app, "staging", "AWS::SageMaker::NotebookInstance") == {}
    homes = {
        env: next(iter(_resources(synthesized_app, env, "Custom::StudioTeardown").values()))["Properties"]["HomeEfs"]
        for env in ("dev", "staging", "prod")
    }
    assert homes == {"dev": "Delete", "staging": "Retain", "prod": "Retain"}


def test_prod_execution_role_requires_network_isolation(synthesized_app):
    policies = _resources(synthesized_app, "prod", "AWS::IAM::ManagedPolicy")
    sids = {s.get("Sid") for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]}
    assert "DenyJobsWithoutNetworkIsolation" in sids


@pytest.mark.parametrize(
    "studio, message",
    [
        (StudioConfig(user_profiles=("alice", "alice")), "studio.user_profiles=['alice']: names must be unique"),
        (StudioConfig(user_profiles=("al_ice",)), "studio.user_profiles='al_ice'"),
        (
            StudioConfig(user_profiles=("alice",), shared_spaces=(("lab", "carol"),)),
            "owners must be among user_profiles",
        ),
        (StudioConfig(idle_timeout_minutes=30), "60 <= idle_timeout_minutes <= max_idle_timeout_minutes"),
        (StudioConfig(notebook_instance_type="t3.medium"), "studio.notebook_instance_type='t3.medium'"),
        (StudioConfig(notebook_idle_timeout_minutes=1), "studio.notebook_idle_timeout_minutes=1"),
    ],
)
def test_bad_studio_settings_fail_with_the_environment_named(studio, message):
    with pytest.raises(ConfigError) as error:
        dataclasses.replace(get_environment("dev"), studio=studio)
    assert "environment 'dev' has invalid input" in str(error.value)
    assert message in str(error.value)
