import json
from typing import NamedTuple

import aws_cdk as cdk
import pytest
from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match, Template

from constructs_lib import (
    ConstructValidationError,
    DeploymentTarget,
    DeployOnApproval,
    EncryptionKey,
    MonitoringAlarms,
    PrivateNetwork,
    ServedModelPackage,
)
from constructs_lib.foundation.private_network import DEFAULT_INTERFACE_ENDPOINTS
from tests.conftest import cfn_lint_errors, compliance_app, nag_findings, new_app, new_stack
from tests.constructs_lib.fakes import FakeEndpoint, FakeModelPackageGroup

ZONES = ["eu-west-1a", "eu-west-1b"]
STAGING = DeploymentTarget(
    stack_name="ml-platform-staging-serving",
    endpoint_name="churn-staging",
    alarm_names=("churn-staging-5xx-rate-AllTraffic",),
)
PROD = DeploymentTarget(
    stack_name="ml-platform-prod-serving",
    endpoint_name="churn-prod",
    alarm_names=("churn-prod-5xx-rate-AllTraffic",),
    requires_approval=True,
    bake_time=Duration.minutes(30),
)


#: What the deployment function calls from isolated subnets, besides the default endpoints.
DEPLOY_ENDPOINTS = (*DEFAULT_INTERFACE_ENDPOINTS, "cloudformation", "states")


def build(stack, interface_endpoints=DEPLOY_ENDPOINTS, network=None, **kwargs) -> DeployOnApproval:
    """``DeployOnApproval`` ``Deploy`` in ``stack``, on a new network there with ``interface_endpoints``
    (or on ``network``)."""
    kwargs.setdefault("targets", [STAGING, PROD])
    kwargs.setdefault("approver_email_addresses", ["approver@example.com"])
    return DeployOnApproval(
        stack,
        "Deploy",
        model_package_group=FakeModelPackageGroup(),
        network=network
        or PrivateNetwork(stack, "Net", availability_zones=ZONES, interface_endpoints=interface_endpoints),
        **kwargs,
    )


class Built(NamedTuple):
    deploy: DeployOnApproval
    approvers: iam.Role
    template: Template
    findings: list[str]


@pytest.fixture(scope="module")
def synthesized() -> Built:
    """A rollout to staging and (approved) prod that alarms to a topic, and an approvers' role granted
    approval (``grant_approve``), in an app with the compliance packs: synthesized once, for the packs'
    findings and the template every other test reads (``Template.from_stack`` reads that assembly)."""
    app = compliance_app()
    stack = new_stack(app)
    topic = sns.Topic(stack, "Alarms", master_key=EncryptionKey(stack, "TopicKey"), enforce_ssl=True)
    deploy = build(stack, alarm_topic=topic)
    approvers = iam.Role(stack, "Approvers", assumed_by=iam.AccountRootPrincipal())
    deploy.grant_approve(approvers)
    findings = nag_findings(app)
    return Built(deploy, approvers, Template.from_stack(stack), findings)


@pytest.fixture(scope="module")
def template(synthesized) -> Template:
    return synthesized.template


@pytest.fixture(scope="module")
def staging_only() -> tuple[DeployOnApproval, Template]:
    """A rollout to staging only (no target requires approval), synthesized once. Its tests only read
    it: ``grant_approve`` refuses before it changes anything."""
    stack = new_stack()
    deploy = build(stack, targets=[STAGING], approver_email_addresses=())
    return deploy, Template.from_stack(stack)


@pytest.fixture(scope="module")
def shared_network() -> PrivateNetwork:
    """A network with the endpoints the function needs, in a stack of its own never synthesized, for
    rollouts that must be rejected (each in a fresh stack ``Test``): ``DeployOnApproval`` validates its
    input before it touches the network."""
    return PrivateNetwork(
        new_stack(construct_id="Shared"), "Net", availability_zones=ZONES, interface_endpoints=DEPLOY_ENDPOINTS
    )


@pytest.fixture(scope="module")
def states(template) -> dict:
    machine = next(iter(template.find_resources("AWS::StepFunctions::StateMachine").values()))
    parts = machine["Properties"]["DefinitionString"]["Fn::Join"][1]
    return json.loads("".join(p if isinstance(p, str) else "REF" for p in parts))["States"]


