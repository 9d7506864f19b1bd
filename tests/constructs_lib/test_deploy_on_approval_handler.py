"""The deploy-on-approval function against moto (SageMaker registry and endpoints, CloudFormation,
CloudWatch, Step Functions).

What moto cannot do is stubbed, and said so where it happens: its CloudFormation stacks finish every
update at once (a stack is put in UPDATE_IN_PROGRESS by editing moto's backend), it does not run
SageMaker resources in stacks (the serving stack stand-in holds an SNS topic and the parameters), and
the "update already in progress" error of a race is raised by patching the one UpdateStack call.
"""

import json
import logging
from unittest import mock

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sagemaker.models import sagemaker_backends

from constructs_lib.monitoring.deploy_on_approval_handler import handler as deployer

REGION = "eu-west-1"
GROUP = "churn-models"
STAGING = {
    "stack_name": "ml-platform-staging-serving",
    "endpoint_name": "churn-staging",
    "alarm_names": ["churn-staging-5xx"],
    "parameter_name": "ModelPackageArn",
}
PROD = {
    "stack_name": "ml-platform-prod-serving",
    "endpoint_name": "churn-prod",
    "alarm_names": ["churn-prod-5xx"],
    "parameter_name": "ModelPackageArn",
}
#: A stand-in of the serving stack: moto runs no custom resource, so its output is the parameter
#: (what ``ServedModelPackage`` returns when a rollout sets it; test_served_model_handler.py tests the rest).
SERVING_TEMPLATE = json.dumps(
    {
        "Parameters": {"ModelPackageArn": {"Type": "String"}, "InstanceType": {"Type": "String"}},
        "Resources": {"Notifications": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"ServedModelPackageArn": {"Value": {"Ref": "ModelPackageArn"}}},
    }
)


PREFIX = f"arn:aws:sagemaker:{REGION}:{DEFAULT_ACCOUNT_ID}:model-package/{GROUP}/"
ROLE = f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/rollout-cloudformation"


@pytest.fixture(autouse=True)
def configuration(monkeypatch):
    """The function's environment, as ``DeployOnApproval`` sets it at synth."""
    for name, value in {
        "MODEL_PACKAGE_GROUP": GROUP,
        "MODEL_PACKAGE_ARN_PREFIX": PREFIX,
        "DEPLOYMENT_TARGETS": json.dumps([STAGING, PROD]),
        "CLOUDFORMATION_ROLE_ARN": ROLE,
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="module")
def clients() -> dict:
    """The tests' SageMaker, CloudFormation and CloudWatch clients, made once (about 10 ms a test).
    Safe to share: a client keeps no state of moto's (each ``mock_aws`` routes it to fresh backends),
    no test stubs them or registers a handler on them (the Stubber tests make their own clients), and
    the patches of every client's calls (``_make_api_call``) end with their test."""
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    return {service: session.client(service) for service in ("sagemaker", "cloudformation", "cloudwatch")}


@pytest.fixture
def aws(monkeypatch, clients):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        sagemaker = clients["sagemaker"]
        sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
        sagemaker.create_model(
            ModelName="m",
            ExecutionRoleArn=f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/r",
            PrimaryContainer={"Image": "image"},
        )
        sagemaker.create_endpoint_config(
            EndpointConfigName="c",
            ProductionVariants=[
                {
                    "VariantName": "AllTraffic",
                    "ModelName": "m",
                    "InitialInstanceCount": 1,
                    "InstanceType": "ml.m5.large",
                }
            ],
        )
        cloudformation, cloudwatch = clients["cloudformation"], clients["cloudwatch"]
        for target in (STAGING, PROD):
            sagemaker.create_endpoint(EndpointName=target["endpoint_name"], EndpointConfigName="c")
            cloudformation.create_stack(
                StackName=target["stack_name"],
                TemplateBody=SERVING_TEMPLATE,
                Parameters=[
                    {"ParameterKey": "ModelPackageArn", "ParameterValue": "none"},
                    {"ParameterKey": "InstanceType", "ParameterValue": "ml.m5.large"},
                ],
            )
            cloudwatch.put_metric_alarm(
                AlarmName=target["alarm_names"][0],
                MetricName="Invocation5XXErrors",
                Namespace="AWS/SageMaker",
                Statistic="Sum",
                Period=300,
                EvaluationPeriods=1,
                Threshold=1,
                ComparisonOperator="GreaterThanThreshold",
            )
        yield {"sagemaker": sagemaker, "cloudformation": cloudformation, "cloudwatch": cloudwatch}


