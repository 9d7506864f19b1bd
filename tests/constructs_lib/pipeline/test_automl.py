"""AutoMLStep: an Autopilot job checked against CreateAutoMLJob and the schema, its best model used by a
later step, its bad inputs, and the roles: the pipeline's starts AutoML jobs, the job's creates the
candidates."""

from __future__ import annotations

import pytest
from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from constructs_lib import ConstructValidationError, JobRole, MlPipeline, ModelPackageGroup, S3Location, SecureBucket
from constructs_lib.training.pipeline import (
    AutoMLMetric,
    AutoMLMode,
    AutoMLProblemType,
    AutoMLStep,
    CreateModelStep,
    ParameterFloat,
    PipelineDefinition,
    RegisterModelStep,
)
from tests.conftest import compliance_app, nag_findings, new_stack
from tests.constructs_lib.pipeline.conftest import ROLE_ARN, Group, assert_valid
from tests.iam_eval import Request, allowed


def _automl(role, **changes) -> AutoMLStep:
    options = dict(
        role=role,
        training_data="s3://data/churn/train/",
        target_attribute="churned",
        output_path="s3://artifacts/automl/",
        problem_type=AutoMLProblemType.BINARY_CLASSIFICATION,
        objective=AutoMLMetric.AUC,
        max_candidates=10,
        max_runtime=Duration.hours(2),
    )
    options.update(changes)
    return AutoMLStep("AutoML", **options)


@pytest.fixture(scope="module")
def role():
    return iam.Role.from_role_arn(new_stack(), "R", ROLE_ARN)


def test_an_automl_step_is_a_create_automl_job_request(role):
    definition = PipelineDefinition(steps=[_automl(role, validation_fraction=0.25)]).render()
    (step,) = definition["Steps"]
    assert step["Type"] == "AutoML"
    arguments = step["Arguments"]
    assert arguments["ProblemType"] == "BinaryClassification"
    assert arguments["AutoMLJobObjective"] == {"MetricName": "AUC"}
    assert arguments["AutoMLJobConfig"] == {
        "Mode": "ENSEMBLING",
        "CompletionCriteria": {"MaxCandidates": 10, "MaxAutoMLJobRuntimeInSeconds": 7200},
        "DataSplitConfig": {"ValidationFraction": 0.25},
        "SecurityConfig": {"EnableInterContainerTrafficEncryption": True},
    }
    assert arguments["InputDataConfig"] == [
        {
            "ChannelType": "training",
            "ContentType": "text/csv;header=present",
            "TargetAttributeName": "churned",
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://data/churn/train/"}},
        }
    ]
    assert arguments["RoleArn"] == ROLE_ARN and "AutoMLJobName" not in arguments
    assert_valid(definition)


def test_every_tabular_metric_is_a_botocore_metric_and_each_is_checked_by_the_schema(role):
    from constructs_lib.training.pipeline import _service_model

    assert {m.value for m in AutoMLMetric} <= set(_service_model.enum("AutoMLMetricEnum"))
    assert {p.value for p in AutoMLProblemType} == set(_service_model.enum("ProblemType"))
    assert {m.value for m in AutoMLMode} == set(_service_model.enum("AutoMLMode"))
    step = _automl(role, problem_type=AutoMLProblemType.REGRESSION, objective=AutoMLMetric.RMSE)
    assert_valid(PipelineDefinition(steps=[step]).render())


def test_the_best_model_goes_to_a_model_step_and_the_registry(role):
    automl = _automl(role)
    model = CreateModelStep("CreateModel", role=role, containers=[automl.best_model_container()])
    register = RegisterModelStep(
        "Register",
        model_package_group=Group(),
        containers=[automl.best_model_container()],
        content_types=["text/csv"],
        response_types=["text/csv"],
    )
    definition = PipelineDefinition(steps=[automl, model, register]).render()
    container = definition["Steps"][1]["Arguments"]["PrimaryContainer"]
    assert container["Image"] == {"Get": "Steps.AutoML.BestCandidate.InferenceContainers[0].Image"}
    assert container["ModelDataUrl"] == {"Get": "Steps.AutoML.BestCandidate.InferenceContainers[0].ModelDataUrl"}
    assert container["Environment"]["MODEL_NAME"] == {
        "Get": "Steps.AutoML.BestCandidate.InferenceContainers[0].Environment['MODEL_NAME']"
    }
    assert automl.best_objective_value.expr == {"Get": "Steps.AutoML.BestCandidate.FinalAutoMLJobObjectiveMetric.Value"}
    assert_valid(definition)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"mode": AutoMLMode.HYPERPARAMETER_TUNING}, "mode.*ENSEMBLING mode only"),
        ({"objective": None}, "problem_type/objective.*give both"),
        ({"objective": AutoMLMetric.RMSE}, "objective.*must be one of Accuracy, AUC.*for BinaryClassification"),
        (
            {"problem_type": AutoMLProblemType.MULTICLASS_CLASSIFICATION, "objective": AutoMLMetric.F1},
            "objective.*F1macro",
        ),
        ({"validation_fraction": 1.0}, "validation_fraction.*more than 0 and less than 1"),
        (
            {"validation_fraction": 0.2, "validation_data": "s3://data/churn/validation/"},
            "validation_fraction.*not both",
        ),
        ({"max_candidates": 751}, "max_candidates.*1 to 750"),
        ({"training_data": "data/train"}, "training_data.*s3:// URI"),
        ({"target_attribute": ""}, "target_attribute.*column to predict"),
        ({"max_runtime": Duration.seconds(0)}, "max_runtime \\(seconds\\).*at least 1"),
    ],
)
def test_bad_automl_input_fails(role, changes, message):
    with pytest.raises(ConstructValidationError, match=message):
        PipelineDefinition(steps=[_automl(role, **changes)]).render()