def test_only_approved_packages_of_the_group_start_a_rollout(template):
    rule = next(iter(template.find_resources("AWS::Events::Rule").values()))["Properties"]
    assert rule["EventPattern"] == {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Model Package State Change"],
        "detail": {"ModelPackageGroupName": ["churn-models"], "ModelApprovalStatus": ["Approved"]},
    }
    target = rule["Targets"][0]
    assert target["Arn"] == {"Ref": next(iter(template.find_resources("AWS::StepFunctions::StateMachine")))}
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 3}
    assert target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0].startswith("DeployDeadLetterQueue")


def test_rule_role_may_start_only_the_state_machine(template):
    policy = next(
        p for k, p in template.find_resources("AWS::IAM::ManagedPolicy").items() if k.startswith("DeployRuleRole")
    )
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Action": "states:StartExecution",
            "Effect": "Allow",
            "Resource": {"Ref": next(iter(template.find_resources("AWS::StepFunctions::StateMachine")))},
        }
    ]


def test_staging_deploys_first_and_prod_only_after_staging_is_healthy_and_approved(states):
    assert states["Target0Deploy"]["Parameters"] == {
        "action": "deploy",
        "target": 0,
        "model_package_arn.$": "$.validation.model_package_arn",
    }
    assert states["Target0Healthy"]["Choices"][2] == {
        "Variable": "$.status0.state",
        "StringEquals": "HEALTHY",
        "Next": "Target0Bake",
    }
    assert states["Target0Bake"]["Seconds"] == 600 and states["Target0Bake"]["Next"] == "Target0Verify"
    assert states["Target0StillHealthy"]["Default"] == "Target0Failed"
    assert states["Target0StillHealthy"]["Choices"][0]["Next"] == "Target1ApprovalRequest"
    request = states["Target1ApprovalRequest"]
    assert request["Resource"].endswith(":states:::sns:publish")  # a notice: no task token in any message
    assert "Token" not in json.dumps(request) and request["Next"] == "Target1Approval"
    approval = states["Target1Approval"]
    assert approval["Resource"] == "REF"  # the approval activity's ARN
    assert approval["TimeoutSeconds"] == 7 * 24 * 3600
    assert approval["Catch"] == [{"ErrorEquals": ["States.ALL"], "Next": "Target1NotApproved"}]
    assert approval["Next"] == "Target1Deploy"
    assert states["Target1Deploy"]["Parameters"]["target"] == 1
    assert states["Target1Bake"]["Seconds"] == 1800


def test_a_busy_stack_is_retried_with_backoff(states):
    retry = [r for r in states["Target0Deploy"]["Retry"] if r["ErrorEquals"] == ["StackBusy"]]
    assert states["Target0Deploy"]["Retry"][0]["ErrorEquals"] != ["StackBusy"]  # transient errors first
    assert retry == [
        {
            "ErrorEquals": ["StackBusy"],
            "IntervalSeconds": 60,
            "MaxAttempts": 8,
            "BackoffRate": 2,
            "MaxDelaySeconds": 900,
            "JitterStrategy": "FULL",
        }
    ]