def new_package(aws, status: str = "Approved") -> str:
    return aws["sagemaker"].create_model_package(
        ModelPackageGroupName=GROUP,
        ModelApprovalStatus=status,
        InferenceSpecification={
            "Containers": [{"Image": "image"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
    )["ModelPackageArn"]


def event(arn: str, status: str = "Approved", group: str = GROUP) -> dict:
    return {
        "version": "0",
        "id": "e-1",
        "source": "aws.sagemaker",
        "detail-type": "SageMaker Model Package State Change",
        "account": DEFAULT_ACCOUNT_ID,
        "region": REGION,
        "detail": {
            "ModelPackageGroupName": group,
            "ModelPackageArn": arn,
            "ModelApprovalStatus": status,
            "ModelPackageStatus": "Completed",
        },
    }


def parameters(aws, stack: str) -> dict:
    described = aws["cloudformation"].describe_stacks(StackName=stack)["Stacks"][0]
    return {p["ParameterKey"]: p["ParameterValue"] for p in described["Parameters"]}


def run_rollout(aws, arn: str) -> list[str]:
    """What the state machine does, step by step (validate, then each target: deploy, status)."""
    steps = []
    validation = deployer.handler({"action": "validate", "event": event(arn)})
    if not validation["deploy"]:
        return ["nothing"]
    for index, target in enumerate((STAGING, PROD)):
        result = deployer.handler({"action": "deploy", "target": index, "model_package_arn": arn})["result"]
        state = deployer.handler({"action": "status", "target": index, "model_package_arn": arn})["state"]
        steps.append(f"{target['stack_name']}:{result}:{state}")
        if state != "HEALTHY":
            break
    return steps


def test_approval_deploys_the_package_arn_to_staging_then_prod(aws):
    arn = new_package(aws)
    assert run_rollout(aws, arn) == [
        "ml-platform-staging-serving:UPDATING:HEALTHY",
        "ml-platform-prod-serving:UPDATING:HEALTHY",
    ]
    for target in (STAGING, PROD):
        assert parameters(aws, target["stack_name"]) == {"ModelPackageArn": arn, "InstanceType": "ml.m5.large"}


def test_update_keeps_the_template_and_the_other_parameters(aws):
    arn = new_package(aws)
    with mock.patch("botocore.client.BaseClient._make_api_call", autospec=True, side_effect=_record_and_call) as call:
        deployer.handler({"action": "deploy", "target": 0, "model_package_arn": arn})
    update = next(kwargs for (_, operation, kwargs), _ in call.call_args_list if operation == "UpdateStack")
    policy = json.loads(update.pop("StackPolicyDuringUpdateBody"))
    assert update == {
        "StackName": "ml-platform-staging-serving",
        "UsePreviousTemplate": True,
        "RoleARN": ROLE,
        "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        "Parameters": [
            {"ParameterKey": "InstanceType", "UsePreviousValue": True},
            {"ParameterKey": "ModelPackageArn", "ParameterValue": arn},
        ],
    }
    # The update may change the models, endpoint configurations, endpoints and the record (and a
    # monitoring stack's job definitions and schedules), nothing else.
    allow, deny, keep = policy["Statement"]
    assert allow["Effect"] == "Allow" and deny["Effect"] == "Deny" and keep["Effect"] == "Deny"
    assert (
        allow["Condition"]["StringEquals"]["ResourceType"]
        == deny["Condition"]["StringNotEquals"]["ResourceType"]
        == [
            "AWS::SageMaker::Model",
            "AWS::SageMaker::EndpointConfig",
            "AWS::SageMaker::Endpoint",
            "AWS::CloudFormation::Stack",
            "Custom::ServedModelPackage",
            "AWS::SageMaker::DataQualityJobDefinition",
            "AWS::SageMaker::ModelQualityJobDefinition",
            "AWS::SageMaker::ModelBiasJobDefinition",
            "AWS::SageMaker::ModelExplainabilityJobDefinition",
            "AWS::SageMaker::MonitoringSchedule",
        ]
    )
    assert keep["Action"] == ["Update:Replace", "Update:Delete"]
    assert keep["Condition"]["StringEquals"]["ResourceType"] == [
        "AWS::SageMaker::Endpoint",
        "AWS::CloudFormation::Stack",
        "AWS::SageMaker::MonitoringSchedule",
    ]


_ORIGINAL_CALL = __import__("botocore.client").client.BaseClient._make_api_call


def _record_and_call(self, operation, kwargs):
    return _ORIGINAL_CALL(self, operation, kwargs)


def test_rejection_does_nothing(aws):
    arn = new_package(aws, status="Rejected")
    result = deployer.handler({"action": "validate", "event": event(arn, status="Rejected")})
    assert result == {"deploy": False, "model_package_arn": arn, "reason": "approval status is Rejected"}
    assert run_rollout(aws, arn) == ["nothing"]
    assert parameters(aws, STAGING["stack_name"])["ModelPackageArn"] == "none"


def test_a_package_rejected_since_the_event_or_failed_never_deploys(aws):
    rejected = new_package(aws)
    aws["sagemaker"].update_model_package(ModelPackageArn=rejected, ModelApprovalStatus="Rejected")
    assert deployer.validate(event(rejected), group=GROUP)["reason"] == "approval status is now Rejected"
    failed = new_package(aws)
    # moto creates packages Completed; a failed package is set on its backend.
    package = next(p for p in sagemaker_backends[DEFAULT_ACCOUNT_ID][REGION].model_packages.values() if p.arn == failed)
    package.model_package_status = "Failed"
    assert deployer.validate(event(failed), group=GROUP)["reason"] == "package status is Failed, not Completed"
    assert parameters(aws, STAGING["stack_name"])["ModelPackageArn"] == "none"


def test_a_package_of_another_group_is_ignored(aws):
    assert (
        deployer.validate(
            event("arn:aws:sagemaker:eu-west-1:123456789012:model-package/other/1", group="other"), group=GROUP
        )["deploy"]
        is False
    )


@pytest.mark.parametrize(
    "bad, reason",
    [
        ({"source": "aws.sagemaker"}, "source/detail-type 'aws.sagemaker'/None"),
        ({"source": "aws.s3", "detail-type": "Object Created", "detail": {}}, "source/detail-type 'aws.s3'"),
        ({"source": "aws.sagemaker", "detail-type": "SageMaker Model Package State Change"}, "no 'detail' object"),
        (
            {
                "source": "aws.sagemaker",
                "detail-type": "SageMaker Model Package State Change",
                "detail": {"ModelPackageGroupName": GROUP, "ModelApprovalStatus": "Approved"},
            },
            "detail lacks ModelPackageArn",
        ),
        (
            {
                "source": "aws.sagemaker",
                "detail-type": "SageMaker Model Package State Change",
                "detail": {
                    "ModelPackageGroupName": GROUP,
                    "ModelApprovalStatus": "Approved",
                    "ModelPackageArn": "arn:x",
                },
            },
            "is not a model package ARN",
        ),
        ("not an object", "not a JSON object"),
    ],
)
def test_a_malformed_event_is_rejected_with_a_clear_log_line(caplog, bad, reason):
    # Rejected before any AWS call: no moto needed.
    with caplog.at_level(logging.INFO), pytest.raises(deployer.InvalidEvent, match="malformed model package"):
        deployer.handler({"action": "validate", "event": bad})
    line = json.loads(next(r.getMessage() for r in caplog.records if '"rejected"' in r.getMessage()))
    assert line["action"] == "rejected" and reason in line["reason"]


def test_an_unknown_action_is_rejected():
    with pytest.raises(deployer.InvalidEvent, match="unknown action 'explode'"):
        deployer.handler({"action": "explode"})


def test_deploying_twice_is_a_no_op(aws):
    arn = new_package(aws)
    assert deployer.deploy(STAGING, arn, group=GROUP) == {"result": "UPDATING"}
    assert deployer.deploy(STAGING, arn, group=GROUP) == {"result": "UNCHANGED"}


def test_an_update_in_progress_raises_stack_busy_for_the_state_machine_to_retry(aws, caplog):
    arn = new_package(aws)
    # moto finishes updates at once: the in-progress state is set on its backend (imported here: moto's
    # CloudFormation models import every service moto has, over a second at collection on each worker).
    from moto.cloudformation.models import cloudformation_backends

    backend = cloudformation_backends[DEFAULT_ACCOUNT_ID][REGION]
    stack = next(s for s in backend.stacks.values() if s.name == STAGING["stack_name"])
    stack.status = "UPDATE_IN_PROGRESS"
    with caplog.at_level(logging.INFO), pytest.raises(deployer.StackBusy, match="UPDATE_IN_PROGRESS"):
        deployer.handler({"action": "deploy", "target": 0, "model_package_arn": arn})
    assert '"action": "busy"' in caplog.text
    assert deployer.status(STAGING, arn)["state"] == "IN_PROGRESS"
    stack.status = "UPDATE_COMPLETE"  # the other update finished: the retry deploys
    assert deployer.deploy(STAGING, arn, group=GROUP) == {"result": "UPDATING"}
    assert parameters(aws, STAGING["stack_name"])["ModelPackageArn"] == arn


def test_an_update_started_by_someone_else_in_between_is_also_retried(aws):
    arn = new_package(aws)
    busy = ClientError(
        {
            "Error": {
                "Code": "ValidationError",
                "Message": (
                    "Stack:arn:aws:cloudformation:eu-west-1:123456789012:stack/ml-platform-staging-serving/1 is in "
                    "UPDATE_IN_PROGRESS state and can not be updated."
                ),
            }
        },
        "UpdateStack",
    )

    def call(self, operation, kwargs):
        if operation == "UpdateStack":
            raise busy
        return _ORIGINAL_CALL(self, operation, kwargs)

    with (
        mock.patch("botocore.client.BaseClient._make_api_call", autospec=True, side_effect=call),
        pytest.raises(deployer.StackBusy),
    ):
        deployer.deploy(STAGING, arn, group=GROUP)


def test_a_package_superseded_by_a_newer_approval_is_not_deployed(aws):
    older, newer = new_package(aws), new_package(aws)
    assert deployer.deploy(STAGING, older, group=GROUP) == {"result": "SUPERSEDED", "latest": newer}
    assert parameters(aws, STAGING["stack_name"])["ModelPackageArn"] == "none"


def test_a_stack_without_the_parameter_blocks_the_deployment(aws):
    with pytest.raises(deployer.DeploymentBlocked, match="has no parameter 'ModelArn'"):
        deployer.deploy({**STAGING, "parameter_name": "ModelArn"}, new_package(aws), group=GROUP)


def test_an_alarm_in_alarm_or_a_rolled_back_stack_is_not_healthy(aws):
    arn = new_package(aws)
    deployer.deploy(STAGING, arn, group=GROUP)
    assert deployer.status(STAGING, arn)["state"] == "HEALTHY"
    aws["cloudwatch"].set_alarm_state(AlarmName="churn-staging-5xx", StateValue="ALARM", StateReason="test")
    assert deployer.status(STAGING, arn) == {"state": "FAILED", "reason": "alarms in ALARM: ['churn-staging-5xx']"}
    other = new_package(aws)
    assert deployer.status(STAGING, other)["state"] == "FAILED"  # the stack holds another package
    assert (
        deployer.status({**STAGING, "alarm_names": ["missing"]}, arn)["reason"]
        == "health alarms not found: ['missing']"
    )


def test_a_duplicate_event_for_a_package_already_rolling_out_deploys_nothing(aws):
    arn = new_package(aws)
    states = boto3.client("stepfunctions", region_name=REGION)
    machine = states.create_state_machine(
        name="deploy",
        roleArn=f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/r",
        definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}),
    )
    first = states.start_execution(
        stateMachineArn=machine["stateMachineArn"], name="first", input=json.dumps(event(arn))
    )
    second = states.start_execution(
        stateMachineArn=machine["stateMachineArn"], name="second", input=json.dumps(event(arn))
    )
    assert deployer.validate(event(arn), group=GROUP, execution_arn=first["executionArn"])["deploy"] is True
    duplicate = deployer.validate(event(arn), group=GROUP, execution_arn=second["executionArn"])
    assert duplicate["deploy"] is False and "already deploys this package" in duplicate["reason"]


