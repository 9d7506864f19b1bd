import json

import pytest
from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match, Template
from constructs import Construct

from constructs_lib import AccessLogBucket, ConstructValidationError, EncryptionKey, SecureBucket
from tests.conftest import compliance_app, jsii_requests, nag_findings, new_stack


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


@pytest.fixture(scope="module")
def compliance() -> tuple[Template, list[str]]:
    """A default bucket (stack ``Test``) and one deleted with its objects (stack ``Scratch``, alone
    there), in an app with the compliance packs: synthesized once, for the packs' findings and the
    scratch bucket's template (``Template.from_stack`` reads that synthesis's assembly); only read."""
    app = compliance_app()
    SecureBucket(new_stack(app), "Data")
    scratch = new_stack(app, "Scratch")
    SecureBucket(scratch, "Scratch", removal_policy=RemovalPolicy.DESTROY, auto_delete_objects=True)
    findings = nag_findings(app)
    return Template.from_stack(scratch), findings


def test_auto_delete_is_an_explicit_opt_in(compliance):
    template, _ = compliance
    template.resource_count_is("Custom::S3AutoDeleteObjects", 2)  # the bucket and its log bucket
    for resource in template.find_resources("AWS::S3::Bucket").values():
        assert resource["DeletionPolicy"] == "Delete"


def test_uses_the_key_and_log_bucket_it_is_given():
    stack = new_stack()
    key = EncryptionKey(stack, "Key")
    logs = AccessLogBucket(stack, "Logs")
    a = SecureBucket(stack, "A", encryption_key=key, server_access_logs_bucket=logs)
    SecureBucket(stack, "B", encryption_key=kms.Key(stack, "Plain"), server_access_logs_bucket=a)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::KMS::Key", 2)
    template.resource_count_is("AWS::S3::Bucket", 3)
    assert a.encryption_key is key


def test_a_new_key_is_the_buckets_sibling(as_cdk_bucket):
    """``as_cdk_bucket``'s bucket ``Data`` is made with every default."""
    bucket, _ = as_cdk_bucket
    key = Stack.of(bucket).node.find_child("DataKey")
    assert isinstance(key, EncryptionKey) and bucket.encryption_key is key
    assert isinstance(bucket.node.find_child("AccessLogs"), AccessLogBucket)


# ---------------------------------------------------------------------------------------------------
# An s3.Bucket: aws-cdk-lib's own APIs take it


@pytest.fixture(scope="module")
def as_cdk_bucket() -> tuple[SecureBucket, Template]:
    """A default bucket ``Data`` given to aws-cdk-lib's own constructs, synthesized once; only read."""
    stack = new_stack()
    bucket = SecureBucket(stack, "Data")
    assert isinstance(bucket, s3.Bucket)
    queue = sqs.Queue(stack, "Uploads", encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True)
    bucket.add_event_notification(
        s3.EventType.OBJECT_CREATED, s3n.SqsDestination(queue), s3.NotificationKeyFilter(prefix="raw/")
    )
    cloudtrail.Trail(stack, "Trail", bucket=bucket, encryption_key=bucket.encryption_key)
    lambda_.Function(
        stack,
        "Handler",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=lambda_.Code.from_bucket(bucket, "code/handler.zip"),
        environment={"DATA_BUCKET": bucket.bucket_name},
    )
    # aws-cdk-lib calls bucket.grantRead itself: the call reaches SecureBucket's exact grant.
    codebuild.Project(
        stack,
        "Build",
        source=codebuild.Source.s3(bucket=bucket, path="sources/app.zip"),
        encryption_key=bucket.encryption_key,
    )
    return bucket, Template.from_stack(stack)