def test_every_function_step_retries_transient_errors_and_fails_the_rollout_with_the_cause_otherwise(states):
    steps = {
        name: state
        for name, state in states.items()
        if state["Type"] == "Task"
        and "action" in state.get("Parameters", {}).get("Payload", state.get("Parameters", {}))
    }
    assert {"Validate", "Target0Deploy", "Target0Check", "Target0Verify", "Target1Deploy"} <= set(steps)
    for name, step in steps.items():
        transient = step["Retry"][0]
        assert set(transient["ErrorEquals"]) >= {
            "Lambda.TooManyRequestsException",
            "Lambda.ServiceException",
            "Lambda.Unknown",
            "States.Timeout",
            "Transient",
        }, name
        assert transient["BackoffRate"] == 2 and transient["JitterStrategy"] == "FULL" and transient["MaxAttempts"] > 3
        assert step["TimeoutSeconds"] == 120  # the function's own timeout is 60 s
        assert step["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "StepFailed"}]
    assert states["StepFailed"]["Type"] == "Fail" and states["StepFailed"]["ErrorPath"] == "$.failure.Error"
    assert states["StepFailed"]["CausePath"] == "$.failure.Cause"


def test_a_newer_approval_mid_rollout_ends_this_one_as_superseded(states):
    for choice in ("Target0Healthy", "Target0StillHealthy", "Target1Healthy", "Target1StillHealthy"):
        assert {"Variable": f"$.status{choice[6]}.state", "StringEquals": "SUPERSEDED", "Next": "Superseded"} in states[
            choice
        ]["Choices"], choice
    assert states["Superseded"]["Type"] == "Succeed"


def test_rejected_duplicate_or_superseded_packages_deploy_nothing(states):
    assert states["ShouldDeploy"]["Default"] == "NothingToDeploy"
    assert states["NothingToDeploy"]["Type"] == "Succeed"
    assert states["Target0Deployed"]["Choices"][0] == {
        "Variable": "$.deploy0.result",
        "StringEquals": "SUPERSEDED",
        "Next": "Superseded",
    }
    assert states["Target0Failed"] == {
        "Type": "Fail",
        "Comment": "ml-platform-staging-serving did not become healthy",
        "Error": "DeploymentFailed",
        "CausePath": "$.status0.reason",
    }


def _statements(template, prefix: str) -> dict:
    [policy] = [p for k, p in template.find_resources("AWS::IAM::ManagedPolicy").items() if k.startswith(prefix)]
    return {s.get("Sid"): s for s in policy["Properties"]["PolicyDocument"]["Statement"]}


def test_function_updates_only_the_serving_stacks_and_only_with_the_rollout_role(template):
    statements = _statements(template, "DeployDeployerRole")
    role = {
        "Fn::GetAtt": [
            next(k for k in template.find_resources("AWS::IAM::Role") if k.startswith("DeployCloudFormationRole")),
            "Arn",
        ]
    }
    update = statements["UpdateServingStacks"]
    assert update["Action"] == "cloudformation:UpdateStack"
    assert sorted(r["Fn::Join"][1][-1] for r in update["Resource"]) == [
        ":stack/ml-platform-prod-serving/*",
        ":stack/ml-platform-staging-serving/*",
    ]
    assert update["Condition"] == {"ArnEquals": {"cloudformation:RoleArn": role}}
    assert statements["PassStackRoleToCloudFormation"]["Resource"] == role
    assert statements["PassStackRoleToCloudFormation"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}
    }
    assert statements["ReadHealthAlarms"]["Action"] == "cloudwatch:DescribeAlarms"
    assert statements["DescribeEndpoints"]["Action"] == "sagemaker:DescribeEndpoint"
    # Nothing else may be passed or changed.
    actions = {a for s in statements.values() for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert not {
        a
        for a in actions
        if a.startswith(("iam:", "cloudformation:"))
        and a not in {"iam:PassRole", "cloudformation:UpdateStack", "cloudformation:DescribeStacks"}
    }


def test_the_rollout_role_may_change_only_the_serving_stacks_models_and_endpoints(template):
    [trust] = [
        r["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        for k, r in template.find_resources("AWS::IAM::Role").items()
        if k.startswith("DeployCloudFormationRole")
    ]
    assert trust[0]["Principal"] == {"Service": "cloudformation.amazonaws.com"}
    assert "Condition" not in trust[0]  # CloudFormation documents no source keys for service roles
    statements = _statements(template, "DeployCloudFormationRole")
    actions = sorted(
        {a for s in statements.values() for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    )
    assert actions == sorted(
        [
            "application-autoscaling:DescribeScalableTargets",
            "cloudformation:DescribeStackEvents",
            "cloudformation:DescribeStackResources",
            "cloudformation:DescribeStacks",
            "cloudformation:GetTemplate",
            "cloudformation:UpdateStack",
            "cloudwatch:DescribeAlarms",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeSubnets",
            "ec2:DescribeVpcs",
            "iam:PassRole",
            "kms:CreateGrant",
            "kms:DescribeKey",
            "lambda:InvokeFunction",
            "s3:GetObject",
            "sagemaker:AddTags",
            "sagemaker:CreateEndpointConfig",
            "sagemaker:CreateModel",
            "sagemaker:DeleteEndpointConfig",
            "sagemaker:DeleteModel",
            "sagemaker:DeleteTags",
            "sagemaker:DescribeEndpoint",
            "sagemaker:DescribeEndpointConfig",
            "sagemaker:DescribeModel",
            "sagemaker:ListTags",
            "sagemaker:UpdateEndpoint",
        ]
    )  # no IAM write, no other service's write
    assert sorted(r["Fn::Join"][1][-1] for r in statements["UpdateNestedModelStacks"]["Resource"]) == [
        ":stack/ml-platform-prod-serving-*/*",
        ":stack/ml-platform-staging-serving-*/*",
    ]
    assert sorted(r["Fn::Join"][1][-1] for r in statements["UpdateEndpoints"]["Resource"]) == [
        ":endpoint/churn-prod",
        ":endpoint/churn-staging",
    ]
    assert statements["PassModelRoles"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
    }
    assert statements["InvokeServedModelRecords"]["Condition"] == {
        "StringEquals": {
            "aws:ResourceTag/constructs-lib:served-model-record": [
                "ml-platform-staging-serving",
                "ml-platform-prod-serving",
            ]
        }
    }
    assert statements["EncryptEndpointVolumes"]["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": "true"}


def test_the_rollout_role_can_make_the_calls_cloudformation_makes_for_a_rollout(template):
    """What CloudFormation calls with the role when a new package replaces the models and endpoint
    configurations of a serving stack and updates its endpoints (the handler permissions of the
    resource schemas in cfn-lint), evaluated against the synthesized policy."""
    from tests.iam_eval import Request, allowed

    statements = [s for s in _statements(template, "DeployCloudFormationRole").values()]
    sagemaker, key = "arn:aws:sagemaker:eu-west-1:<AWS::AccountId>", "arn:aws:kms:eu-west-1:<AWS::AccountId>:key/k"
    via = {"kms:ViaService": "sagemaker.eu-west-1.amazonaws.com"}
    calls = [
        Request("sagemaker:UpdateEndpoint", f"{sagemaker}:endpoint/churn-staging"),
        Request("sagemaker:UpdateEndpoint", f"{sagemaker}:endpoint-config/endpointconfig-abc"),
        Request("sagemaker:CreateEndpointConfig", f"{sagemaker}:endpoint-config/endpointconfig-abc"),
        Request("kms:DescribeKey", key, via),
        Request("kms:CreateGrant", key, {**via, "kms:GrantIsForAWSResource": "true"}),
    ]
    for call in calls:
        assert allowed(statements, call), call
    pass_self = [s for s in statements if s.get("Sid") == "PassItselfToNestedStacks"]
    assert pass_self and pass_self[0]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}
    }
    assert pass_self[0]["Resource"]["Fn::GetAtt"][0].startswith("DeployCloudFormationRole")  # itself only
    # and nothing beyond: no endpoint outside the targets, no KMS use outside SageMaker
    assert not allowed(statements, Request("sagemaker:UpdateEndpoint", f"{sagemaker}:endpoint/someone-else"))
    assert not allowed(statements, Request("kms:DescribeKey", key, {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}))


def test_the_function_reads_its_targets_and_registry_from_its_configuration(template):
    [function] = [
        f["Properties"]
        for f in template.find_resources("AWS::Lambda::Function").values()
        if "DEPLOYMENT_TARGETS" in json.dumps(f["Properties"].get("Environment", {}))
    ]
    variables = function["Environment"]["Variables"]
    assert variables["MODEL_PACKAGE_GROUP"] == "churn-models"
    assert json.loads(variables["DEPLOYMENT_TARGETS"]) == [STAGING.payload(), PROD.payload()]
    assert ":model-package/churn-models/" in json.dumps(variables["MODEL_PACKAGE_ARN_PREFIX"])
    assert variables["CLOUDFORMATION_ROLE_ARN"]["Fn::GetAtt"][0].startswith("DeployCloudFormationRole")


def test_function_runs_in_the_vpc_with_reserved_concurrency_and_encrypted_logs(template):
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "ReservedConcurrentExecutions": 2,
            "VpcConfig": Match.object_like({"SecurityGroupIds": Match.any_value()}),
            "DeadLetterConfig": Match.any_value(),
            "LoggingConfig": Match.object_like({"LogGroup": Match.any_value()}),
        },
    )
    for group in template.find_resources("AWS::Logs::LogGroup").values():
        assert (
            "KmsKeyId" in group["Properties"]
            and group["Properties"]["RetentionInDays"] == 365
            or "FlowLog" in json.dumps(group)
        )


