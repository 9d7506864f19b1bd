from typing import NamedTuple

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from constructs_lib import ConstructValidationError, EncryptionKey, PrivateNetwork, SecureBucket, StudioExecutionRole
from constructs_lib.studio.studio_execution_role import (
    INTER_CONTAINER_ENCRYPTION_GUARDED_ACTIONS,
    NETWORK_ISOLATION_GUARDED_ACTIONS,
    VOLUME_KEY_GUARDED_ACTIONS,
    VPC_GUARDED_ACTIONS,
)
from tests.conftest import compliance_app, nag_findings, new_stack
from tests.iam_eval import Request, allowed

AZS = ["eu-west-1a", "eu-west-1b"]


def _role(stack, network=None, volume_key=None, **kwargs) -> StudioExecutionRole:
    """A ``StudioExecutionRole`` ``Role`` in ``stack``, on a new network and key there (or on
    ``network`` and ``volume_key``)."""
    kwargs.setdefault("name_prefix", "ml-platform-dev")
    return StudioExecutionRole(
        stack,
        "Role",
        network=network or PrivateNetwork(stack, "Net", availability_zones=AZS),
        volume_key=volume_key or EncryptionKey(stack, "Key"),
        **kwargs,
    )


@pytest.fixture(scope="module")
def statements() -> dict:
    """A role given a bucket, a read-only bucket and a Studio domain, synthesized here, before any test
    gets it: its template, role and policy are only read. Its network and key are ``dependencies``."""
    stack = new_stack()
    data = SecureBucket(stack, "Data")
    reference = SecureBucket(stack, "Reference")
    network, key = PrivateNetwork(stack, "Net", availability_zones=AZS), EncryptionKey(stack, "Key")
    role = _role(stack, network=network, volume_key=key, buckets=[data], read_only_buckets=[reference])
    role.allow_studio_domain("d-abc123")
    template = Template.from_stack(stack)
    policy = _role_policy(template)
    (role_resource,) = template.find_resources(
        "AWS::IAM::Role",
        {
            "Properties": {
                "AssumeRolePolicyDocument": {"Statement": [{"Principal": {"Service": "sagemaker.amazonaws.com"}}]}
            }
        },
    ).values()
    return {
        "all": policy["Properties"]["PolicyDocument"]["Statement"],
        "role": role_resource,
        "template": template,
        "construct": role,
        "dependencies": (network, key),
    }


@pytest.fixture(scope="module")
def dependencies(statements) -> tuple[PrivateNetwork, EncryptionKey]:
    """The network and key the bad-input tests build their role on, in a fresh stack each. Safe to
    share: the checks read only the arguments and the number of the network's subnets and security
    groups, and raise before the role reads or grants anything of the two; rejected roles stay in the
    fresh stacks, which are never synthesized."""
    return statements["dependencies"]


class Asked(NamedTuple):
    role: StudioExecutionRole
    stack: cdk.Stack
    template: Template
    prefix: str


@pytest.fixture(scope="module")
def asked() -> Asked:
    """A role with every option asked for: network isolation and inter-container encryption, a further
    metric namespace, a bucket granted under a prefix (``Scratch``), a queue granted to the role itself,
    and a name prefix known only at deploy time (a parameter). Synthesized here, before any test gets
    it: only read. The options touch separate statements (denies, metrics, S3, SQS)."""
    from aws_cdk import CfnParameter
    from aws_cdk import aws_sqs as sqs

    stack = new_stack()
    prefix = CfnParameter(stack, "Prefix").value_as_string
    role = _role(
        stack,
        name_prefix=prefix,
        require_network_isolation=True,
        require_inter_container_encryption=True,
        metric_namespaces=["ml-platform/dev/experiments"],
    )
    role.grant_bucket(SecureBucket(stack, "Scratch"), prefix="scratch/")
    queue = sqs.Queue(stack, "Queue", enforce_ssl=True)
    queue.grant_send_messages(role)
    return Asked(role, stack, Template.from_stack(stack), prefix)


def _role_policy(template: Template) -> dict:
    (policy,) = [
        p for k, p in template.find_resources("AWS::IAM::ManagedPolicy").items() if k.startswith("RolePermissions")
    ]
    return policy


