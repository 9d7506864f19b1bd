"""The served-model record (``Custom::ServedModelPackage``) through every deploy path.

``FakeCloudFormation`` does what CloudFormation does with a custom resource: Create on the first
deploy, Update only when a property changed (with the previous physical id), the new physical id's
old one deleted after success, and an Update back to the old properties when the update rolls back.
"""

from __future__ import annotations

import json
from unittest import mock

import pytest

from constructs_lib.monitoring.deploy_on_approval_handler import served_model

ACCOUNT, REGION = "123456789012", "eu-west-1"
PREFIX = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/ml-platform-staging-churn/"
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/ml-platform-prod-serving/1a2b"
A, B, C = (f"{PREFIX}{v}" for v in (1, 2, 3))
#: What each deploy path passes as the stack's ModelPackageArn parameter.
PIPELINE = ""  # CDK Pipelines: the template default
CLI = None  # cdk deploy / make deploy: the CLI's --previous-parameters (its default) keeps the value


class FakeCloudFormation:
    def __init__(self) -> None:
        self.properties: dict | None = None
        self.physical_id: str | None = None
        self.served: str | None = None
        self.calls = 0

    def deploy(self, requested: str | None, *, fails: bool = False) -> str | None:
        """One stack create or update with this parameter value; returns what the models serve."""
        previous = self.properties["Requested"] if self.properties else ""
        properties = {
            "Requested": previous if requested is None else requested,
            "Initial": "none",
            "RegistryArnPrefix": PREFIX,
        }
        if self.properties is None:
            self._call("Create", properties, None, rolling_back=False)
        elif properties != self.properties:
            old_properties, old_physical, old_served = self.properties, self.physical_id, self.served
            self._call("Update", properties, old_properties, rolling_back=False)
            if fails:  # a later resource (the model, the endpoint) fails: CloudFormation rolls back
                self._call("Update", old_properties, properties, rolling_back=True)
                assert self.served == old_served, "the rollback must restore the record with the model"
                return self.served
            del old_physical  # replaced: the cleanup Delete of the old id deletes nothing
        return self.served

    def _call(self, kind: str, properties: dict, old: dict | None, *, rolling_back: bool) -> None:
        event = {
            "RequestType": kind,
            "StackId": STACK_ID,
            "LogicalResourceId": "ServedModelPackage",
            "RequestId": f"r{self.calls}",
            "ResourceProperties": properties,
        }
        if kind == "Update":
            event.update(OldResourceProperties=old, PhysicalResourceId=self.physical_id)
        self.calls += 1
        self.physical_id, self.served = served_model.decide(event, rolling_back=lambda stack_id: rolling_back)
        self.properties = properties


def test_a_new_stack_serves_the_configured_model():
    assert FakeCloudFormation().deploy(PIPELINE) == "none"


@pytest.mark.parametrize("path", [PIPELINE, CLI], ids=["pipeline deploy", "cli deploy (make deploy)"])
def test_every_deploy_path_keeps_the_rolled_out_model(path):
    stack = FakeCloudFormation()
    stack.deploy(PIPELINE)
    assert stack.deploy(A) == A  # the rollout
    assert stack.deploy(path) == A
    assert stack.deploy(path) == A  # and the next one
    assert stack.deploy(B) == B  # a later rollout changes it
    assert stack.deploy(path) == B


def test_a_failed_rollout_leaves_the_previous_model_recorded():
    stack = FakeCloudFormation()
    stack.deploy(PIPELINE)
    stack.deploy(A)
    stack.deploy(PIPELINE)
    assert stack.deploy(B, fails=True) == A
    assert stack.deploy(PIPELINE) == A  # the next pipeline deploy does not bring the failed package


def test_a_failed_pipeline_deploy_keeps_the_model():
    stack = FakeCloudFormation()
    stack.deploy(PIPELINE)
    stack.deploy(A)
    assert stack.deploy(PIPELINE, fails=True) == A
    assert stack.deploy(C) == C