def test_state_machine_logs_traces_and_times_out_without_execution_data(template):
    template.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {
            "TracingConfiguration": {"Enabled": True},
            "LoggingConfiguration": Match.object_like({"Level": "ALL", "IncludeExecutionData": False}),
        },
    )


def test_failed_rollouts_alarm_to_the_given_topic(template):
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Metrics": Match.array_with([Match.object_like({"Expression": "failed + timedout"})]),
            "AlarmActions": [{"Ref": Match.string_like_regexp("^Alarms")}],
        },
    )


def test_only_a_role_with_the_approver_policy_can_approve(synthesized, template):
    deploy = synthesized.deploy
    [activity] = template.find_resources("AWS::StepFunctions::Activity")
    policy = next(
        p for k, p in template.find_resources("AWS::IAM::ManagedPolicy").items() if k.startswith("DeployApproverPolicy")
    )
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Sid": "TakeApprovalTasks1",
            "Effect": "Allow",
            "Action": "states:GetActivityTask",
            "Resource": {"Ref": activity},
        },
        {
            "Sid": "AnswerApprovalTasks1",
            "Effect": "Allow",
            "Action": ["states:SendTaskFailure", "states:SendTaskSuccess"],
            "Resource": {"Ref": activity},
        },
    ]
    assert list(deploy.approval_activities) == ["ml-platform-prod-serving"]
    # Nobody else: the state machine and the function get no activity permissions.
    for key, other in template.find_resources("AWS::IAM::ManagedPolicy").items():
        if not key.startswith("DeployApproverPolicy"):
            assert "states:GetActivityTask" not in json.dumps(other) and "SendTaskSuccess" not in json.dumps(other)


