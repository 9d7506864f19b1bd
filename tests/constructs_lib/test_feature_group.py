import pytest
from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Capture, Match, Template

from constructs_lib import (
    ConstructValidationError,
    DataCatalogOptions,
    EncryptionKey,
    FeatureDefinition,
    FeatureGroup,
    FeatureType,
    SecureBucket,
    TableFormat,
)
from constructs_lib._core.roles import ManagedPolicyRole
from tests.conftest import compliance_app, nag_findings, new_stack

FEATURES = [
    FeatureDefinition("customer_id", FeatureType.STRING),
    FeatureDefinition("event_time", FeatureType.FRACTIONAL),
    FeatureDefinition.integral("orders_30d"),
    FeatureDefinition.fractional("basket_value_avg"),
]


def _feature_group(scope, construct_id="Customers", **kwargs) -> FeatureGroup:
    options = dict(features=FEATURES, record_identifier="customer_id", event_time="event_time")
    options.update(kwargs)
    return FeatureGroup(scope, construct_id, **options)


@pytest.fixture(scope="module")
def synthesized():
    stack = new_stack()
    group = _feature_group(stack, feature_group_name="customers", online_ttl=Duration.days(30))
    reader = iam.Role(stack, "Reader", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    writer = iam.Role(stack, "Writer", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    group.grant_read_records(reader)
    group.grant_write_records(writer)
    putter = iam.Role(stack, "Putter", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    group.grant_put_records(putter)
    return group, Template.from_stack(stack)


@pytest.fixture(scope="module")
def template(synthesized) -> Template:
    return synthesized[1]


def _props(template: Template) -> dict:
    groups = template.find_resources("AWS::SageMaker::FeatureGroup")
    assert len(groups) == 1
    return next(iter(groups.values()))["Properties"]


def test_feature_definitions_record_identifier_and_event_time(template):
    props = _props(template)
    assert props["FeatureGroupName"] == "customers"
    assert props["RecordIdentifierFeatureName"] == "customer_id"
    assert props["EventTimeFeatureName"] == "event_time"
    assert props["FeatureDefinitions"] == [
        {"FeatureName": "customer_id", "FeatureType": "String"},
        {"FeatureName": "event_time", "FeatureType": "Fractional"},
        {"FeatureName": "orders_30d", "FeatureType": "Integral"},
        {"FeatureName": "basket_value_avg", "FeatureType": "Fractional"},
    ]


def test_online_store_is_kms_encrypted_with_a_ttl(template):
    online = _props(template)["OnlineStoreConfig"]
    assert online["EnableOnlineStore"] is True
    key_id = online["SecurityConfig"]["KmsKeyId"]["Fn::GetAtt"]
    assert key_id[0].startswith("CustomersKey") and key_id[1] == "Arn"
    assert online["TtlDuration"] == {"Unit": "Days", "Value": 30}


def test_offline_store_writes_kms_encrypted_to_its_bucket_prefix_and_sagemaker_creates_the_glue_table(template):
    offline = _props(template)["OfflineStoreConfig"]
    scheme, bucket, prefix = offline["S3StorageConfig"]["S3Uri"]["Fn::Join"][1]
    assert (scheme, prefix) == ("s3://", "/feature-store") and bucket["Ref"].startswith("CustomersOfflineStore")
    assert "KmsKeyId" in offline["S3StorageConfig"]
    assert offline["TableFormat"] == "Glue"
    assert "DataCatalogConfig" not in offline  # Feature Store names the table in sagemaker_featurestore
    assert "DisableGlueTableCreation" not in offline


def test_feature_group_is_retained_by_default(template):
    group = next(iter(template.find_resources("AWS::SageMaker::FeatureGroup").values()))
    assert group["DeletionPolicy"] == "Retain"
    assert group["UpdateReplacePolicy"] == "Retain"


def test_offline_store_role_is_least_privilege(template):
    statements = Capture()
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "PolicyDocument": {"Statement": statements},
            "Roles": [{"Ref": Match.string_like_regexp("CustomersRole")}],
        },
    )
    by_sid = {s.get("Sid"): s for s in statements.as_array()}
    assert sorted(by_sid["WriteOfflineStore"]["Action"]) == ["s3:GetObject", "s3:PutObject", "s3:PutObjectAcl"]
    assert by_sid["WriteOfflineStore"]["Resource"]["Fn::Join"][1][1] == "/feature-store/*"
    assert by_sid["UpdateOfflineStoreTable"]["Action"] == ["glue:GetTable", "glue:UpdateTable"]
    tables = [r["Fn::Join"][1][-1] for r in by_sid["UpdateOfflineStoreTable"]["Resource"]]
    assert tables == [":catalog", ":database/sagemaker_featurestore", ":table/sagemaker_featurestore/*"]
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {
                            "Principal": {"Service": "sagemaker.amazonaws.com"},
                            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
                        }
                    )
                ]
            }
        },
    )