def _statements(template: Template, role_prefix: str) -> list[dict]:
    return [
        s
        for p in template.find_resources("AWS::IAM::Policy").values()
        if any(r["Ref"].startswith(role_prefix) for r in p["Properties"]["Roles"])
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_aws_cdk_constructs_take_a_secure_bucket_where_an_ibucket_goes(as_cdk_bucket):
    bucket, template = as_cdk_bucket
    logical_id = Stack.of(bucket).resolve(bucket.bucket_name)["Ref"]
    template.has_resource_properties("AWS::CloudTrail::Trail", {"S3BucketName": {"Ref": logical_id}})
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {"Code": {"S3Bucket": {"Ref": logical_id}}, "Environment": {"Variables": {"DATA_BUCKET": {"Ref": logical_id}}}},
    )
    template.has_resource_properties(
        "Custom::S3BucketNotifications",
        {"BucketName": {"Ref": logical_id}, "NotificationConfiguration": {"QueueConfigurations": Match.any_value()}},
    )


#: The object actions of SecureBucket.grant_read (versioned bucket: an object and its versions).
READ = json.dumps(["s3:GetObject", "s3:GetObjectVersion"])


def test_aws_cdks_own_grant_read_call_gets_the_exact_prefix_grant(as_cdk_bucket):
    _, template = as_cdk_bucket
    actions = {json.dumps(s["Action"]) for s in _statements(template, "BuildRole")}
    # The CodeBuild project of a CodePipeline action downloads its input artifacts by version.
    assert READ in actions and '"s3:ListBucket"' in actions
    assert not any("s3:GetObject*" in a or "s3:List*" in a for a in actions)


def test_cdk_grants_read_through_the_ibucket_interface_are_exact(granted):
    """``granted``'s ``IBucketReader`` is granted read of the whole bucket through ``s3.IBucket``."""
    _, template = granted
    actions = {json.dumps(s["Action"]) for s in _statements(template, "IBucketReader")}
    assert actions == {'"s3:ListBucket"', READ, '"kms:Decrypt"'}


def test_grant_write_takes_s3_buckets_allowed_action_patterns(granted):
    """``granted``'s ``PatternWriter`` is granted ``s3:PutObject`` on ``out/*``."""
    _, template = granted
    actions = sorted(json.dumps(s["Action"]) for s in _statements(template, "PatternWriter"))
    assert actions == ['"s3:PutObject"', '["kms:Decrypt", "kms:GenerateDataKey"]']


# ---------------------------------------------------------------------------------------------------
# Logical IDs: those of 0.1, when SecureBucket held its bucket as the child "Resource"


def _ids(stack: Stack) -> dict[str, str]:
    return {lid: r["Type"] for lid, r in Template.from_stack(stack).to_json()["Resources"].items()}


def _with_notifications(bucket: s3.Bucket) -> None:
    queue = sqs.Queue(Stack.of(bucket), "Queue", enforce_ssl=True)
    bucket.add_event_notification(s3.EventType.OBJECT_CREATED, s3n.SqsDestination(queue))


def test_bucket_key_log_bucket_and_their_children_keep_the_logical_ids_of_0_1():
    old = new_stack(construct_id="Old")
    data = Construct(old, "Data")
    key = kms.Key(Construct(data, "Key"), "Resource")
    s3.Bucket(
        Construct(data, "AccessLogs"),
        "Resource",
        enforce_ssl=True,
        removal_policy=RemovalPolicy.DESTROY,
        auto_delete_objects=True,
    )
    legacy = s3.Bucket(
        data,
        "Resource",
        encryption_key=key,
        enforce_ssl=True,
        removal_policy=RemovalPolicy.DESTROY,
        auto_delete_objects=True,
    )
    _with_notifications(legacy)
    new = new_stack(construct_id="New")
    bucket = SecureBucket(new, "Data", removal_policy=RemovalPolicy.DESTROY, auto_delete_objects=True)
    _with_notifications(bucket)  # a child added after construction keeps its ID too
    ids = _ids(new)
    assert ids == _ids(old)
    assert {"AWS::S3::BucketPolicy", "Custom::S3AutoDeleteObjects", "Custom::S3BucketNotifications"} <= set(
        ids.values()
    )


