"""MlPipeline: the deployed pipeline, its definition as CloudFormation carries it, and its role."""

from __future__ import annotations

import json

import pytest
from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from constructs_lib import (
    ConstructValidationError,
    EncryptionKey,
    IMlPipeline,
    JobRole,
    MlPipeline,
    ModelPackageGroup,
    S3Location,
    SecureBucket,
)
from constructs_lib._core.roles import ManagedPolicyRole
from constructs_lib.foundation.container_image import ContainerImage
from constructs_lib.training.container_images import (
    SKLEARN_REPOSITORY,
    XGBOOST_REPOSITORY,
    sklearn_image_uri,
    xgboost_image_uri,
)
from constructs_lib.training.pipeline import (
    CallbackStep,
    ConditionGreaterThanOrEqualTo,
    ConditionStep,
    ExecutionVariables,
    FailStep,
    LambdaStep,
    ModelContainer,
    ParameterFloat,
    PipelineDefinition,
    ProcessingInput,
    ProcessingOutput,
    ProcessingStep,
    PropertyFile,
    RegisterModelStep,
    S3Join,
    TrainingChannel,
    TrainingJob,
    TrainingStep,
)
from tests.conftest import compliance_app, nag_findings, new_stack
from tests.sagemaker_contract import definition_api_problems, definition_from_template, schema_errors


@pytest.fixture(scope="module")
def synthesized():
    app = compliance_app()
    data = new_stack(app, "Data")
    key = EncryptionKey(data, "Key")
    artifacts = SecureBucket(data, "Artifacts", encryption_key=key)
    stack = new_stack(app, "Pipelines")
    work = S3Location(artifacts, "pipelines/")
    role = JobRole(
        stack,
        "JobRole",
        job_kinds=["processing", "training"],
        inputs=[work],
        outputs=[work],
        encryption_keys=[key],
        aws_image_repositories=[SKLEARN_REPOSITORY, XGBOOST_REPOSITORY],
    )
    group = ModelPackageGroup(stack, "Registry", model_package_group_name="Churn")
    threshold = ParameterFloat("AccuracyThreshold", default_value=0.8)
    report = PropertyFile("EvaluationReport", output_name="evaluation", path="evaluation.json")
    prepare = ProcessingStep(
        "Prepare",
        role=role,
        image=ContainerImage.from_uri(sklearn_image_uri("eu-west-1")),
        instance_type="ml.m5.large",
        volume_kms_key=key,
        inputs=[ProcessingInput("raw", work.child("raw/"))],
        outputs=[ProcessingOutput("train", work.child("train/"))],
        code=work.child("code/prepare.py"),
    )
    train = TrainingStep(
        "Train",
        job=TrainingJob(
            role=role,
            image=ContainerImage.from_uri(xgboost_image_uri("eu-west-1")),
            instance_type="ml.m5.xlarge",
            output_path=work.child("models/"),
            output_kms_key=key,
            volume_kms_key=key,
            channels=[TrainingChannel("train", prepare.outputs["train"], content_type="text/csv")],
            use_spot_instances=True,
            max_wait=Duration.hours(2),
            checkpoint_s3_uri=S3Join(work, ExecutionVariables.PIPELINE_EXECUTION_ID, "checkpoints"),
        ),
    )
    evaluate = ProcessingStep(
        "Evaluate",
        role=role,
        image=ContainerImage.from_uri(xgboost_image_uri("eu-west-1")),
        instance_type="ml.m5.large",
        inputs=[ProcessingInput("model", train.model_artifacts)],
        outputs=[ProcessingOutput("evaluation", work.child("evaluation/"))],
        code=work.child("code/evaluate.py"),
        property_files=[report],
    )
    register = RegisterModelStep(
        "Register",
        model_package_group=group,
        containers=[
            ModelContainer(
                image=ContainerImage.from_uri(xgboost_image_uri("eu-west-1")), model_data_url=train.model_artifacts
            )
        ],
        content_types=["text/csv"],
        response_types=["text/csv"],
    )
    function = lambda_.Function.from_function_arn(
        stack, "Notify", "arn:aws:lambda:eu-west-1:123456789012:function:notify"
    )
    queue = sqs.Queue.from_queue_arn(stack, "Queue", "arn:aws:sqs:eu-west-1:123456789012:review")
    gate = ConditionStep(
        "QualityGate",
        conditions=[ConditionGreaterThanOrEqualTo(evaluate.json_get(report, "metrics.accuracy.value"), threshold)],
        if_steps=[register],
        else_steps=[FailStep("TooLow", error_message="accuracy too low")],
    )
    notify = LambdaStep("Notify", function=function, inputs={"model": train.model_artifacts})
    review = CallbackStep("Review", queue=queue, depends_on=[evaluate])
    pipeline = MlPipeline(
        stack,
        "Training",
        pipeline_name="Churn-Training",
        description="train and register churn",
        definition=PipelineDefinition(parameters=[threshold], steps=[prepare, train, evaluate, gate, notify, review]),
        max_parallel_steps=3,
    )
    operator = ManagedPolicyRole(stack, "Operator", assumed_by=iam.AccountRootPrincipal())
    pipeline.grant_start_execution(operator)
    findings = nag_findings(app)
    return Template.from_stack(stack), findings, pipeline