def test_grant_read_allows_get_records_on_the_feature_group_and_decrypt(template):
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": Match.string_like_regexp("Reader")}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": ["sagemaker:BatchGetRecord", "sagemaker:GetRecord"],
                                "Resource": {"Fn::Join": ["", Match.array_with([":feature-group/customers"])]},
                            }
                        ),
                        Match.object_like({"Action": "kms:Decrypt"}),
                    ]
                )
            },
        },
    )


def test_grant_write_allows_put_and_delete_records_only(template):
    statements = Capture()
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {"Roles": [{"Ref": Match.string_like_regexp("Writer")}], "PolicyDocument": {"Statement": statements}},
    )
    actions = [s["Action"] for s in statements.as_array()]
    assert ["sagemaker:DeleteRecord", "sagemaker:PutRecord"] in actions
    assert not any("GetRecord" in str(a) for a in actions)


def test_grant_put_allows_put_records_only_and_decrypt(template):
    statements = Capture()
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {"Roles": [{"Ref": Match.string_like_regexp("Putter")}], "PolicyDocument": {"Statement": statements}},
    )
    actions = [s["Action"] for s in statements.as_array()]
    assert actions == ["sagemaker:PutRecord", "kms:Decrypt"]


def test_grant_covers_the_lower_cased_arn_of_a_mixed_case_name():
    stack = new_stack()
    group = _feature_group(stack, feature_group_name="Customers-V2", offline_store=False)
    role = iam.Role(stack, "Reader", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    group.grant_read_records(role)
    resources = Capture()
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Policy",
        {"PolicyDocument": {"Statement": [Match.object_like({"Resource": resources}), Match.any_value()]}},
    )
    names = [r["Fn::Join"][1][-1] for r in resources.as_array()]
    assert names == [":feature-group/Customers-V2", ":feature-group/customers-v2"]


def test_given_bucket_key_catalog_and_iceberg_format():
    stack = new_stack()
    key = EncryptionKey(stack, "Key")
    bucket = SecureBucket(stack, "Lake", encryption_key=key)
    _feature_group(
        stack,
        offline_bucket=bucket,
        offline_prefix="features/customers",
        encryption_key=key,
        online_store=False,
        table_format=TableFormat.ICEBERG,
        data_catalog=DataCatalogOptions(database="ml_features", table_name="customers"),
    )
    template = Template.from_stack(stack)
    props = _props(template)
    assert "OnlineStoreConfig" not in props
    assert props["OfflineStoreConfig"]["TableFormat"] == "Iceberg"
    assert props["OfflineStoreConfig"]["DataCatalogConfig"] == {
        "Catalog": "AwsDataCatalog",
        "Database": "ml_features",
        "TableName": "customers",
    }
    template.resource_count_is("AWS::KMS::Key", 1)
    template.resource_count_is("AWS::S3::Bucket", 2)  # the lake and its access-log bucket
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Sid": "UpdateOfflineStoreTable",
                                "Resource": Match.array_with(
                                    [{"Fn::Join": ["", Match.array_with([":table/ml_features/customers"])]}]
                                ),
                            }
                        )
                    ]
                )
            }
        },
    )