def test_a_logical_id_the_user_overrides_wins():
    stack = new_stack()
    bucket = SecureBucket(stack, "Data")
    cfn = bucket.node.default_child
    assert isinstance(cfn, s3.CfnBucket)
    cfn.override_logical_id("MyData")
    assert _ids(stack)["MyData"] == "AWS::S3::Bucket"


@pytest.fixture(scope="module")
def granted() -> tuple[SecureBucket, Template]:
    """One bucket ``Data`` granted to a role each (``Reader``: ``train/*``, ``Writer``: ``models/*``,
    ``IBucketReader``: read through ``s3.IBucket``, ``PatternWriter``: ``s3:PutObject`` on ``out/*``)
    and to another account (read), synthesized once; only read. A grant to a role of this account is
    a statement of that role's own policy, and the other account's is in the bucket's and key's
    policies: each test reads only its grantee's."""
    stack = new_stack()
    bucket = SecureBucket(stack, "Data")

    def role(construct_id: str) -> iam.Role:
        return iam.Role(stack, construct_id, assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))

    bucket.grant_read(role("Reader"), "train/*")
    bucket.grant_write(role("Writer"), "models/*")
    as_ibucket: s3.IBucket = bucket
    as_ibucket.grant_read(role("IBucketReader"))
    bucket.grant_write(role("PatternWriter"), "out/*", ["s3:PutObject"])
    bucket.grant_read(iam.AccountPrincipal("222222222222"))
    return bucket, Template.from_stack(stack)


@pytest.fixture(scope="module")
def grants(granted) -> dict[str, list[dict]]:
    """The statements of ``granted``'s ``Reader`` and ``Writer``."""
    _, template = granted
    return {role: _statements(template, role) for role in ("Reader", "Writer")}


def test_grant_read_is_limited_to_a_prefix_with_exact_actions(grants):
    statements = grants["Reader"]
    actions = {json.dumps(s["Action"]) for s in statements}
    assert actions == {'"s3:ListBucket"', READ, '"kms:Decrypt"'}
    [get] = [s for s in statements if s["Action"] == ["s3:GetObject", "s3:GetObjectVersion"]]
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


def test_buckets_are_compliant_under_the_nag_packs(compliance):
    _, findings = compliance
    assert findings == []


@pytest.mark.parametrize("event_bridge_first", [True, False], ids=["event-bridge-first", "targets-first"])
def test_event_bridge_stays_on_when_the_bucket_also_notifies_targets(event_bridge_first):
    """CDK's notifications resource puts the bucket's whole configuration: EventBridge must be in it."""
    stack = new_stack()
    bucket = SecureBucket(stack, "Data")
    queue = sqs.Queue(stack, "Uploads", enforce_ssl=True)
    if event_bridge_first:
        bucket.enable_event_bridge_notifications()
    bucket.add_object_created_notification(s3n.SqsDestination(queue))  # aws-cdk-lib calls add_event_notification
    if not event_bridge_first:
        bucket.enable_event_bridge_notifications()
    template = Template.from_stack(stack)
    [data] = [
        r
        for lid, r in template.find_resources("AWS::S3::Bucket").items()
        if lid.startswith("Data") and "AccessLogs" not in lid
    ]
    assert "NotificationConfiguration" not in data["Properties"]
    template.has_resource_properties(
        "Custom::S3BucketNotifications",
        {"NotificationConfiguration": {"EventBridgeConfiguration": {}, "QueueConfigurations": Match.any_value()}},
    )


def test_event_bridge_alone_is_set_on_the_bucket():
    stack = new_stack()
    SecureBucket(stack, "Data").enable_event_bridge_notifications()
    template = Template.from_stack(stack)
    template.resource_count_is("Custom::S3BucketNotifications", 0)
    template.has_resource_properties(
        "AWS::S3::Bucket", {"NotificationConfiguration": {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}}
    )