def _pipeline(template: Template) -> dict:
    (resource,) = template.find_resources("AWS::SageMaker::Pipeline").values()
    return resource["Properties"]


def _role_statements(template: Template, prefix: str) -> list[dict]:
    for policy in template.find_resources("AWS::IAM::ManagedPolicy").values():
        if any(r["Ref"].startswith(prefix) for r in policy["Properties"]["Roles"]):
            return policy["Properties"]["PolicyDocument"]["Statement"]
    raise AssertionError(prefix)


def _actions(statements: list[dict]) -> set[str]:
    return {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}


def test_ml_pipeline_is_nag_clean(synthesized):
    assert synthesized[1] == []


def test_pipeline_has_its_name_role_description_and_parallelism(synthesized):
    props = _pipeline(synthesized[0])
    assert props["PipelineName"] == "Churn-Training"
    assert props["PipelineDescription"] == "train and register churn"
    assert props["ParallelismConfiguration"] == {"MaxParallelExecutionSteps": 3}
    assert props["RoleArn"]["Fn::GetAtt"][0].startswith("TrainingRole")


def test_deployed_definition_matches_the_api_and_the_schema(synthesized):
    definition = definition_from_template(_pipeline(synthesized[0])["PipelineDefinition"]["PipelineDefinitionBody"])
    assert [s["Name"] for s in definition["Steps"]] == [
        "Prepare",
        "Train",
        "Evaluate",
        "QualityGate",
        "Notify",
        "Review",
    ]
    assert definition_api_problems(definition) == []
    assert schema_errors(definition) == []


def test_bucket_and_key_tokens_resolve_in_the_definition(synthesized):
    body = json.dumps(_pipeline(synthesized[0])["PipelineDefinition"]["PipelineDefinitionBody"])
    assert "${Token" not in body
    assert "Fn::GetStackOutput" in body or "Fn::ImportValue" in body  # the data stack's bucket and key


def test_satisfies_the_startable_pipeline_contract(synthesized):
    pipeline = synthesized[2]
    assert isinstance(pipeline, IMlPipeline)
    assert pipeline.parameter_names == frozenset({"AccuracyThreshold"})
    assert pipeline.pipeline_name == "Churn-Training"
    assert pipeline.pipeline_arn.endswith(":pipeline/churn-training")


def test_grant_start_execution_allows_only_starting_this_pipeline(synthesized):
    (statement,) = _role_statements(synthesized[0], "Operator")
    assert statement["Action"] == "sagemaker:StartPipelineExecution"
    assert json.dumps(statement["Resource"]).endswith(':pipeline/churn-training"]]}')