def _stubbed(service: str):
    client = boto3.client(service, region_name=REGION)
    return client, Stubber(client)


@pytest.mark.parametrize(
    "code, http",
    [
        ("Throttling", 400),
        ("ThrottlingException", 400),
        ("TooManyRequestsException", 429),
        ("InternalFailure", 500),
        ("ServiceUnavailable", 503),
    ],
)
def test_a_throttled_or_failing_call_is_transient_for_the_state_machine_to_retry(monkeypatch, code, http):
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setattr(deployer, "_latest_approved", lambda group: None)
    client, stub = _stubbed("cloudformation")
    stub.add_client_error("describe_stacks", service_error_code=code, http_status_code=http)
    with (
        stub,
        mock.patch.object(deployer.boto3, "client", return_value=client),
        pytest.raises(deployer.Transient, match=code),
    ):
        deployer.handler({"action": "status", "target": 0, "model_package_arn": "arn:x:model-package/g/1"})


def test_a_connection_timeout_is_transient_and_a_denied_call_is_not(monkeypatch):
    from botocore.exceptions import ConnectTimeoutError

    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setattr(deployer, "_latest_approved", lambda group: None)
    failing = mock.Mock()
    failing.describe_stacks.side_effect = ConnectTimeoutError(endpoint_url="https://cloudformation")
    with mock.patch.object(deployer.boto3, "client", return_value=failing), pytest.raises(deployer.Transient):
        deployer.handler({"action": "status", "target": 0, "model_package_arn": "arn:x:model-package/g/1"})
    client, stub = _stubbed("cloudformation")
    stub.add_client_error("describe_stacks", service_error_code="AccessDenied", http_status_code=403)
    with stub, mock.patch.object(deployer.boto3, "client", return_value=client), pytest.raises(ClientError):
        deployer.handler({"action": "status", "target": 0, "model_package_arn": "arn:x:model-package/g/1"})