def test_grant_approve_attaches_the_approver_policy(synthesized, staging_only):
    """The ``synthesized`` fixture grants its ``Approvers`` role approval."""
    template = synthesized.template
    [role] = [r for k, r in template.find_resources("AWS::IAM::Role").items() if k.startswith("Approvers")]
    assert role["Properties"]["ManagedPolicyArns"] == [
        {
            "Ref": next(
                k for k in template.find_resources("AWS::IAM::ManagedPolicy") if k.startswith("DeployApproverPolicy")
            )
        }
    ]
    deploy, _ = staging_only
    with pytest.raises(ConstructValidationError, match="no target requires approval"):
        deploy.grant_approve(synthesized.approvers)


def test_approvers_subscribe_to_an_encrypted_approval_topic(template):
    template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "approver@example.com"}
    )
    for topic in template.find_resources("AWS::SNS::Topic").values():
        assert "KmsMasterKeyId" in topic["Properties"]


def test_no_approval_topic_when_no_target_needs_approval(staging_only):
    deploy, template = staging_only
    assert deploy.approval_topic is None
    template.resource_count_is("AWS::SNS::Topic", 0)


def test_target_from_constructs_reads_their_names():
    stack = cdk.Stack(new_app(), "Serving", env=cdk.Environment(region="eu-west-1"), stack_name="ml-serving")
    endpoint = FakeEndpoint(stack, "E", endpoint_name="churn")
    alarms = MonitoringAlarms(stack, "Alarms", endpoint=endpoint, alarm_name_prefix="churn")
    target = DeploymentTarget.of(stack, endpoint, alarms=alarms, requires_approval=True)
    assert target.stack_name == "ml-serving" and target.endpoint_name == "churn"
    assert target.alarm_names == ("churn-5xx-rate-AllTraffic", "churn-model-latency-AllTraffic")


def test_is_compliant_under_the_nag_packs(synthesized):
    assert synthesized.findings == []