def test_pipeline_role_is_assumed_by_sagemaker_of_this_account(synthesized):
    roles = synthesized[0].find_resources("AWS::IAM::Role")
    role = next(r for k, r in roles.items() if k.startswith("TrainingRole"))
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    }


def test_pipeline_role_starts_only_the_job_kinds_it_defines(synthesized):
    statements = _role_statements(synthesized[0], "TrainingRole")
    actions = _actions(statements)
    assert {
        "sagemaker:CreateProcessingJob",
        "sagemaker:CreateTrainingJob",
        "sagemaker:CreateModelPackage",
        "lambda:InvokeFunction",
    } <= actions
    assert not actions & {
        "sagemaker:CreateTransformJob",
        "sagemaker:CreateHyperParameterTuningJob",
        "sagemaker:CreateModel",
        "sagemaker:CreateEndpoint",
        "sagemaker:DeleteModelPackage",
    }
    assert not any("*" in a for a in actions)
    jobs = [s for s in statements if "sagemaker:CreateTrainingJob" in s["Action"]]
    assert json.dumps(jobs[0]["Resource"]).endswith(':training-job/pipelines-*"]]}')


def test_pipeline_role_passes_only_the_job_role_and_only_to_sagemaker(synthesized):
    statements = _role_statements(synthesized[0], "TrainingRole")
    (passing,) = [s for s in statements if s["Action"] == "iam:PassRole"]
    assert passing["Resource"]["Fn::GetAtt"][0].startswith("JobRole")
    assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}


def test_pipeline_role_registers_only_into_its_group(synthesized):
    statements = _role_statements(synthesized[0], "TrainingRole")
    (register,) = [s for s in statements if "sagemaker:CreateModelPackage" in s["Action"]]
    text = json.dumps(register["Resource"])
    assert "Registry" in text and ":model-package/churn/*" in text


def test_pipeline_role_reads_only_the_property_file_prefix(synthesized):
    statements = _role_statements(synthesized[0], "TrainingRole")
    (read,) = [s for s in statements if s["Action"] == "s3:GetObject"]
    assert json.dumps(read["Resource"]).endswith('/pipelines/evaluation/*"]]}')
    (decrypt,) = [s for s in statements if s["Action"] == "kms:Decrypt"]
    assert decrypt["Condition"] == {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}


def test_pipeline_role_invokes_only_its_function_and_sends_only_to_its_queue(synthesized):
    statements = _role_statements(synthesized[0], "TrainingRole")
    (invoke,) = [s for s in statements if s["Action"] == "lambda:InvokeFunction"]
    assert invoke["Resource"] == [
        "arn:aws:lambda:eu-west-1:123456789012:function:notify",
        "arn:aws:lambda:eu-west-1:123456789012:function:notify:*",
    ]
    (send,) = [s for s in statements if "sqs:SendMessage" in s["Action"]]
    assert send["Resource"] == "arn:aws:sqs:eu-west-1:123456789012:review"


def _tune_model_score(stack):
    """A tuning step, a model of its best job and a transform with that model."""
    from constructs_lib.training.pipeline import (
        CreateModelStep,
        IntegerRange,
        TransformStep,
        TuningObjective,
        TuningStep,
    )
    from tests.constructs_lib.pipeline.conftest import IMAGE, training_job

    role = iam.Role.from_role_arn(stack, "Job", "arn:aws:iam::123456789012:role/job")
    tune = TuningStep(
        "Tune",
        job=training_job(role),
        objective=TuningObjective("validation:auc"),
        ranges=[IntegerRange("max_depth", 3, 9)],
    )
    model = CreateModelStep(
        "Model",
        role=role,
        containers=[ModelContainer(image=ContainerImage.from_uri(IMAGE), model_data_url=tune.top_model_artifacts())],
    )
    score = TransformStep(
        "Score",
        model_name=model.model_name,
        instance_type="ml.m5.large",
        input_s3_uri="s3://d/in",
        output_path="s3://d/out",
    )
    return tune, model, score


