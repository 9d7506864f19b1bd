import json

import pytest
from aws_cdk import Duration, RemovalPolicy
from aws_cdk.assertions import Match, Template

from constructs_lib import AccessLogBucket, ConstructValidationError, EncryptionKey, SecureBucket
from tests.conftest import compliance_app, nag_findings, new_stack


@pytest.fixture(scope="module")
def template() -> Template:
    stack = new_stack()
    SecureBucket(stack, "Artifacts", archive_after=Duration.days(180), archive_prefix="models/")
    return Template.from_stack(stack)


def _bucket_with_kms(template: Template) -> dict:
    buckets = template.find_resources(
        "AWS::S3::Bucket",
        {
            "Properties": {
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        Match.object_like(
                            {"ServerSideEncryptionByDefault": Match.object_like({"SSEAlgorithm": "aws:kms"})}
                        )
                    ]
                }
            }
        },
    )
    assert len(buckets) == 1
    return next(iter(buckets.values()))


def test_bucket_is_kms_encrypted_with_a_customer_managed_key_and_bucket_keys(template):
    props = _bucket_with_kms(template)["Properties"]
    rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["BucketKeyEnabled"] is True
    assert "Fn::GetAtt" in rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]
    template.resource_count_is("AWS::KMS::Key", 1)


def test_bucket_is_versioned_private_and_owner_enforced(template):
    props = _bucket_with_kms(template)["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}


def test_bucket_policy_denies_plain_http_and_old_tls(template):
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
                        Match.object_like({"Effect": "Deny", "Condition": {"NumericLessThan": {"s3:TlsVersion": 1.2}}}),
                    ]
                )
            }
        },
    )


def test_server_access_logs_go_to_a_log_bucket(template):
    props = _bucket_with_kms(template)["Properties"]
    assert props["LoggingConfiguration"]["LogFilePrefix"] == "Artifacts/"
    assert "Ref" in props["LoggingConfiguration"]["DestinationBucketName"]
    template.resource_count_is("AWS::S3::Bucket", 2)


def test_lifecycle_expires_noncurrent_versions_and_archives_old_artifacts(template):
    rules = _bucket_with_kms(template)["Properties"]["LifecycleConfiguration"]["Rules"]
    by_id = {rule["Id"]: rule for rule in rules}
    assert by_id["expire-noncurrent-versions"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 90}
    assert by_id["expire-noncurrent-versions"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    assert by_id["archive-to-glacier"]["Prefix"] == "models/"
    assert by_id["archive-to-glacier"]["Transitions"] == [{"StorageClass": "GLACIER", "TransitionInDays": 180}]


def test_bucket_and_key_are_retained_by_default(template):
    for resource in template.find_resources("AWS::S3::Bucket").values():
        assert resource["DeletionPolicy"] == "Retain"
    for resource in template.find_resources("AWS::KMS::Key").values():
        assert resource["DeletionPolicy"] == "Retain"
    template.resource_count_is("Custom::S3AutoDeleteObjects", 0)


def test_auto_delete_is_an_explicit_opt_in():
    stack = new_stack()
    SecureBucket(stack, "Scratch", removal_policy=RemovalPolicy.DESTROY, auto_delete_objects=True)
    template = Template.from_stack(stack)
    template.resource_count_is("Custom::S3AutoDeleteObjects", 2)  # the bucket and its log bucket
    for resource in template.find_resources("AWS::S3::Bucket").values():
        assert resource["DeletionPolicy"] == "Delete"


def test_uses_the_key_and_log_bucket_it_is_given():
    stack = new_stack()
    key = EncryptionKey(stack, "Key")
    logs = AccessLogBucket(stack, "Logs")
    SecureBucket(stack, "A", encryption_key=key, server_access_logs_bucket=logs)
    SecureBucket(stack, "B", encryption_key=key.key, server_access_logs_bucket=logs.bucket)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::KMS::Key", 1)
    template.resource_count_is("AWS::S3::Bucket", 3)


@pytest.fixture(scope="module")
def grants() -> list[dict]:
    from aws_cdk import aws_iam as iam

    stack = new_stack()
    bucket = SecureBucket(stack, "Data")
    reader = iam.Role(stack, "Reader", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    writer = iam.Role(stack, "Writer", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    bucket.grant_read(reader, "train/*")
    bucket.grant_write(writer, "models/*")
    policies = Template.from_stack(stack).find_resources("AWS::IAM::Policy")
    return {
        next(iter(p["Properties"]["Roles"]))["Ref"][:6]: p["Properties"]["PolicyDocument"]["Statement"]
        for p in policies.values()
    }


def test_grant_read_is_limited_to_a_prefix_with_exact_actions(grants):
    statements = grants["Reader"]
    actions = {json.dumps(s["Action"]) for s in statements}
    assert actions == {'"s3:ListBucket"', '"s3:GetObject"', '"kms:Decrypt"'}
    [get] = [s for s in statements if s["Action"] == "s3:GetObject"]
    assert get["Resource"]["Fn::Join"][1][-1] == "/train/*"
    [listing] = [s for s in statements if s["Action"] == "s3:ListBucket"]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["train/*"]}}


def test_grant_write_puts_objects_under_a_prefix_and_never_deletes(grants):
    statements = grants["Writer"]
    actions = sorted(a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]))
    assert actions == ["kms:Decrypt", "kms:GenerateDataKey", "s3:AbortMultipartUpload", "s3:PutObject"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"auto_delete_objects": True}, "auto_delete_objects=True: requires removal_policy=RemovalPolicy.DESTROY"),
        ({"noncurrent_version_expiration": Duration.days(0)}, "noncurrent_version_expiration (days)=0"),
        ({"archive_prefix": "models/"}, "archive_prefix='models/': needs archive_after"),
        ({"archive_after": Duration.days(30), "expire_after": Duration.days(60)}, "expire_after (days)=60"),
        ({"bucket_name": "Has_Upper"}, "bucket_name='Has_Upper'"),
    ],
)
def test_rejects_invalid_input(kwargs, message):
    with pytest.raises(ConstructValidationError) as error:
        SecureBucket(new_stack(), "Bucket", **kwargs)
    assert "SecureBucket 'Test/Bucket'" in str(error.value)
    assert message in str(error.value)


def test_reports_every_problem_at_once():
    with pytest.raises(ConstructValidationError) as error:
        SecureBucket(new_stack(), "Bucket", auto_delete_objects=True, bucket_name="X")
    assert "auto_delete_objects" in str(error.value) and "bucket_name" in str(error.value)


def test_access_log_bucket_uses_sse_s3_because_s3_logging_requires_it():
    stack = new_stack()
    AccessLogBucket(stack, "Logs")
    Template.from_stack(stack).has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
            "VersioningConfiguration": {"Status": "Enabled"},
        },
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"log_retention": Duration.days(30), "archive_after": Duration.days(90)}, "archive_after (days)=90"),
        ({"auto_delete_objects": True}, "auto_delete_objects=True"),
    ],
)
def test_access_log_bucket_rejects_invalid_input(kwargs, message):
    with pytest.raises(ConstructValidationError, match="AccessLogBucket 'Test/Logs'") as error:
        AccessLogBucket(new_stack(), "Logs", **kwargs)
    assert message in str(error.value)


def test_buckets_are_compliant_under_the_nag_packs():
    app = compliance_app()
    stack = new_stack(app)
    SecureBucket(stack, "Data")
    SecureBucket(stack, "Scratch", removal_policy=RemovalPolicy.DESTROY, auto_delete_objects=True)
    assert nag_findings(app) == []