def test_a_throttled_update_is_transient_not_blocked(aws):
    arn = new_package(aws)

    def call(self, operation, kwargs):
        if operation == "UpdateStack":
            raise ClientError(
                {
                    "Error": {"Code": "Throttling", "Message": "Rate exceeded"},
                    "ResponseMetadata": {"HTTPStatusCode": 400},
                },
                "UpdateStack",
            )
        return _ORIGINAL_CALL(self, operation, kwargs)

    with (
        mock.patch("botocore.client.BaseClient._make_api_call", autospec=True, side_effect=call),
        pytest.raises(deployer.Transient, match="UpdateStack: Throttling"),
    ):
        deployer.handler({"action": "deploy", "target": 0, "model_package_arn": arn})
    # The retry deploys.
    assert deployer.deploy(STAGING, arn, group=GROUP) == {"result": "UPDATING"}


def test_a_newer_approval_mid_rollout_supersedes_this_one(aws):
    older = new_package(aws)
    assert deployer.deploy(STAGING, older, group=GROUP) == {"result": "UPDATING"}
    assert deployer.status(STAGING, older, group=GROUP)["state"] == "HEALTHY"
    newer = new_package(aws)  # approved while this rollout bakes
    assert deployer.status(STAGING, older, group=GROUP) == {
        "state": "SUPERSEDED",
        "reason": f"{newer} was approved since",
        "latest": newer,
    }
    deployer.deploy(STAGING, newer, group=GROUP)  # the newer rollout takes staging
    assert deployer.status(STAGING, older, group=GROUP)["state"] == "SUPERSEDED"  # not FAILED


