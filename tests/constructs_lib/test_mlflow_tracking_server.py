import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Capture, Match, Template

from constructs_lib import ConstructValidationError, MlflowTrackingServer, SecureBucket, TrackingServerSize
from constructs_lib._core.roles import ManagedPolicyRole
from tests.conftest import compliance_app, nag_findings, new_stack


@pytest.fixture(scope="module")
def built() -> tuple[MlflowTrackingServer, Template]:
    """A server named ``ml-platform-dev`` with its size, version and maintenance window, and a Studio
    role granted access, synthesized once; only read."""
    stack = new_stack()
    server = MlflowTrackingServer(
        stack,
        "Tracking",
        tracking_server_name="ml-platform-dev",
        size=TrackingServerSize.MEDIUM,
        mlflow_version="2.16.2",
        weekly_maintenance_window_start="Tue:03:30",
    )
    studio = ManagedPolicyRole(stack, "StudioRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    server.grant_access(studio)
    return server, Template.from_stack(stack)


@pytest.fixture(scope="module")
def template(built) -> Template:
    return built[1]


@pytest.fixture(scope="module")
def registering() -> tuple[MlflowTrackingServer, Template, list[str]]:
    """A server with automatic model registration and a generated name, and a Studio role granted
    access, in an app with the compliance packs: synthesized once, for the packs' findings and the
    template (``Template.from_stack`` reads that synthesis's assembly); only read."""
    app = compliance_app()
    stack = new_stack(app)
    server = MlflowTrackingServer(stack, "Tracking", automatic_model_registration=True)
    server.grant_access(
        ManagedPolicyRole(stack, "StudioRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    )
    findings = nag_findings(app)
    return server, Template.from_stack(stack), findings


def test_tracking_server_has_its_size_version_and_maintenance_window(template):
    template.has_resource_properties(
        "AWS::SageMaker::MlflowTrackingServer",
        {
            "TrackingServerName": "ml-platform-dev",
            "TrackingServerSize": "Medium",
            "MlflowVersion": "2.16.2",
            "WeeklyMaintenanceWindowStart": "Tue:03:30",
            "AutomaticModelRegistration": False,
            "RoleArn": {"Fn::GetAtt": [Match.any_value(), "Arn"]},
        },
    )


def test_artifacts_go_to_a_secure_bucket_prefix(template):
    server = next(iter(template.find_resources("AWS::SageMaker::MlflowTrackingServer").values()))
    scheme, bucket, prefix = server["Properties"]["ArtifactStoreUri"]["Fn::Join"][1]
    assert (scheme, prefix) == ("s3://", "/mlflow") and bucket["Ref"].startswith("TrackingArtifacts")
    template.has_resource_properties(
        "AWS::S3::Bucket", {"VersioningConfiguration": {"Status": "Enabled"}, "BucketEncryption": Match.any_value()}
    )


def test_tracking_server_is_retained_by_default(template):
    server = next(iter(template.find_resources("AWS::SageMaker::MlflowTrackingServer").values()))
    assert server["DeletionPolicy"] == "Retain"


def test_server_role_reads_and_writes_only_its_artifact_prefix(template):
    statements = Capture()
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {"Roles": [{"Ref": Match.string_like_regexp("TrackingRole")}], "PolicyDocument": {"Statement": statements}},
    )
    by_sid = {s.get("Sid"): s for s in statements.as_array()}
    assert by_sid["ReadWriteArtifacts"]["Action"] == ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    assert by_sid["ReadWriteArtifacts"]["Resource"]["Fn::Join"][1][1] == "/mlflow/*"
    assert by_sid["ListArtifacts"]["Condition"] == {"StringLike": {"s3:prefix": ["mlflow", "mlflow/*"]}}
    kms = [s for s in statements.as_array() if s.get("Sid") is None]
    assert kms[0]["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert "RegisterModels" not in by_sid
    assert not any(isinstance(s["Action"], str) and s["Action"].endswith("*") for s in statements.as_array())


def test_grant_access_allows_mlflow_and_the_presigned_url_on_this_server_only(template):
    statements = Capture()
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {"Roles": [{"Ref": Match.string_like_regexp("StudioRole")}], "PolicyDocument": {"Statement": statements}},
    )
    statement, listing = statements.as_array()
    assert statement["Action"] == [
        "sagemaker-mlflow:*",
        "sagemaker:CreatePresignedMlflowTrackingServerUrl",
        "sagemaker:DescribeMlflowTrackingServer",
    ]
    assert statement["Resource"]["Fn::Join"][1][-1] == ":mlflow-tracking-server/ml-platform-dev"
    # the UI lists servers first; the action accepts only '*'
    assert listing == {"Action": "sagemaker:ListMlflowTrackingServers", "Effect": "Allow", "Resource": "*"}


def test_automatic_model_registration_lets_the_role_register_models(registering):
    _, template, _ = registering
    template.has_resource_properties("AWS::SageMaker::MlflowTrackingServer", {"AutomaticModelRegistration": True})
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Sid": "RegisterModels",
                                "Action": Match.array_with(
                                    ["sagemaker:CreateModelPackage", "sagemaker:CreateModelPackageGroup"]
                                ),
                            }
                        )
                    ]
                )
            }
        },
    )