def test_a_principal_of_another_account_is_granted_in_the_bucket_and_key_policies(granted):
    """Only a resource policy can grant another account (CDK Pipelines' deploy roles read artifacts).
    ``granted`` grants account 222222222222 read of ``Data``."""
    _, template = granted
    statements = [
        s
        for p in template.find_resources("AWS::S3::BucketPolicy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if "222222222222" in json.dumps(s.get("Principal"))
    ]
    assert statements and statements[0]["Effect"] == "Allow"
    key = next(r for lid, r in template.find_resources("AWS::KMS::Key").items() if lid.startswith("DataKey"))
    assert "222222222222" in json.dumps(key["Properties"]["KeyPolicy"])


def _deny(sid: str) -> iam.PolicyStatement:
    return iam.PolicyStatement(
        sid=sid, effect=iam.Effect.DENY, principals=[iam.AnyPrincipal()], actions=["s3:*"], resources=["*"]
    )


@pytest.mark.parametrize("kind", ["bucket", "secure bucket", "bucket with a policy", "imported bucket"])
def test_add_to_bucket_policy_renders_what_one_add_to_resource_policy_each_renders(kind):
    from constructs_lib._core.s3_access import add_to_bucket_policy

    def template(add) -> dict:
        stack = new_stack()
        if kind == "imported bucket":
            bucket = s3.Bucket.from_bucket_name(stack, "Bucket", "imported-bucket")
        elif kind == "secure bucket":
            bucket = SecureBucket(stack, "Bucket")
        else:
            bucket = s3.Bucket(stack, "Bucket")
            if kind == "bucket with a policy":
                bucket.add_to_resource_policy(_deny("First"))
        add(bucket, [_deny("A"), _deny("B"), _deny("C")])
        return Template.from_stack(stack).to_json()

    def one_by_one(bucket, statements):
        for statement in statements:
            bucket.add_to_resource_policy(statement)

    assert template(add_to_bucket_policy) == template(one_by_one)


def test_a_bucket_with_its_own_add_to_resource_policy_sees_every_statement():
    from constructs_lib._core.s3_access import add_to_bucket_policy

    seen: list[str] = []

    class Watched(s3.Bucket):
        def add_to_resource_policy(self, permission):  # noqa: ANN001, ANN201
            seen.append(permission.sid)
            return super().add_to_resource_policy(permission)

    stack = new_stack()
    add_to_bucket_policy(Watched(stack, "Bucket"), [_deny("A"), _deny("B")])
    assert seen == ["A", "B"]
    (policy,) = Template.from_stack(stack).find_resources("AWS::S3::BucketPolicy").values()
    assert [s["Sid"] for s in policy["Properties"]["PolicyDocument"]["Statement"]][-2:] == seen


@pytest.mark.parametrize("statements", [[], ["A"]])
def test_add_to_bucket_policy_of_none_or_one_statement(statements):
    from constructs_lib._core.s3_access import add_to_bucket_policy

    stack = new_stack()
    add_to_bucket_policy(s3.Bucket(stack, "Bucket"), [_deny(sid) for sid in statements])
    policies = Template.from_stack(stack).find_resources("AWS::S3::BucketPolicy").values()
    assert [[s["Sid"] for s in p["Properties"]["PolicyDocument"]["Statement"]] for p in policies] == (
        [statements] if statements else []
    )


def test_add_to_bucket_policy_adds_the_rest_in_one_call():
    from constructs_lib._core.s3_access import add_to_bucket_policy

    bucket = SecureBucket(new_stack(), "Bucket")
    statements = [_deny("A"), _deny("B"), _deny("C")]
    with jsii_requests() as requests:
        add_to_bucket_policy(bucket, statements)
    assert requests.count(("invoke", "addToResourcePolicy")) == 1
    assert requests.count(("invoke", "addStatements")) == 1