def test_a_crafted_event_cannot_name_a_stack_a_parameter_or_a_group(aws):
    arn = new_package(aws)
    crafted = {**STAGING, "stack_name": "ml-platform-prod-data", "parameter_name": "KeyArn"}
    for target in (crafted, -1, 2, "0", True):
        with pytest.raises(deployer.InvalidEvent, match="unknown target"):
            deployer.handler(
                {
                    "action": "deploy",
                    "target": target,
                    "model_package_arn": arn,
                    "model_package_group_name": "someone-elses",
                }
            )
    assert parameters(aws, STAGING["stack_name"])["ModelPackageArn"] == "none"


@pytest.mark.parametrize(
    "foreign",
    [
        f"arn:aws:sagemaker:{REGION}:999999999999:model-package/{GROUP}/1",  # another account's registry
        f"arn:aws:sagemaker:us-east-1:{DEFAULT_ACCOUNT_ID}:model-package/{GROUP}/1",  # another region
        f"arn:aws:sagemaker:{REGION}:{DEFAULT_ACCOUNT_ID}:model-package/other-group/1",  # another group
    ],
)
def test_a_foreign_package_never_deploys(aws, foreign):
    validation = deployer.handler({"action": "validate", "event": event(foreign)})
    assert validation["deploy"] is False and "is not a version of this platform's registry" in validation["reason"]
    with pytest.raises(deployer.NotDeployable, match="not a version of this platform's registry"):
        deployer.handler({"action": "deploy", "target": 0, "model_package_arn": foreign})
    assert parameters(aws, STAGING["stack_name"])["ModelPackageArn"] == "none"


