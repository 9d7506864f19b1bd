"""MLflow wired into job roles: a JobRole with a tracking server may log runs there (the MLflow calls on
that server only, the run artifacts under its prefix), and the pipeline's jobs that can reach it get its
ARN as MLFLOW_TRACKING_URI / MLFLOW_TRACKING_ARN, so a script needs nothing but the MLflow client."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Annotations, Match, Template

from constructs_lib import (
    ConstructValidationError,
    ContainerImage,
    JobRole,
    MlflowTrackingServer,
    MlPipeline,
    PrivateNetwork,
    S3Location,
    SecureBucket,
)
from constructs_lib.platform.mlflow_tracking_server import MLFLOW_LOG_RUNS_ACTIONS
from constructs_lib.training.container_images import (
    SKLEARN_REPOSITORY,
    XGBOOST_REPOSITORY,
    sklearn_image_uri,
    xgboost_image_uri,
)
from constructs_lib.training.pipeline import (
    PipelineDefinition,
    ProcessingStep,
    TrainingChannel,
    TrainingJob,
    TrainingStep,
)
from tests.conftest import compliance_app, nag_findings, new_stack
from tests.constructs_lib.pipeline.conftest import assert_valid
from tests.iam_eval import Request, allowed
from tests.sagemaker_contract import definition_from_template


def _steps(role, work: S3Location, *, train_isolated: bool = False):
    prepare = ProcessingStep(
        "Prepare",
        role=role,
        image=ContainerImage.from_uri(sklearn_image_uri("eu-west-1")),
        instance_type="ml.m5.large",
        code=work.child("code/prepare.py"),
    )
    train = TrainingStep(
        "Train",
        job=TrainingJob(
            role=role,
            image=ContainerImage.from_uri(xgboost_image_uri("eu-west-1")),
            instance_type="ml.m5.xlarge",
            output_path=work.child("models/"),
            channels=[TrainingChannel("train", work.child("train/"))],
            enable_network_isolation=train_isolated,
            environment={"EXTRA": "1"},
        ),
    )
    return prepare, train


@pytest.fixture(scope="module")
def tracked():
    app = compliance_app()
    platform = new_stack(app, "Platform")
    server = MlflowTrackingServer(platform, "Mlflow", tracking_server_name="team-mlflow")
    stack = new_stack(app, "Training")
    work = S3Location(SecureBucket(stack, "Work"), "work/")
    role = JobRole(
        stack,
        "Jobs",
        job_kinds=["processing", "training"],
        inputs=[work],
        outputs=[work],
        aws_image_repositories=[SKLEARN_REPOSITORY, XGBOOST_REPOSITORY],
        tracking_server=server,
    )
    pipeline = MlPipeline(
        stack, "P", pipeline_name="tracked", definition=PipelineDefinition(steps=list(_steps(role, work)))
    )
    findings = nag_findings(app)
    template = Template.from_stack(stack)
    (policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in template.find_resources("AWS::IAM::ManagedPolicy").values()
        if any(r["Ref"].startswith("Jobs") for r in p["Properties"]["Roles"])
    ]
    (resource,) = template.find_resources("AWS::SageMaker::Pipeline").values()
    definition = definition_from_template(resource["Properties"]["PipelineDefinition"]["PipelineDefinitionBody"])
    return policy, definition, findings, pipeline, server


def test_a_tracked_pipeline_is_nag_clean(tracked):
    assert tracked[2] == []


SERVER = "arn:<AWS::Partition>:sagemaker:eu-west-1:<AWS::AccountId>:mlflow-tracking-server/team-mlflow"


def test_the_job_role_logs_runs_on_its_tracking_server_only(tracked):
    statements = tracked[0]
    for action in MLFLOW_LOG_RUNS_ACTIONS:
        assert allowed(statements, Request(action, SERVER))
        assert not allowed(statements, Request(action, SERVER.replace("team-mlflow", "other")))
    for action in ("DeleteExperiment", "DeleteRun", "CreateRegisteredModel", "AccessUI"):
        assert not allowed(statements, Request(f"sagemaker-mlflow:{action}", SERVER))


def test_the_job_role_writes_run_artifacts_under_the_servers_prefix_only(tracked):
    statements = tracked[0]
    artifacts = "<PlatformMlflowArtifacts*>"
    puts = [
        s
        for s in statements
        if "s3:PutObject" in s["Action"] and "mlflow/*" in str(s["Resource"]) and "Artifacts" in str(s["Resource"])
    ]
    assert puts, "no artifact write statement"
    assert not [s for s in statements if "s3:DeleteObject" in s["Action"]]
    del artifacts


def test_jobs_that_reach_the_server_get_its_arn_and_isolated_ones_do_not(tracked):
    _, definition, _, _, _ = tracked
    steps = {step["Name"]: step for step in definition["Steps"]}
    environment = steps["Train"]["Arguments"]["Environment"]
    assert environment["MLFLOW_TRACKING_URI"] == environment["MLFLOW_TRACKING_ARN"]
    assert environment["MLFLOW_TRACKING_URI"].startswith("<resolved:")
    assert environment["EXTRA"] == "1"
    # Network-isolated (the default): it could not reach the server.
    assert "MLFLOW_TRACKING_URI" not in steps["Prepare"]["Arguments"].get("Environment", {})
    assert_valid(definition)


def test_the_jobs_own_environment_wins():
    stack = new_stack()
    server = MlflowTrackingServer(stack, "Mlflow")
    work = S3Location(SecureBucket(stack, "Work"), "work/")
    role = JobRole(stack, "Jobs", job_kinds=["processing"], tracking_server=server)
    step = ProcessingStep(
        "P",
        role=role,
        image=ContainerImage.from_uri(sklearn_image_uri("eu-west-1")),
        instance_type="ml.m5.large",
        enable_network_isolation=False,
        environment={"MLFLOW_TRACKING_URI": "arn:aws:sagemaker:eu-west-1:123456789012:mlflow-tracking-server/x"},
    )
    environment = PipelineDefinition(steps=[step]).render()["Steps"][0]["Arguments"]["Environment"]
    assert environment["MLFLOW_TRACKING_URI"].endswith("mlflow-tracking-server/x")
    assert "MLFLOW_TRACKING_ARN" in environment
    del work


def test_a_tracking_role_whose_every_job_is_isolated_is_warned_about():
    stack = new_stack()
    server = MlflowTrackingServer(stack, "Mlflow")
    work = S3Location(SecureBucket(stack, "Work"), "work/")
    role = JobRole(stack, "Jobs", job_kinds=["processing", "training"], inputs=[work], tracking_server=server)
    MlPipeline(stack, "P", definition=PipelineDefinition(steps=list(_steps(role, work, train_isolated=True))))
    Annotations.from_stack(stack).has_warning(
        "/Test/P", Match.string_like_regexp("network-isolated.*mlflowUnreachable")
    )


def test_an_imported_server_gives_the_mlflow_calls_only():
    stack = new_stack()
    server = MlflowTrackingServer.from_tracking_server_name(stack, "Server", "shared-mlflow")
    role = JobRole(stack, "Jobs", job_kinds=["training"], tracking_server=server)
    statements = Template.from_stack(stack).find_resources("AWS::IAM::ManagedPolicy")
    (policy,) = statements.values()
    document = policy["Properties"]["PolicyDocument"]["Statement"]
    arn = "arn:<AWS::Partition>:sagemaker:eu-west-1:<AWS::AccountId>:mlflow-tracking-server/shared-mlflow"
    assert allowed(document, Request("sagemaker-mlflow:LogBatch", arn))
    assert not [s for s in document if "s3:PutObject" in s["Action"]]
    assert role.tracking_server is server


def test_a_network_without_the_mlflow_endpoint_fails():
    stack = new_stack()
    network = PrivateNetwork(stack, "Network", interface_endpoints=("sagemaker.api",))
    server = MlflowTrackingServer(stack, "Mlflow")
    with pytest.raises(ConstructValidationError, match="sagemaker.experiments"):
        JobRole(stack, "Jobs", job_kinds=["training"], network=network, tracking_server=server)