def test_a_bucket_without_a_kms_key_gets_the_offline_objects_encrypted_with_the_feature_group_key():
    stack = new_stack()
    bucket = s3.Bucket(stack, "Plain", encryption=s3.BucketEncryption.S3_MANAGED)
    group = _feature_group(stack, offline_bucket=bucket)
    reader = iam.Role(stack, "Reader", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    group.grant_read_offline(reader)
    template = Template.from_stack(stack)
    key_id = stack.resolve(group.encryption_key.key_arn)
    assert _props(template)["OfflineStoreConfig"]["S3StorageConfig"]["KmsKeyId"] == key_id
    decrypts = [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "kms:Decrypt" in statement["Action"]
    ]
    assert [statement["Resource"] for statement in decrypts] == [key_id]


def test_online_only_feature_group_has_no_role_or_bucket():
    stack = new_stack()
    _feature_group(stack, offline_store=False, removal_policy=RemovalPolicy.DESTROY)
    template = Template.from_stack(stack)
    assert "RoleArn" not in _props(template)
    template.resource_count_is("AWS::S3::Bucket", 0)
    template.resource_count_is("AWS::IAM::Role", 0)
    assert next(iter(template.find_resources("AWS::SageMaker::FeatureGroup").values()))["DeletionPolicy"] == "Delete"


@pytest.mark.parametrize(
    "ttl, expected",
    [
        (Duration.hours(36), {"Unit": "Hours", "Value": 36}),
        (Duration.days(14), {"Unit": "Weeks", "Value": 2}),
        (Duration.seconds(90), {"Unit": "Seconds", "Value": 90}),
    ],
)
def test_ttl_uses_the_largest_whole_unit(ttl, expected):
    stack = new_stack()
    _feature_group(stack, offline_store=False, online_ttl=ttl)
    assert _props(Template.from_stack(stack))["OnlineStoreConfig"]["TtlDuration"] == expected


def test_generated_name_is_lower_case_and_valid():
    stack = new_stack()
    group = _feature_group(stack, offline_store=False)
    assert group.feature_group_name == group.feature_group_name.lower()
    assert group.feature_group_name.startswith("test-customers-")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"features": [FeatureDefinition("customer id", FeatureType.STRING), *FEATURES[1:]]},
            "features='customer id': must match the pattern [a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63} (botocore FeatureName)",
        ),
        ({"features": [*FEATURES, FeatureDefinition("x" * 65, FeatureType.STRING)]}, "features='xxxx"),
        (
            {"features": [*FEATURES, FeatureDefinition("write_time", FeatureType.STRING)]},
            "is reserved by Feature Store",
        ),
        (
            {"features": [*FEATURES, FeatureDefinition("age", "Integer")]},
            "features[age].type='Integer': must be FeatureType.STRING",
        ),
        ({"features": [*FEATURES, ("age", "Integral")]}, "must be FeatureDefinition(name, FeatureType"),
        (
            {"features": [*FEATURES, FeatureDefinition.integral("Orders_30D")]},
            "features (case-insensitive)=['orders_30d']: names must be unique",
        ),
        ({"features": []}, "features=0: must hold from 1 to 2500 items (botocore FeatureDefinitions)"),
        ({"record_identifier": "customer"}, "record_identifier='customer': must be one of the defined features"),
        ({"event_time": "ts"}, "event_time='ts': must be one of the defined features"),
        (
            {"record_identifier": "basket_value_avg"},
            "record_identifier='basket_value_avg (FRACTIONAL)': must be a STRING or INTEGRAL feature",
        ),
        ({"event_time": "orders_30d"}, "event_time='orders_30d (INTEGRAL)': must be a STRING or FRACTIONAL feature"),
        ({"event_time": "customer_id"}, "must be another feature than record_identifier"),
        ({"feature_group_name": "customers features"}, "feature_group_name='customers features'"),
        ({"description": "d" * 129}, "description="),
        ({"online_store": False, "offline_store": False}, "needs an online store, an offline store or both"),
        ({"online_store": False, "online_ttl": Duration.days(1)}, "online_ttl='1 day': needs online_store=True"),
        ({"online_ttl": Duration.millis(1500)}, "online_ttl (seconds)=1.5"),
        ({"offline_prefix": "/features/"}, "offline_prefix='/features/'"),
        (
            {"data_catalog": DataCatalogOptions(database="ML-Features", table_name="t")},
            "data_catalog.database='ML-Features'",
        ),
    ],
)
def test_rejects_invalid_input(kwargs, message):
    with pytest.raises(ConstructValidationError) as error:
        _feature_group(new_stack(), **kwargs)
    assert "FeatureGroup 'Test/Customers'" in str(error.value)
    assert message in str(error.value)


def test_reports_every_problem_at_once():
    with pytest.raises(ConstructValidationError) as error:
        _feature_group(new_stack(), record_identifier="id", event_time="when")
    assert "record_identifier='id'" in str(error.value) and "event_time='when'" in str(error.value)