def test_approval_is_checked_again_right_before_the_update(aws):
    arn = new_package(aws)
    assert deployer.handler({"action": "validate", "event": event(arn)})["deploy"] is True
    # Rejected between validation (or staging's rollout, or the prod approval) and this deploy.
    aws["sagemaker"].update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Rejected")
    with pytest.raises(deployer.NotDeployable, match="approval status is now Rejected"):
        deployer.handler({"action": "deploy", "target": 1, "model_package_arn": arn})
    assert parameters(aws, PROD["stack_name"])["ModelPackageArn"] == "none"


def test_an_unapproved_package_in_a_crafted_deploy_step_never_deploys(aws):
    pending = new_package(aws, status="PendingManualApproval")
    with pytest.raises(deployer.NotDeployable, match="approval status is now PendingManualApproval"):
        deployer.handler({"action": "deploy", "target": 0, "model_package_arn": pending})
    assert parameters(aws, STAGING["stack_name"])["ModelPackageArn"] == "none"


def test_a_hung_call_fails_the_step_within_the_functions_timeout(monkeypatch):
    """Every client has standard retries and timeouts whose worst case for one call (each attempt
    waiting out the connect and read timeouts) stays within the deploying function's timeout: a hung
    AWS call raises ``Transient`` for the state machine to retry instead of timing the function out."""
    from constructs_lib.monitoring.deploy_on_approval import _function_timeout

    config = deployer.CLIENT_CONFIG
    assert config.retries["mode"] == "standard"
    attempts = config.retries["total_max_attempts"]
    assert attempts * (config.connect_timeout + config.read_timeout) < _function_timeout().to_seconds()
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)  # Lambda sets it
    client = deployer._client("cloudformation")
    assert (client.meta.config.read_timeout, client.meta.config.connect_timeout) == (
        config.read_timeout,
        config.connect_timeout,
    )