def test_uses_the_bucket_and_role_it_is_given():
    stack = new_stack()
    bucket = SecureBucket(stack, "Artifacts")
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    server = MlflowTrackingServer(
        stack, "Tracking", artifact_bucket=bucket, artifact_prefix="experiments/mlflow", role=role, size="Large"
    )
    assert server.role is role and server.size is TrackingServerSize.LARGE
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::Role", 1)
    template.resource_count_is("AWS::S3::Bucket", 2)  # the given bucket and its access-log bucket
    template.has_resource_properties(
        "AWS::SageMaker::MlflowTrackingServer",
        {
            "ArtifactStoreUri": {"Fn::Join": ["", Match.array_with(["/experiments/mlflow"])]},
            "TrackingServerSize": "Large",
        },
    )


def test_a_bucket_with_s3_managed_encryption_needs_no_kms_grant():
    stack = new_stack()
    bucket = s3.Bucket(stack, "Plain", encryption=s3.BucketEncryption.S3_MANAGED)
    MlflowTrackingServer(stack, "Tracking", artifact_bucket=bucket)
    template = Template.from_stack(stack)
    statements = [
        statement
        for policy in template.find_resources("AWS::IAM::ManagedPolicy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert {s["Sid"] for s in statements} >= {"ReadWriteArtifacts", "ListArtifacts", "LocateBucket"}
    assert not [s for s in statements if any(str(a).startswith("kms:") for a in _actions(s))]


def _actions(statement: dict) -> list:
    actions = statement["Action"]
    return actions if isinstance(actions, list) else [actions]


def test_generated_name_is_lower_case(registering):
    """``registering``'s server is given no name."""
    server, _, _ = registering
    assert server.tracking_server_name == server.tracking_server_name.lower()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"size": "XLarge"}, "size='XLarge': must be one of Small, Medium, Large"),
        ({"size": "small"}, "size='small': must be one of Small, Medium, Large"),
        ({"tracking_server_name": "ml_platform"}, "tracking_server_name='ml_platform'"),
        ({"mlflow_version": "latest"}, "mlflow_version='latest': must be an MLflow version"),
        ({"weekly_maintenance_window_start": "SUN:03:00"}, "weekly_maintenance_window_start='SUN:03:00'"),
        ({"weekly_maintenance_window_start": "Sun:24:00"}, "weekly_maintenance_window_start='Sun:24:00'"),
        ({"artifact_prefix": "mlflow/"}, "artifact_prefix='mlflow/'"),
    ],
)
def test_rejects_invalid_input(kwargs, message):
    with pytest.raises(ConstructValidationError) as error:
        MlflowTrackingServer(new_stack(), "Tracking", **kwargs)
    assert "MlflowTrackingServer 'Test/Tracking'" in str(error.value)
    assert message in str(error.value)


def test_is_compliant_under_the_nag_packs(registering):
    _, _, findings = registering
    assert findings == []


def test_ui_access_is_granted_on_the_lower_case_arn_sagemaker_gives_the_server():
    # A name may hold capitals; SageMaker's ARN of the server does not,
    # so a grant on the name as given would never let the UI's pre-signed URL be created.
    stack = new_stack()
    server = MlflowTrackingServer(stack, "Tracking", tracking_server_name="ML-Platform-Dev")
    server.grant_access(
        ManagedPolicyRole(stack, "StudioRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    )
    statements = Capture()
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {"Roles": [{"Ref": Match.string_like_regexp("StudioRole")}], "PolicyDocument": {"Statement": statements}},
    )
    statement = statements.as_array()[0]
    assert statement["Resource"]["Fn::Join"][1][-1] == ":mlflow-tracking-server/ml-platform-dev"


# --- an L2 resource: interface, imports, grants ---------------------------------------------------


@pytest.mark.parametrize("by", ["name", "arn"])
def test_an_existing_tracking_server_can_be_imported_and_granted_on(by):
    from constructs_lib import ITrackingServer
    from tests.constructs_lib.grants import SAGEMAKER, actions_of, role_statements
    from tests.iam_eval import Request, allowed

    stack = new_stack()
    if by == "name":
        server = MlflowTrackingServer.from_tracking_server_name(stack, "Tracking", "Shared-Mlflow")
    else:
        arn = "arn:aws:sagemaker:eu-west-1:123456789012:mlflow-tracking-server/shared-mlflow"
        server = MlflowTrackingServer.from_tracking_server_arn(stack, "Tracking", arn)
        assert server.tracking_server_arn == arn and server.env.account == "123456789012"
    assert isinstance(server, ITrackingServer)
    assert server.mlflow_tracking_server_ref.tracking_server_name == server.tracking_server_name
    studio = ManagedPolicyRole(stack, "StudioRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    assert isinstance(server.grant_access(studio), iam.Grant)
    statements = role_statements(Template.from_stack(stack), "StudioRole")
    assert actions_of(statements) == {
        "sagemaker-mlflow:*",
        "sagemaker:CreatePresignedMlflowTrackingServerUrl",
        "sagemaker:DescribeMlflowTrackingServer",
        "sagemaker:ListMlflowTrackingServers",
    }
    prefix = SAGEMAKER if by == "name" else "arn:<AWS::Partition>:sagemaker:eu-west-1:123456789012"
    server_arn = f"{prefix}:mlflow-tracking-server/shared-mlflow"
    assert allowed(statements, Request("sagemaker-mlflow:LogMetric", server_arn))
    assert allowed(statements, Request("sagemaker:CreatePresignedMlflowTrackingServerUrl", server_arn))
    assert not allowed(statements, Request("sagemaker-mlflow:LogMetric", f"{prefix}:mlflow-tracking-server/other"))
    assert not allowed(statements, Request("sagemaker:DeleteMlflowTrackingServer", server_arn))


def test_a_tracking_server_is_grantable_as_its_role(built):
    server, _ = built
    assert server.grant_principal is server.role