def _denies(statements) -> dict[str, dict]:
    return {s["Sid"]: s for s in statements["all"] if s["Effect"] == "Deny"}


def _allows(statements) -> list[dict]:
    return [s for s in statements["all"] if s["Effect"] == "Allow"]


def _refs(value) -> set[str]:
    """Logical ids referenced (GetAtt) anywhere in ``value``."""
    if isinstance(value, dict):
        found = {value["Fn::GetAtt"][0]} if "Fn::GetAtt" in value else set()
        return found.union(*(_refs(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_refs(v) for v in value))
    return set()


def _actions(statement) -> list[str]:
    return [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]


def test_jobs_and_models_without_vpc_subnets_or_security_groups_are_denied(statements):
    denies = _denies(statements)
    assert denies["DenyJobsWithoutVpcSubnets"]["Condition"] == {"Null": {"sagemaker:VpcSubnets": "true"}}
    assert denies["DenyJobsWithoutVpcSecurityGroups"]["Condition"] == {
        "Null": {"sagemaker:VpcSecurityGroupIds": "true"}
    }
    for sid in ("DenyJobsWithoutVpcSubnets", "DenyJobsWithoutVpcSecurityGroups"):
        assert sorted(_actions(denies[sid])) == sorted(VPC_GUARDED_ACTIONS)
        assert denies[sid]["Resource"] == "*"


def test_jobs_in_any_other_subnet_or_security_group_are_denied(statements):
    denies = _denies(statements)
    subnets = denies["DenyJobsInOtherSubnets"]["Condition"]["ForAnyValue:StringNotEquals"]["sagemaker:VpcSubnets"]
    assert [s["Ref"][:20] for s in subnets] == ["NetVpcPrivateSubnet1", "NetVpcPrivateSubnet2"]
    groups = denies["DenyJobsInOtherSecurityGroups"]["Condition"]["ForAnyValue:StringNotEquals"][
        "sagemaker:VpcSecurityGroupIds"
    ]
    assert groups == [{"Fn::GetAtt": [groups[0]["Fn::GetAtt"][0], "GroupId"]}]
    assert groups[0]["Fn::GetAtt"][0].startswith("NetWorkloadSecurityGroup")


def test_jobs_without_the_platform_volume_key_are_denied(statements):
    denies = _denies(statements)
    assert denies["DenyJobsWithoutVolumeKey"]["Condition"] == {"Null": {"sagemaker:VolumeKmsKey": "true"}}
    other = denies["DenyJobsWithOtherVolumeKeys"]["Condition"]["StringNotEquals"]["sagemaker:VolumeKmsKey"]
    assert other[0]["Fn::GetAtt"][0].startswith("Key")
    assert sorted(_actions(denies["DenyJobsWithoutVolumeKey"])) == sorted(VOLUME_KEY_GUARDED_ACTIONS)
    assert "sagemaker:CreateTransformJob" in VOLUME_KEY_GUARDED_ACTIONS
    # Transform jobs carry no VPC keys (they run in their model's VPC): a Null deny would block them all.
    assert "sagemaker:CreateTransformJob" not in VPC_GUARDED_ACTIONS


def test_network_isolation_and_inter_container_encryption_are_not_forced_unless_asked(statements):
    assert not {"DenyJobsWithoutNetworkIsolation", "DenyJobsWithoutInterContainerEncryption"} & set(_denies(statements))


def test_network_isolation_and_inter_container_encryption_when_asked(asked):
    role = asked.role
    policy = _role_policy(asked.template)
    denies = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"}
    assert denies["DenyJobsWithoutNetworkIsolation"]["Condition"] == {
        "BoolIfExists": {"sagemaker:NetworkIsolation": "false"}
    }
    assert sorted(_actions(denies["DenyJobsWithoutNetworkIsolation"])) == sorted(NETWORK_ISOLATION_GUARDED_ACTIONS)
    assert denies["DenyJobsWithoutInterContainerEncryption"]["Condition"] == {
        "BoolIfExists": {"sagemaker:InterContainerTrafficEncryption": "false"}
    }
    assert sorted(_actions(denies["DenyJobsWithoutInterContainerEncryption"])) == sorted(
        INTER_CONTAINER_ENCRYPTION_GUARDED_ACTIONS
    )
    assert role.role_arn


def test_no_wildcard_actions_no_aws_managed_policies(statements):
    for statement in _allows(statements):
        assert not any("*" in action for action in _actions(statement)), statement
    assert "ManagedPolicyArns" not in statements["role"]["Properties"]


def test_only_the_given_buckets_are_reachable_and_the_read_only_one_is_read_only(statements):
    s3 = [s for s in _allows(statements) if any(a.startswith("s3:") for a in _actions(s))]
    assert {ref[:-8] for s in s3 for ref in _refs(s["Resource"])} == {"Data", "Reference"}
    writes = [s for s in s3 if "s3:PutObject" in _actions(s)]
    assert [{ref[:-8] for ref in _refs(s["Resource"])} for s in writes] == [{"Data"}]


def test_the_role_may_pass_only_itself_and_only_to_sagemaker(statements):
    (pass_role,) = [s for s in _allows(statements) if "iam:PassRole" in _actions(s)]
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    assert pass_role["Resource"]["Fn::GetAtt"][1] == "Arn"


def test_studio_self_service_is_limited_to_its_domain(statements):
    (studio,) = [s for s in _allows(statements) if "sagemaker:CreateApp" in _actions(s)]
    assert all("d-abc123/*" in r["Fn::Join"][1][-1] for r in studio["Resource"])


def test_sagemaker_assumes_the_role_and_sets_the_source_identity(statements):
    trust = statements["role"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    actions = {a for s in trust for a in _actions(s)}
    assert actions == {"sts:AssumeRole", "sts:SetSourceIdentity"}
    assert all(s["Principal"] == {"Service": "sagemaker.amazonaws.com"} for s in trust)


def test_compliant_with_each_wildcard_acknowledged_on_its_own():
    app = compliance_app()
    stack = new_stack(app)
    role = _role(stack, buckets=[SecureBucket(new_stack(app, "Data"), "Data")])
    role.allow_studio_domain("d-abc123")
    assert nag_findings(app) == []


def test_canary_an_unexplained_wildcard_on_the_same_policy_is_still_reported():
    app = compliance_app()
    stack = new_stack(app)
    role = _role(stack)
    role.role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::x/*"]))
    assert nag_findings(app) == [
        "AwsSolutions-IAM5[Resource::arn:aws:s3:::x/*] at Test/Role/Resource/Permissions/Resource"
    ]


def test_rejects_missing_network_placement(dependencies):
    from types import SimpleNamespace

    stack = new_stack()
    empty = SimpleNamespace(subnets=[], security_groups=[])  # an INetwork placing nothing
    _, key = dependencies
    with pytest.raises(ConstructValidationError) as error:
        StudioExecutionRole(
            stack,
            "Role",
            network=empty,
            volume_key=key,
            name_prefix="ml-platform-dev",
        )
    assert "network.subnets=0: must list 1 to 16 subnets" in str(error.value)
    assert "network.security_groups=0: must list 1 to 5 security groups" in str(error.value)


def test_a_wildcard_shared_by_several_statements_is_acknowledged_with_every_reason(statements):
    """The acknowledgments are added when the stack is synthesized: ``statements`` has been."""
    from aws_cdk import Validations

    role = statements["construct"]
    data = [m.data for m in role.policy.node.metadata if m.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY]
    reasons = {rule.split("::", 1)[-1]: reason for entry in data for rule, reason in entry.items()}
    everything = reasons["AwsSolutions-IAM5[Resource::*]"]
    assert "List*" in everything and "PutMetricData" in everything and "GetAuthorizationToken" in everything


def test_the_role_construct_is_a_grantee_itself(asked):
    """``asked`` grants its queue to the role construct."""
    role, stack = asked.role, asked.stack
    document = stack.resolve(role.policy.node.default_child.policy_document)
    assert any("sqs:SendMessage" in s.get("Action", []) for s in document["Statement"])


def test_transform_jobs_are_denied_on_models_not_named_with_the_prefix(statements):
    deny = _denies(statements)["DenyTransformJobsOnOtherModels"]
    assert _actions(deny) == ["sagemaker:CreateTransformJob"]
    (pattern,) = [deny["Condition"]["ArnNotLike"]["sagemaker:ModelArn"]]
    assert pattern["Fn::Join"][1][-1].endswith(":model/ml-platform-dev-*")
    # The models it may run are the ones it may create, and those are VPC-guarded.
    assert "sagemaker:CreateModel" in VPC_GUARDED_ACTIONS


def test_jobs_models_and_logs_are_scoped_to_the_name_prefix(statements):
    from constructs_lib._core.wildcards import flatten_cfn_reference

    patterns = {
        flatten_cfn_reference(r)
        for s in _allows(statements)
        for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    }
    sagemaker = {p.rsplit(":", 1)[-1] for p in patterns if ":sagemaker:" in p and "*" in p}
    assert sagemaker == {
        f"{kind}/ml-platform-dev-*"
        for kind in ("training-job", "processing-job", "transform-job", "hyper-parameter-tuning-job", "model")
    } | {f"{kind}/d-abc123/*" for kind in ("user-profile", "space", "app")}
    streams = {p.split("log-group:", 1)[1] for p in patterns if ":log-stream:" in p}
    assert streams == {
        "/aws/sagemaker/TrainingJobs:log-stream:ml-platform-dev-*",
        "/aws/sagemaker/ProcessingJobs:log-stream:ml-platform-dev-*",
        "/aws/sagemaker/TransformJobs:log-stream:ml-platform-dev-*",
        "/aws/sagemaker/Endpoints/ml-platform-dev-*:log-stream:*",
        "/aws/sagemaker/studio:log-stream:d-abc123/*",
    }


def test_metrics_only_to_the_jobs_namespaces_and_the_ones_given(asked):
    policy = _role_policy(asked.template)
    (metrics,) = [
        s for s in policy["Properties"]["PolicyDocument"]["Statement"] if "cloudwatch:PutMetricData" in _actions(s)
    ]
    assert metrics["Condition"] == {
        "StringEquals": {
            "cloudwatch:namespace": [
                "/aws/sagemaker/TrainingJobs",
                "/aws/sagemaker/ProcessingJobs",
                "/aws/sagemaker/TransformJobs",
                "ml-platform/dev/experiments",
            ]
        }
    }


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name_prefix": "ML-Platform-dev"}, "name_prefix='ML-Platform-dev': must be 1-40 lowercase"),
        ({"name_prefix": "dev-"}, "name_prefix='dev-'"),
        ({"name_prefix": "x" * 41}, "name_prefix='xxxx"),
        ({"metric_namespaces": ["AWS/SageMaker"]}, "metric_namespaces='AWS/SageMaker': must be CloudWatch namespaces"),
        ({"metric_namespaces": ["/aws/sagemaker/Endpoints"]}, "metric_namespaces='/aws/sagemaker/Endpoints'"),
    ],
)
def test_rejects_a_bad_name_prefix_or_a_namespace_autoscaling_follows(dependencies, kwargs, message):
    network, key = dependencies
    with pytest.raises(ConstructValidationError) as error:
        _role(new_stack(), network=network, volume_key=key, **kwargs)
    assert message in str(error.value)


def test_an_unresolved_name_prefix_is_accepted(asked):
    """``asked``'s name prefix is a parameter's value: the role was built, and synthesized, with it."""
    assert asked.role.name_prefix == asked.prefix
    assert asked.role.model_arn_pattern.endswith(f":model/{asked.prefix}-*")


def test_a_prefix_grant_lists_and_writes_only_under_the_prefix(asked):
    template = asked.template
    statements = _role_policy(template)["Properties"]["PolicyDocument"]["Statement"]
    [bucket] = [k for k in template.find_resources("AWS::S3::Bucket") if k.startswith("Scratch") and "Logs" not in k]
    arn = f"<{bucket}.Arn>"
    assert allowed(statements, Request("s3:ListBucket", arn, {"s3:prefix": "scratch/run-1/"}))
    assert allowed(statements, Request("s3:GetBucketLocation", arn))
    assert allowed(statements, Request("s3:PutObject", f"{arn}/scratch/run-1/out.csv"))
    assert not allowed(statements, Request("s3:ListBucket", arn, {"s3:prefix": "raw/"}))
    assert not allowed(statements, Request("s3:ListBucket", arn))
    assert not allowed(statements, Request("s3:GetObject", f"{arn}/raw/customers.csv"))
