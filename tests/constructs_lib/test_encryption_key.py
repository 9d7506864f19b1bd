import pytest
from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match, Template
from constructs import Construct

from constructs_lib import ConstructValidationError, EncryptionKey
from tests.conftest import compliance_app, jsii_requests, nag_findings, new_stack


@pytest.fixture(scope="module")
def template() -> Template:
    stack = new_stack()
    EncryptionKey(stack, "Key", alias="alias/ml/test")
    return Template.from_stack(stack)


def test_key_rotates_yearly_and_is_retained(template):
    template.has_resource(
        "AWS::KMS::Key",
        {
            "Properties": Match.object_like({"EnableKeyRotation": True, "PendingWindowInDays": 30}),
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_key_has_alias(template):
    template.has_resource_properties("AWS::KMS::Alias", {"AliasName": "alias/ml/test"})


def test_key_policy_lets_cloudwatch_logs_of_this_region_encrypt_log_groups(template):
    template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Sid": "AllowCloudWatchLogs",
                                "Principal": {"Service": "logs.eu-west-1.amazonaws.com"},
                                "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": Match.any_value()}},
                            }
                        )
                    ]
                )
            }
        },
    )


def test_key_policy_pins_service_principals_to_the_account(template):
    template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Principal": {"Service": "events.amazonaws.com"},
                                "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
                            }
                        )
                    ]
                )
            }
        },
    )


def test_destroy_is_an_explicit_opt_in():
    stack = new_stack()
    EncryptionKey(stack, "Key", removal_policy=RemovalPolicy.DESTROY, pending_window=Duration.days(7))
    Template.from_stack(stack).has_resource("AWS::KMS::Key", {"DeletionPolicy": "Delete"})


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"alias": "ml/no-prefix"}, "alias='ml/no-prefix'"),
        ({"alias": "alias/aws/s3"}, "alias='alias/aws/s3'"),
        ({"pending_window": Duration.days(3)}, "pending_window (days)=3"),
        ({"service_principals": ["events"]}, "service_principals='events'"),
    ],
)
def test_rejects_invalid_input(kwargs, message):
    with pytest.raises(ConstructValidationError) as error:
        EncryptionKey(new_stack(), "Key", **kwargs)
    assert "EncryptionKey 'Test/Key'" in str(error.value)
    assert message in str(error.value)


def test_is_compliant_under_the_nag_packs():
    app = compliance_app()
    EncryptionKey(new_stack(app), "Key")
    assert nag_findings(app) == []


def test_cloudwatch_logs_may_keep_reading_older_events_but_write_nothing_new():
    stack = new_stack()
    key = EncryptionKey(stack, "Key", allow_cloudwatch_logs=False, service_principals=())
    key.allow_cloudwatch_logs_to_decrypt()
    statements = next(iter(Template.from_stack(stack).find_resources("AWS::KMS::Key").values()))["Properties"][
        "KeyPolicy"
    ]["Statement"]
    logs = [s for s in statements if "Service" in s.get("Principal", {})]
    assert len(logs) == 1
    assert logs[0]["Principal"]["Service"] == "logs.eu-west-1.amazonaws.com"
    assert logs[0]["Action"] == "kms:Decrypt"
    assert "kms:EncryptionContext:aws:logs:arn" in logs[0]["Condition"]["ArnLike"]


def test_a_service_can_be_pinned_to_its_source_resources():
    stack = new_stack()
    key = EncryptionKey(stack, "Key", service_principals=())
    key.allow_service("events.amazonaws.com", source_arn="arn:aws:events:eu-west-1:111111111111:rule/r")
    Template.from_stack(stack).has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Principal": {"Service": "events.amazonaws.com"},
                                "Condition": {
                                    "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                                    "ArnEquals": {"aws:SourceArn": "arn:aws:events:eu-west-1:111111111111:rule/r"},
                                },
                            }
                        )
                    ]
                )
            }
        },
    )


# ---------------------------------------------------------------------------------------------------
# A kms.Key: aws-cdk-lib's own constructs take it as their key