def test_tuning_transform_and_model_steps_get_their_own_permissions():
    stack = new_stack()
    MlPipeline(stack, "P", definition=PipelineDefinition(steps=list(_tune_model_score(stack))))
    statements = Template.from_stack(stack).find_resources("AWS::IAM::ManagedPolicy")
    actions = _actions(next(iter(statements.values()))["Properties"]["PolicyDocument"]["Statement"])
    assert {
        "sagemaker:CreateHyperParameterTuningJob",
        "sagemaker:ListTrainingJobsForHyperParameterTuningJob",
        "sagemaker:CreateModel",
        "sagemaker:CreateTransformJob",
        "iam:PassRole",
    } <= actions
    assert not actions & {"sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob"}


def _scoped_pipeline(lineage=None):
    stack = new_stack()
    tune, model, score = _tune_model_score(stack)
    gate = ConditionStep(
        "Gate",
        conditions=[ConditionGreaterThanOrEqualTo(1, 0)],
        if_steps=[score],
        else_steps=[FailStep("No", error_message="x")],
    )
    MlPipeline(
        stack,
        "P",
        scope_tag=("environment", "dev"),
        definition=PipelineDefinition(steps=[tune, model, gate], lineage=lineage),
    )
    return Template.from_stack(stack)


def test_a_scope_tag_tags_every_job_and_model_and_scopes_the_role_to_it():
    template = _scoped_pipeline()
    steps = {}

    def walk(items):
        for step in items:
            steps[step["Name"]] = step
            walk(step["Arguments"].get("IfSteps", []) + step["Arguments"].get("ElseSteps", []))

    walk(json.loads(_pipeline(template)["PipelineDefinition"]["PipelineDefinitionBody"])["Steps"])
    for name in ("Tune", "Model", "Score"):  # the branch step too
        assert steps[name]["Arguments"]["Tags"] == [{"Key": "environment", "Value": "dev"}], name
    assert "Tags" not in steps["No"]["Arguments"] and "Tags" not in steps["Gate"]["Arguments"]
    statements = next(iter(template.find_resources("AWS::IAM::ManagedPolicy").values()))["Properties"][
        "PolicyDocument"
    ]["Statement"]
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if any(a.startswith("sagemaker:Create") or a == "sagemaker:AddTags" for a in actions):
            assert statement["Condition"] == {
                "StringEquals": {"aws:RequestTag/environment": "dev"},
                "StringEqualsIfExists": {"aws:ResourceTag/environment": "dev"},
            }
        elif any(a.startswith(("sagemaker:Describe", "sagemaker:Stop", "sagemaker:List")) for a in actions):
            assert statement["Condition"] == {"StringEquals": {"aws:ResourceTag/environment": "dev"}}, actions


def test_a_scope_tag_that_is_also_a_lineage_tag_fails():
    from constructs_lib.training.pipeline import LineageOptions

    with pytest.raises(
        ConstructValidationError,
        match=r"steps\['Tune'\] \(Tuning\) Tags=\['environment'\]: tag keys "
        r"must be unique",
    ):
        _scoped_pipeline(LineageOptions(code_version="abc", tags={"environment": "prod"}))


def test_a_bad_definition_fails_naming_the_pipeline_construct_and_step():
    stack = new_stack()
    with pytest.raises(ConstructValidationError) as error:
        MlPipeline(stack, "Pipeline", definition=PipelineDefinition(steps=[FailStep("A", error_message=1)]))
    assert str(error.value).startswith("MlPipeline 'Test/Pipeline' has invalid input:")
    assert "steps['A'] (Fail) error_message=1: must be a String" in str(error.value)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"pipeline_name": "churn_training"}, "pipeline_name='churn_training'"),
        ({"max_parallel_steps": 0}, "max_parallel_steps=0: must be an integer of at least 1"),
        ({"display_name": "-x"}, "display_name='-x'"),
        ({"description": "x" * 3073}, "description="),
        ({"scope_tag": ("aws:environment", "dev")}, "scope_tag (key)='aws:environment': must not start with 'aws:'"),
        ({"scope_tag": ("environment", "d" * 257)}, "scope_tag (value)="),
        ({"scope_tag": ("environment",)}, "scope_tag=('environment',): must be a (key, value) pair"),
    ],
)
def test_bad_pipeline_input_fails(options, message):
    with pytest.raises(ConstructValidationError) as error:
        MlPipeline(
            new_stack(), "Pipeline", definition=PipelineDefinition(steps=[FailStep("A", error_message="x")]), **options
        )
    assert message in str(error.value)