def test_a_job_role_without_the_automl_kind_fails():
    stack = new_stack()
    job_role = JobRole(stack, "Jobs", job_kinds=["training"])
    with pytest.raises(ConstructValidationError, match="role.*needs the 'automl' job kind"):
        PipelineDefinition(steps=[_automl(job_role)]).render()


def test_the_automl_kind_needs_the_deep_learning_containers():
    with pytest.raises(ConstructValidationError, match="allow_deep_learning_containers.*AutoGluon"):
        JobRole(new_stack(), "Jobs", job_kinds=["automl"])


@pytest.fixture(scope="module")
def automl_pipeline():
    app = compliance_app()
    stack = new_stack(app)
    bucket = SecureBucket(stack, "Data")
    data, output = S3Location(bucket, "churn/"), S3Location(bucket, "automl/")
    job_role = JobRole(
        stack,
        "AutoMLRole",
        job_kinds=["automl"],
        inputs=[data, output],
        outputs=[output],
        allow_deep_learning_containers=True,
    )
    automl = _automl(job_role, training_data=data, output_path=output)
    group = ModelPackageGroup(stack, "Registry", model_package_group_name="churn-automl")
    register = RegisterModelStep(
        "Register",
        model_package_group=group,
        containers=[automl.best_model_container()],
        content_types=["text/csv"],
        response_types=["text/csv"],
    )
    threshold = ParameterFloat("MinAuc", default_value=0.8)
    MlPipeline(
        stack,
        "P",
        pipeline_name="churn-automl",
        scope_tag=("environment", "dev"),
        definition=PipelineDefinition(parameters=[threshold], steps=[automl, register]),
    )
    findings = nag_findings(app)
    template = Template.from_stack(stack)
    policies = {}
    for policy in template.find_resources("AWS::IAM::ManagedPolicy").values():
        for ref in policy["Properties"]["Roles"]:
            policies[ref["Ref"]] = policy["Properties"]["PolicyDocument"]["Statement"]
    pipeline = next(v for k, v in policies.items() if k.startswith("PRole"))
    job = next(v for k, v in policies.items() if k.startswith("AutoMLRole"))
    (resource,) = template.find_resources("AWS::SageMaker::Pipeline").values()
    return pipeline, job, findings, resource


def test_an_automl_pipeline_is_nag_clean(automl_pipeline):
    assert automl_pipeline[2] == []


BASE = "arn:<AWS::Partition>:sagemaker:eu-west-1:<AWS::AccountId>"


def test_the_pipeline_role_starts_automl_jobs_tagged_with_its_scope_only(automl_pipeline):
    statements = automl_pipeline[0]
    job = f"{BASE}:automl-job/pipelines-abc-automl-1"
    tagged = {"aws:RequestTag/environment": "dev", "aws:TagKeys": ["environment"]}
    assert allowed(statements, Request("sagemaker:CreateAutoMLJob", job, tagged))
    assert not allowed(statements, Request("sagemaker:CreateAutoMLJob", job, {"aws:RequestTag/environment": "prod"}))
    assert allowed(statements, Request("sagemaker:DescribeAutoMLJob", job, {"aws:ResourceTag/environment": "dev"}))
    assert not allowed(statements, Request("sagemaker:CreateTrainingJob", f"{BASE}:training-job/x", tagged))


def test_the_job_role_creates_the_candidates_jobs_and_passes_itself_to_sagemaker_only(automl_pipeline):
    statements = automl_pipeline[1]
    for resource, action in (
        ("processing-job", "CreateProcessingJob"),
        ("training-job", "CreateTrainingJob"),
        ("transform-job", "CreateTransformJob"),
        ("model", "CreateModel"),
    ):
        assert allowed(statements, Request(f"sagemaker:{action}", f"{BASE}:{resource}/churn-automl-dpp0"))
    assert not allowed(statements, Request("sagemaker:CreateEndpoint", f"{BASE}:endpoint/x"))
    role = "arn:<AWS::Partition>:iam::<AWS::AccountId>:role/<AutoMLRole*>"
    del role  # the role's own ARN is a token; checked through the synthesized statement below
    pass_role = [s for s in statements if s["Action"] == "iam:PassRole"]
    assert pass_role and all(
        s["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}} for s in pass_role
    )


def test_the_automl_job_carries_the_scope_tag(automl_pipeline):
    body = automl_pipeline[3]["Properties"]["PipelineDefinition"]["PipelineDefinitionBody"]
    from tests.sagemaker_contract import definition_from_template

    definition = definition_from_template(body)
    (automl,) = [s for s in definition["Steps"] if s["Type"] == "AutoML"]
    assert {"Key": "environment", "Value": "dev"} in automl["Arguments"]["Tags"]
    assert_valid(definition)