def test_is_compliant_under_the_nag_packs():
    app = compliance_app()
    stack = new_stack(app)
    group = _feature_group(stack, online_ttl=Duration.days(7))
    key = EncryptionKey(stack, "Key")
    _feature_group(
        stack,
        "Catalogued",
        encryption_key=key,
        offline_bucket=SecureBucket(stack, "Lake", encryption_key=key),
        data_catalog=DataCatalogOptions(database="ml_features", table_name="customers"),
    )
    group.grant_read_records(
        ManagedPolicyRole(stack, "Reader", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    )
    assert nag_findings(app) == []


# --- an L2 resource: interface, imports, grants ---------------------------------------------------


def test_an_existing_feature_group_imported_by_name_grants_its_records_and_key():
    from constructs_lib import IFeatureGroup
    from tests.constructs_lib.grants import SAGEMAKER, actions_of, role_statements
    from tests.iam_eval import Request, allowed

    stack = new_stack()
    key = EncryptionKey(stack, "OnlineKey")
    group = FeatureGroup.from_feature_group_name(stack, "Customers", "customers", online_store_key=key)
    assert isinstance(group, IFeatureGroup) and group.feature_group_ref.feature_group_name == "customers"
    reader = iam.Role(stack, "Reader", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    assert isinstance(group.grant_read_records(reader), iam.Grant)
    statements = role_statements(Template.from_stack(stack), "Reader")
    assert actions_of(statements) == {"sagemaker:BatchGetRecord", "sagemaker:GetRecord", "kms:Decrypt"}
    assert allowed(statements, Request("sagemaker:GetRecord", f"{SAGEMAKER}:feature-group/customers"))
    assert not allowed(statements, Request("sagemaker:PutRecord", f"{SAGEMAKER}:feature-group/customers"))
    assert not allowed(statements, Request("sagemaker:GetRecord", f"{SAGEMAKER}:feature-group/orders"))


def test_an_imported_feature_group_without_its_key_grants_the_records_only():
    stack = new_stack()
    group = FeatureGroup.from_feature_group_name(stack, "Customers", "customers")
    writer = iam.Role(stack, "Writer", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    group.grant_write_records(writer)
    from tests.constructs_lib.grants import actions_of, role_statements

    assert actions_of(role_statements(Template.from_stack(stack), "Writer")) == {
        "sagemaker:DeleteRecord",
        "sagemaker:PutRecord",
    }


@pytest.fixture(scope="module")
def offline_reader():
    app = compliance_app()
    stack = new_stack(app)
    group = _feature_group(stack, feature_group_name="customers")
    trainer = ManagedPolicyRole(stack, "Trainer", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    assert isinstance(group.grant_read_offline(trainer), iam.Grant)
    return Template.from_stack(stack), nag_findings(app)


def test_grant_read_offline_reads_the_table_and_the_objects_of_this_feature_group_only(offline_reader):
    from tests.constructs_lib.grants import SAGEMAKER, actions_of, role_statements
    from tests.iam_eval import Request, allowed

    template, _ = offline_reader
    statements = role_statements(template, "Trainer")
    assert actions_of(statements) == {
        "sagemaker:DescribeFeatureGroup",
        "s3:GetObject",
        "s3:ListBucket",
        "kms:Decrypt",
        "glue:GetDatabase",
        "glue:GetPartitions",
        "glue:GetTable",
    }
    [bucket] = [
        k
        for k in template.find_resources("AWS::S3::Bucket")
        if k.startswith("CustomersOfflineStore") and "Logs" not in k
    ]
    [key] = [k for k in template.find_resources("AWS::KMS::Key") if k.startswith("CustomersKey")]
    glue = "arn:<AWS::Partition>:glue:eu-west-1:<AWS::AccountId>"
    data = f"<{bucket}.Arn>/feature-store/123/sagemaker/eu-west-1/offline-store/customers-1/data/part.parquet"
    calls = [
        Request("sagemaker:DescribeFeatureGroup", f"{SAGEMAKER}:feature-group/customers"),
        Request("glue:GetTable", f"{glue}:table/sagemaker_featurestore/customers_1700000000"),
        Request("glue:GetPartitions", f"{glue}:table/sagemaker_featurestore/customers_1700000000"),
        Request("glue:GetDatabase", f"{glue}:database/sagemaker_featurestore"),
        Request("s3:GetObject", data),
        Request("s3:ListBucket", f"<{bucket}.Arn>", {"s3:prefix": "feature-store/123/"}),
        Request("kms:Decrypt", f"<{key}.Arn>"),
    ]
    for call in calls:
        assert allowed(statements, call), call
    assert not allowed(statements, Request("s3:PutObject", data))
    assert not allowed(statements, Request("s3:GetObject", f"<{bucket}.Arn>/other/x"))
    assert not allowed(statements, Request("glue:GetTable", f"{glue}:table/other_db/customers"))


def test_grant_read_offline_is_nag_clean(offline_reader):
    assert offline_reader[1] == []


def test_grant_read_offline_needs_an_offline_store():
    group = _feature_group(new_stack(), offline_store=False)
    with pytest.raises(ConstructValidationError, match="grant_read_offline"):
        group.grant_read_offline(iam.Role(group.stack, "R", assumed_by=iam.AccountRootPrincipal()))