def test_template_passes_cfn_lint(template):
    assert cfn_lint_errors(template) == []


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"targets": []}, "targets=0: give 1 to 5 deployment targets"),
        ({"targets": [STAGING, STAGING]}, "targets (stack names)=['ml-platform-staging-serving']"),
        ({"targets": [DeploymentTarget(stack_name="1bad", endpoint_name="e")]}, "targets[0].stack_name='1bad'"),
        (
            {"targets": [DeploymentTarget(stack_name="s", endpoint_name="e", parameter_name="Model-Arn")]},
            "targets[0].parameter_name='Model-Arn'",
        ),
        (
            {"targets": [DeploymentTarget(stack_name="s", endpoint_name="e", region="us-east-1")]},
            "targets[0].region='us-east-1': must be this stack's region (eu-west-1)",
        ),
        (
            {"targets": [STAGING], "approver_email_addresses": ["a@example.com"]},
            "approver_email_addresses=['a@example.com']: no target",
        ),
        ({"poll_interval": Duration.seconds(1)}, "poll_interval (seconds)=1"),
        ({"cdk_qualifier": "Has Spaces"}, "cdk_qualifier='Has Spaces'"),
    ],
)
def test_rejects_invalid_input(shared_network, kwargs, message):
    with pytest.raises(ConstructValidationError) as error:
        build(new_stack(), network=shared_network, **kwargs)
    assert "DeployOnApproval 'Test/Deploy' has invalid input" in str(error.value) and message in str(error.value)


def test_fails_when_the_isolated_vpc_lacks_the_endpoints_the_function_calls():
    from aws_cdk.assertions import Annotations

    with pytest.raises(ConstructValidationError, match="cloudformation"):
        build(
            new_stack(), interface_endpoints=DEFAULT_INTERFACE_ENDPOINTS, targets=[STAGING], approver_email_addresses=()
        )
    quiet = new_stack()
    DeployOnApproval(
        quiet,
        "Deploy",
        model_package_group=FakeModelPackageGroup(),
        targets=[STAGING],
        network=PrivateNetwork(
            quiet,
            "Net",
            availability_zones=ZONES,
            interface_endpoints=["sagemaker.api", "monitoring", "logs", "kms", "cloudformation", "states"],
        ),
    )
    assert Annotations.from_stack(quiet).find_warning("/Test/Deploy", Match.any_value()) == []


def _served_model_package(stack, **network_kwargs) -> ServedModelPackage:
    network_kwargs.setdefault("interface_endpoints", ["cloudformation"])
    param = cdk.CfnParameter(stack, "ModelPackageArn", type="String", default="")
    return ServedModelPackage(
        stack,
        "Served",
        requested=param.value_as_string,
        model_package_group_name="Churn-Models",
        network=PrivateNetwork(stack, "Net", availability_zones=ZONES, **network_kwargs),
        encryption_key=EncryptionKey(stack, "Key"),
    )


def test_served_model_package_records_the_requested_package_of_this_registry_only():
    stack = new_stack()
    served = _served_model_package(stack, interface_endpoints=["cloudformation"])
    template = Template.from_stack(stack)
    [record] = template.find_resources("Custom::ServedModelPackage").values()
    props = record["Properties"]
    assert props["Requested"] == {"Ref": "ModelPackageArn"} and props["Initial"] == "none"
    prefix = json.dumps(props["RegistryArnPrefix"])
    assert ":model-package/churn-models/" in prefix and "AWS::AccountId" in prefix and ":eu-west-1:" in prefix
    [logical_id] = template.find_resources("Custom::ServedModelPackage")
    assert stack.resolve(served.model_package_arn) == {"Fn::GetAtt": [logical_id, "ModelPackageArn"]}
    policy = next(p for k, p in template.find_resources("AWS::IAM::ManagedPolicy").items() if k.startswith("Served"))
    statements = {s.get("Sid"): s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert statements["TellRollbacks"] == {
        "Sid": "TellRollbacks",
        "Effect": "Allow",
        "Action": "cloudformation:DescribeStacks",
        "Resource": {"Ref": "AWS::StackId"},
    }
    assert set(statements) == {
        "TellRollbacks",
        "WriteOwnLogs",
        "AttachToVpcDescribe",
        "AttachToVpcCreateInterfaces",
        "AttachToVpcManageInterfaces",
        None,
    }  # None: key use
    template.has_resource_properties(
        "AWS::Lambda::Function", {"Handler": "served_model.handler", "ReservedConcurrentExecutions": 1}
    )
    assert cfn_lint_errors(template) == []


def test_served_model_package_fails_without_the_cloudformation_endpoint():
    with pytest.raises(ConstructValidationError, match="'cloudformation' interface"):
        _served_model_package(new_stack(), interface_endpoints=[])


def test_served_model_package_is_compliant_under_the_nag_packs():
    app = compliance_app()
    _served_model_package(new_stack(app), interface_endpoints=["cloudformation"])
    assert nag_findings(app) == []