def test_aws_cdk_constructs_take_an_encryption_key_as_their_key():
    stack = new_stack()
    key = EncryptionKey(stack, "Key")
    assert isinstance(key, kms.Key)
    s3.Bucket(stack, "Bucket", encryption_key=key, enforce_ssl=True)
    sqs.Queue(stack, "Queue", encryption_master_key=key, enforce_ssl=True)
    logs.LogGroup(stack, "Logs", encryption_key=key)
    template = Template.from_stack(stack)
    key_id = Stack.of(key).resolve(key.key_arn)["Fn::GetAtt"][0]
    arn = {"Fn::GetAtt": [key_id, "Arn"]}
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    Match.object_like(
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": arn}}
                    )
                ]
            }
        },
    )
    template.has_resource_properties("AWS::SQS::Queue", {"KmsMasterKeyId": arn})
    template.has_resource_properties("AWS::Logs::LogGroup", {"KmsKeyId": arn})


def test_cdk_grants_on_the_key_are_the_kms_keys_own():
    stack = new_stack()
    key = EncryptionKey(stack, "Key")
    role = iam.Role(stack, "User", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    key.grant_decrypt(role)
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Policy",
        {"PolicyDocument": {"Statement": [Match.object_like({"Action": "kms:Decrypt", "Effect": "Allow"})]}},
    )


def test_key_and_alias_keep_the_logical_ids_of_0_1():
    old = new_stack(construct_id="Old")
    kms.Key(Construct(old, "PlatformKey"), "Resource", alias="alias/ml/dev")
    new = new_stack(construct_id="New")
    EncryptionKey(new, "PlatformKey", alias="alias/ml/dev")
    ids = {lid: r["Type"] for lid, r in Template.from_stack(new).to_json()["Resources"].items()}
    assert ids == {lid: r["Type"] for lid, r in Template.from_stack(old).to_json()["Resources"].items()}
    assert ids == {"PlatformKey205D0CA7": "AWS::KMS::Key", "PlatformKeyAliasF828E876": "AWS::KMS::Alias"}


def _key_policy_sids(stack: Stack) -> list[str]:
    (key,) = Template.from_stack(stack).find_resources("AWS::KMS::Key").values()
    return [s.get("Sid", "") for s in key["Properties"]["KeyPolicy"]["Statement"]]


def test_the_keys_own_statements_and_anyone_elses_share_the_key_policy_in_order():
    """The key's own statements go straight to the key policy; one added through
    ``add_to_resource_policy`` afterwards lands after them, as it did when every one went through it."""
    stack = new_stack()
    key = EncryptionKey(stack, "Key", service_principals=("events.amazonaws.com",))
    mine = iam.PolicyStatement(sid="Mine", actions=["kms:Decrypt"], resources=["*"])
    mine.add_account_root_principal()
    key.add_to_resource_policy(mine)
    key.allow_service("sns.amazonaws.com")
    sids = _key_policy_sids(stack)
    assert sids[-4:] == ["AllowCloudWatchLogs", "AllowEvents", "Mine", "AllowSns"], sids


def test_a_key_with_its_own_add_to_resource_policy_sees_the_keys_statements():
    seen: list[str] = []

    class Watched(EncryptionKey):
        def add_to_resource_policy(self, statement, allow_no_op=None):  # noqa: ANN001, ANN201
            seen.append(statement.sid)
            return super().add_to_resource_policy(statement, allow_no_op)

    stack = new_stack()
    Watched(stack, "Key", service_principals=("events.amazonaws.com",))
    assert seen == ["AllowCloudWatchLogs", "AllowEvents"]
    assert _key_policy_sids(stack)[-2:] == seen


def test_the_keys_own_statements_are_added_without_add_to_resource_policy():
    """Straight to the key policy: ``add_to_resource_policy`` costs three round trips (jsii reads its
    result's two fields back)."""
    stack = new_stack()
    with jsii_requests() as requests:
        EncryptionKey(stack, "Key", service_principals=("events.amazonaws.com", "sns.amazonaws.com"))
    assert ("invoke", "addToResourcePolicy") not in requests
    assert requests.count(("invoke", "addStatements")) == 3  # CloudWatch Logs, EventBridge, SNS