def test_none_goes_back_to_the_configured_model():
    stack = FakeCloudFormation()
    stack.deploy(A)
    assert stack.deploy("none") == "none"
    assert stack.deploy(PIPELINE) == "none"


@pytest.mark.parametrize(
    "foreign",
    [
        "arn:aws:sagemaker:eu-west-1:999999999999:model-package/ml-platform-staging-churn/1",  # another account
        "arn:aws:sagemaker:us-east-1:123456789012:model-package/ml-platform-staging-churn/1",  # another region
        "arn:aws:sagemaker:eu-west-1:123456789012:model-package/other-group/1",  # another group
        f"{PREFIX}1/../2",
        f"{PREFIX}",
        "my-model",
    ],
)
def test_a_package_of_another_registry_fails_the_update(foreign):
    stack = FakeCloudFormation()
    stack.deploy(A)
    with pytest.raises(ValueError, match="is not a version of this platform's model package group"):
        stack.deploy(foreign)


def _event(kind: str, **fields) -> dict:
    return {
        "RequestType": kind,
        "StackId": STACK_ID,
        "LogicalResourceId": "ServedModelPackage",
        "RequestId": "r",
        "ResponseURL": "https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/x",
        "ResourceProperties": {"Requested": "", "Initial": "none", "RegistryArnPrefix": PREFIX},
        **fields,
    }


def _answer(event: dict, describe_status: str = "UPDATE_IN_PROGRESS") -> dict:
    """Run the Lambda handler; returns the body it PUT to CloudFormation's URL."""
    sent = {}

    def urlopen(request, timeout):
        sent.update(json.loads(request.data), method=request.get_method(), url=request.full_url)
        response = mock.MagicMock(status=200)
        response.__enter__.return_value = response
        return response

    client = mock.Mock()
    client.describe_stacks.return_value = {"Stacks": [{"StackStatus": describe_status}]}
    with (
        mock.patch.object(served_model.urllib.request, "urlopen", urlopen),
        mock.patch.object(served_model.boto3, "client", return_value=client),
    ):
        served_model.handler(event)
    return sent


def test_the_handler_answers_cloudformation_with_the_served_package():
    sent = _answer(
        _event("Create", ResourceProperties={"Requested": A, "Initial": "none", "RegistryArnPrefix": PREFIX})
    )
    assert sent["method"] == "PUT" and sent["Status"] == "SUCCESS" and sent["Data"] == {"ModelPackageArn": A}
    assert sent["PhysicalResourceId"] == f"ml-platform-prod-serving/ServedModelPackage|{A}|none"


def test_the_handler_tells_a_rollback_by_the_stack_status():
    recorded = f"ml-platform-prod-serving/ServedModelPackage|{B}|{A}"
    kept = _answer(_event("Update", PhysicalResourceId=recorded), describe_status="UPDATE_IN_PROGRESS")
    assert kept["Data"] == {"ModelPackageArn": B} and kept["PhysicalResourceId"] == recorded
    restored = _answer(_event("Update", PhysicalResourceId=recorded), describe_status="UPDATE_ROLLBACK_IN_PROGRESS")
    assert restored["Data"] == {"ModelPackageArn": A}


def test_the_handler_reports_a_refused_package_as_failed_and_deletes_nothing():
    sent = _answer(
        _event(
            "Update",
            PhysicalResourceId=f"s/ServedModelPackage|{A}|none",
            ResourceProperties={
                "Requested": "arn:aws:sagemaker:eu-west-1:999999999999:model-package/x/1",
                "RegistryArnPrefix": PREFIX,
            },
        )
    )
    assert sent["Status"] == "FAILED" and "999999999999" in sent["Reason"]
    assert sent["PhysicalResourceId"] == f"s/ServedModelPackage|{A}|none"  # no replacement
    deleted = _answer(_event("Delete", PhysicalResourceId=f"s/ServedModelPackage|{A}|none"))
    assert deleted["Status"] == "SUCCESS" and deleted["Data"] == {}