def test_a_definition_over_the_size_limit_fails():
    huge = PipelineDefinition(steps=[FailStep(f"S{i}", error_message="x" * 4000) for i in range(260)])
    with pytest.raises(ConstructValidationError, match=r"definition \(bytes, estimated\)=\d+: must be at most 1000000"):
        MlPipeline(new_stack(), "Pipeline", definition=huge)


def test_default_name_is_unique_to_the_construct_path():
    stack = new_stack()
    pipeline = MlPipeline(stack, "Nightly", definition=PipelineDefinition(steps=[FailStep("A", error_message="x")]))
    assert pipeline.pipeline_name.startswith("Test-Nightly-") and len(pipeline.pipeline_name) <= 80


# --- an L2 resource: interface, imports, grants, metrics -----------------------------------------


def _small_pipeline(stack, construct_id: str = "Nightly", **options) -> MlPipeline:
    return MlPipeline(
        stack, construct_id, definition=PipelineDefinition(steps=[FailStep("A", error_message="x")]), **options
    )


def test_an_existing_pipeline_imported_by_name_can_be_granted_on():
    """Done when: a role starts and reads executions of a pipeline another stack made."""
    from tests.constructs_lib.grants import SAGEMAKER, actions_of, role_statements
    from tests.iam_eval import Request, allowed

    stack = new_stack()
    pipeline = MlPipeline.from_pipeline_name(stack, "Training", "Churn-Training", parameter_names=["InputData"])
    operator = iam.Role(stack, "Operator", assumed_by=iam.AccountRootPrincipal())
    assert isinstance(pipeline.grant_start_execution(operator), iam.Grant)
    pipeline.grant_read(operator)
    assert isinstance(pipeline, IMlPipeline)
    assert pipeline.pipeline_name == "Churn-Training" and pipeline.parameter_names == {"InputData"}
    statements = role_statements(Template.from_stack(stack), "Operator")
    assert actions_of(statements) == {
        "sagemaker:StartPipelineExecution",
        "sagemaker:DescribePipeline",
        "sagemaker:ListPipelineExecutions",
        "sagemaker:DescribePipelineDefinitionForExecution",
        "sagemaker:DescribePipelineExecution",
        "sagemaker:ListPipelineExecutionSteps",
        "sagemaker:ListPipelineParametersForExecution",
    }
    pipeline_arn, execution = (
        f"{SAGEMAKER}:pipeline/churn-training",
        f"{SAGEMAKER}:pipeline/churn-training/execution/x1",
    )
    for action in ("StartPipelineExecution", "DescribePipeline", "ListPipelineExecutions"):
        assert allowed(statements, Request(f"sagemaker:{action}", pipeline_arn))
    for action in ("DescribePipelineExecution", "ListPipelineExecutionSteps", "ListPipelineParametersForExecution"):
        assert allowed(statements, Request(f"sagemaker:{action}", execution))
    assert not allowed(statements, Request("sagemaker:StartPipelineExecution", f"{SAGEMAKER}:pipeline/other"))
    assert not allowed(statements, Request("sagemaker:StopPipelineExecution", execution))
    assert not allowed(
        statements, Request("sagemaker:DescribePipelineExecution", f"{SAGEMAKER}:pipeline/other/execution/x")
    )


def test_a_pipeline_imported_by_arn_keeps_its_account_and_region():
    stack = new_stack()
    arn = "arn:aws:sagemaker:us-east-1:222222222222:pipeline/shared-training"
    pipeline = MlPipeline.from_pipeline_arn(stack, "Shared", arn)
    assert pipeline.pipeline_name == "shared-training" and pipeline.pipeline_arn == arn
    assert pipeline.env.account == "222222222222" and pipeline.parameter_names == frozenset()


def test_a_pipeline_is_a_cdk_pipeline_that_the_scheduler_target_takes():
    from aws_cdk import aws_scheduler as scheduler
    from aws_cdk import aws_scheduler_targets as scheduler_targets

    stack = new_stack()
    pipeline = _small_pipeline(stack, pipeline_name="nightly")
    imported = MlPipeline.from_pipeline_name(stack, "Imported", "weekly")
    for i, target in enumerate((pipeline, imported)):
        scheduler.Schedule(
            stack,
            f"Schedule{i}",
            schedule=scheduler.ScheduleExpression.rate(Duration.days(1)),
            target=scheduler_targets.SageMakerStartPipelineExecution(target),
        )
    template = Template.from_stack(stack)
    arns = json.dumps(
        [s["Properties"]["Target"]["Arn"] for s in template.find_resources("AWS::Scheduler::Schedule").values()]
    )
    assert ":pipeline/nightly" in arns and ":pipeline/weekly" in arns
    assert pipeline.pipeline_ref.pipeline_name == "nightly"


def test_a_pipeline_is_grantable_as_its_role():
    from tests.constructs_lib.grants import actions_of, role_statements

    stack = new_stack()
    pipeline = _small_pipeline(stack)
    assert pipeline.grant_principal is pipeline.role
    sqs.Queue(stack, "Queue").grant_send_messages(pipeline)
    assert "sqs:SendMessage" in actions_of(role_statements(Template.from_stack(stack), "NightlyRole"))


def test_a_pipeline_without_jobs_has_a_role_without_permissions():
    template = Template.from_stack(_small_pipeline(new_stack()).stack)
    template.resource_count_is("AWS::IAM::ManagedPolicy", 0)
    template.resource_count_is("AWS::SageMaker::Pipeline", 1)


@pytest.mark.parametrize(
    "method, metric_name, statistic",
    [
        ("metric_execution_started", "ExecutionStarted", "Sum"),
        ("metric_execution_failed", "ExecutionFailed", "Sum"),
        ("metric_execution_succeeded", "ExecutionSucceeded", "Sum"),
        ("metric_execution_stopped", "ExecutionStopped", "Sum"),
        ("metric_execution_duration", "ExecutionDuration", "Average"),
    ],
)
def test_execution_metrics_are_sagemaker_pipelines_metrics_of_this_pipeline(method, metric_name, statistic):
    stack = new_stack()
    for pipeline in (
        _small_pipeline(stack, pipeline_name="nightly"),
        MlPipeline.from_pipeline_name(stack, "I", "nightly"),
    ):
        m = getattr(pipeline, method)()
        assert (m.namespace, m.metric_name, m.statistic) == (
            "AWS/Sagemaker/ModelBuildingPipeline",
            metric_name,
            statistic,
        )
        assert m.dimensions == {"PipelineName": "nightly"}
        assert m.period.to_minutes() == 5


def test_metric_options_override_the_defaults_and_step_metrics_name_the_step():
    from aws_cdk import aws_cloudwatch as cloudwatch

    pipeline = _small_pipeline(new_stack(), pipeline_name="nightly")
    m = pipeline.metric_execution_failed(cloudwatch.MetricOptions(period=Duration.hours(1), statistic="Maximum"))
    assert (m.period.to_hours(), m.statistic) == (1, "Maximum")
    step = pipeline.metric_step_failed("Train")
    assert step.metric_name == "StepFailed" and step.dimensions == {"PipelineName": "nightly", "StepName": "Train"}
