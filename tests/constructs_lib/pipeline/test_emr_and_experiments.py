"""EMR steps (a running cluster or one created for the step) and PipelineExperimentConfig: their
definition JSON against botocore's EMR shapes and the schema, their validation, and what the pipeline's
role may do for them."""

from __future__ import annotations

import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from constructs_lib import ConstructValidationError, ContainerImage, JobRole, MlPipeline
from constructs_lib.training.container_images import SKLEARN_REPOSITORY, sklearn_image_uri
from constructs_lib.training.pipeline import (
    ConditionEquals,
    ConditionStep,
    EmrClusterConfig,
    EmrInstanceGroup,
    EmrStep,
    EmrStepConfig,
    ExecutionVariables,
    FailStep,
    Join,
    ParameterString,
    PipelineDefinition,
    PipelineExperimentConfig,
    ProcessingStep,
)
from tests.conftest import compliance_app, nag_findings, new_stack
from tests.constructs_lib.pipeline.conftest import SKLEARN, assert_valid
from tests.iam_eval import Request, allowed
from tests.sagemaker_contract import definition_api_problems

CLUSTER = "j-2AXXXXXXGAPLF"
SPARK = EmrStepConfig(
    jar="command-runner.jar",
    args=["spark-submit", "s3://code/prepare.py", "--rows", 1000],
    properties={"spark.executor.memory": "4g"},
)


def _cluster_config(stack, **changes) -> EmrClusterConfig:
    instance_role = iam.Role.from_role_arn(stack, "EmrInstanceRole", "arn:aws:iam::123456789012:role/emr-ec2")
    options = dict(
        release_label="emr-7.5.0",
        instance_groups=[EmrInstanceGroup("MASTER", "m5.xlarge"), EmrInstanceGroup("CORE", "m5.xlarge", 2)],
        service_role=iam.Role.from_role_arn(stack, "EmrServiceRole", "arn:aws:iam::123456789012:role/emr-service"),
        instance_profile=iam.InstanceProfile.from_instance_profile_attributes(
            stack,
            "EmrProfile",
            instance_profile_arn="arn:aws:iam::123456789012:instance-profile/emr-ec2",
            role=instance_role,
        ),
        log_uri="s3://logs/emr/",
    )
    options.update(changes)
    return EmrClusterConfig(**options)


def test_a_step_on_a_running_cluster_is_the_sdks_emr_step():
    step = EmrStep("Prepare", cluster_id=CLUSTER, step_config=SPARK)
    definition = PipelineDefinition(steps=[step]).render()
    (rendered,) = definition["Steps"]
    assert rendered == {
        "Name": "Prepare",
        "Type": "EMR",
        "Arguments": {
            "StepConfig": {
                "HadoopJarStep": {
                    "Jar": "command-runner.jar",
                    "Args": ["spark-submit", "s3://code/prepare.py", "--rows", "1000"],
                    "Properties": [{"Key": "spark.executor.memory", "Value": "4g"}],
                }
            },
            "ClusterId": CLUSTER,
        },
    }
    assert_valid(definition)


def test_a_step_with_its_own_cluster_sends_a_run_job_flow_request():
    stack = new_stack()
    step = EmrStep("Prepare", cluster_config=_cluster_config(stack), step_config=SPARK)
    definition = PipelineDefinition(steps=[step]).render()
    config = definition["Steps"][0]["Arguments"]["ClusterConfig"]
    assert config["ReleaseLabel"] == "emr-7.5.0"
    assert config["Instances"]["InstanceGroups"][1] == {
        "InstanceRole": "CORE",
        "InstanceType": "m5.xlarge",
        "InstanceCount": 2,
        "Market": "ON_DEMAND",
    }
    assert "ClusterId" not in definition["Steps"][0]["Arguments"]
    assert_valid(definition)


def test_canary_the_emr_walker_reports_bad_arguments():
    definition = PipelineDefinition(steps=[EmrStep("Prepare", cluster_id=CLUSTER, step_config=SPARK)]).render()
    arguments = definition["Steps"][0]["Arguments"]
    arguments["StepConfig"]["HadoopJarStep"]["Jars"] = "x"
    arguments["StepConfig"]["ActionOnFailure"] = "EXPLODE"
    problems = definition_api_problems(definition)
    assert any("HadoopJarStep.Jars: unknown member of emr:HadoopJarStepConfig" in p for p in problems), problems
    assert any("'EXPLODE' is not one of emr:ActionOnFailure's values" in p for p in problems), problems


def test_emr_properties_follow_emrs_step_shape_and_a_typo_names_the_members():
    step = EmrStep("Prepare", cluster_id=CLUSTER, step_config=SPARK)
    assert step.step_state.expr == {"Get": "Steps.Prepare.Status.State"}
    assert step.properties.Config.Args[0].expr == {"Get": "Steps.Prepare.Config.Args[0]"}
    with pytest.raises(AttributeError, match="has no property 'Statu'.*properties: Id, Name, Config"):
        step.properties.Statu  # noqa: B018


def test_later_steps_read_the_emr_step_and_cycles_through_it_fail():
    prepare = EmrStep("Prepare", cluster_id=CLUSTER, step_config=SPARK)
    gate = ConditionStep(
        "Done",
        conditions=[ConditionEquals(prepare.step_state, "COMPLETED")],
        if_steps=[],
        else_steps=[FailStep("Failed", error_message="EMR step failed")],
    )
    assert_valid(PipelineDefinition(steps=[prepare, gate]).render())
    prepare.add_depends_on("Done")
    with pytest.raises(ConstructValidationError, match="Prepare -> Done -> Prepare|Done -> Prepare -> Done"):
        PipelineDefinition(steps=[prepare, gate]).render()


@pytest.mark.parametrize(
    "options, message",
    [
        ({}, "cluster_id/cluster_config.*give exactly one"),
        ({"cluster_id": "cluster-1"}, "cluster_id.*must be an EMR cluster ID"),
        ({"cluster_id": CLUSTER, "config": True}, "cluster_id/cluster_config.*give exactly one"),
        ({"config": True, "role": True}, "execution_role.*running cluster \\(cluster_id\\) only"),
        ({"cluster_id": CLUSTER, "jar": None}, "step_config.jar.*is required"),
        ({"config": True, "groups": [EmrInstanceGroup("CORE", "m5.xlarge")]}, "exactly one MASTER group"),
        ({"config": True, "groups": [EmrInstanceGroup("MAIN", "m5.xlarge")]}, "role.*must be one of MASTER, CORE"),
        ({"config": True, "groups": [EmrInstanceGroup("MASTER", "m5.xlarge", 2)]}, "1 instance \\(or 3"),
        ({"config": True, "extra": {"Steps": []}}, "extra\\['Steps'\\].*set by EmrClusterConfig"),
        ({"config": True, "extra": {"Tagz": []}}, "extra\\['Tagz'\\].*not a member of EMR RunJobFlow"),
        ({"config": True, "release": "7.5.0"}, "release_label.*'emr-7.5.0'"),
    ],
)
def test_bad_emr_input_fails(options, message):
    stack = new_stack()
    changes = {}
    if "groups" in options:
        changes["instance_groups"] = options["groups"]
    if "extra" in options:
        changes["extra"] = options["extra"]
    if "release" in options:
        changes["release_label"] = options["release"]
    step = EmrStep(
        "Prepare",
        cluster_id=options.get("cluster_id"),
        cluster_config=_cluster_config(stack, **changes) if options.get("config") else None,
        execution_role=iam.Role.from_role_arn(stack, "Runtime", "arn:aws:iam::123456789012:role/rt")
        if options.get("role")
        else None,
        step_config=EmrStepConfig(jar=None) if "jar" in options else SPARK,
    )
    with pytest.raises(ConstructValidationError, match=message):
        PipelineDefinition(steps=[step]).render()


def test_an_instance_profile_without_its_role_fails():
    stack = new_stack()
    profile = iam.InstanceProfile.from_instance_profile_name(stack, "Profile", "emr-ec2")
    step = EmrStep("Prepare", cluster_config=_cluster_config(stack, instance_profile=profile), step_config=SPARK)
    with pytest.raises(ConstructValidationError, match="instance_profile.*must carry its role"):
        PipelineDefinition(steps=[step]).render()


def _policy(stack) -> list[dict]:
    (policy,) = Template.from_stack(stack).find_resources("AWS::IAM::ManagedPolicy").values()
    return policy["Properties"]["PolicyDocument"]["Statement"]


def _role_policy(stack, prefix: str) -> list[dict]:
    for policy in Template.from_stack(stack).find_resources("AWS::IAM::ManagedPolicy").values():
        if any(r["Ref"].startswith(prefix) for r in policy["Properties"]["Roles"]):
            return policy["Properties"]["PolicyDocument"]["Statement"]
    raise AssertionError(prefix)


@pytest.fixture(scope="module")
def emr_pipelines():
    app = compliance_app()
    running = new_stack(app, "Running")
    runtime = iam.Role.from_role_arn(running, "Runtime", "arn:aws:iam::123456789012:role/emr-runtime")
    MlPipeline(
        running,
        "P",
        pipeline_name="emr-running",
        definition=PipelineDefinition(
            steps=[EmrStep("Prepare", cluster_id=CLUSTER, step_config=SPARK, execution_role=runtime)]
        ),
    )
    created = new_stack(app, "Created")
    MlPipeline(
        created,
        "P",
        pipeline_name="emr-created",
        definition=PipelineDefinition(
            steps=[EmrStep("Prepare", cluster_config=_cluster_config(created), step_config=SPARK)]
        ),
    )
    findings = nag_findings(app)
    return _policy(running), _policy(created), findings


def test_emr_pipelines_are_nag_clean(emr_pipelines):
    assert emr_pipelines[2] == []


CLUSTER_ARN = f"arn:<AWS::Partition>:elasticmapreduce:eu-west-1:<AWS::AccountId>:cluster/{CLUSTER}"
RULE = "arn:<AWS::Partition>:events:eu-west-1:<AWS::AccountId>:rule/SageMakerPipelineExecutionEMRStepStatusUpdateRule"


def test_on_a_running_cluster_the_role_runs_steps_on_that_cluster_only(emr_pipelines):
    statements = emr_pipelines[0]
    for action in ("AddJobFlowSteps", "DescribeStep", "CancelSteps", "ListSteps"):
        assert allowed(statements, Request(f"elasticmapreduce:{action}", CLUSTER_ARN))
        assert not allowed(statements, Request(f"elasticmapreduce:{action}", CLUSTER_ARN.replace(CLUSTER, "j-OTHER")))
    assert not allowed(statements, Request("elasticmapreduce:RunJobFlow", "*"))
    assert not allowed(statements, Request("elasticmapreduce:TerminateJobFlows", CLUSTER_ARN))
    for action in ("events:PutRule", "events:PutTargets", "events:DescribeRule"):
        assert allowed(statements, Request(action, RULE))
        assert not allowed(statements, Request(action, RULE.replace("EMRStep", "Other")))


def test_the_runtime_role_is_passed_to_emr_only(emr_pipelines):
    statements = emr_pipelines[0]
    role = "arn:aws:iam::123456789012:role/emr-runtime"
    emr = {"iam:PassedToService": "elasticmapreduce.amazonaws.com"}
    assert allowed(statements, Request("iam:PassRole", role, emr))
    assert not allowed(statements, Request("iam:PassRole", role, {"iam:PassedToService": "ec2.amazonaws.com"}))


def test_with_a_cluster_config_the_role_creates_follows_and_ends_clusters_and_passes_their_roles(emr_pipelines):
    statements = emr_pipelines[1]
    assert allowed(statements, Request("elasticmapreduce:RunJobFlow", "*"))
    any_cluster = CLUSTER_ARN.replace(CLUSTER, "j-NEW")
    for action in ("AddJobFlowSteps", "DescribeStep", "DescribeCluster", "TerminateJobFlows"):
        assert allowed(statements, Request(f"elasticmapreduce:{action}", any_cluster))
    cluster_rule = RULE.replace("EMRStepStatus", "EMRClusterStatus")
    assert allowed(statements, Request("events:PutRule", cluster_rule))
    service = "arn:aws:iam::123456789012:role/emr-service"
    instance = "arn:aws:iam::123456789012:role/emr-ec2"
    assert allowed(
        statements, Request("iam:PassRole", service, {"iam:PassedToService": "elasticmapreduce.amazonaws.com"})
    )
    assert not allowed(statements, Request("iam:PassRole", service, {"iam:PassedToService": "ec2.amazonaws.com"}))
    assert allowed(statements, Request("iam:PassRole", instance, {"iam:PassedToService": "ec2.amazonaws.com"}))
    assert not allowed(
        statements, Request("iam:PassRole", instance, {"iam:PassedToService": "sagemaker.amazonaws.com"})
    )


# --- experiments -------------------------------------------------------------------------------------


def _processing(role_arn: str = "arn:aws:iam::123456789012:role/jobs"):
    role = iam.Role.from_role_arn(new_stack(), "R", role_arn)
    return ProcessingStep("P", role=role, image=ContainerImage.from_uri(SKLEARN), instance_type="ml.m5.large")


def test_the_default_experiment_config_is_the_pipeline_and_the_execution():
    definition = PipelineDefinition(steps=[_processing()], experiment_config=PipelineExperimentConfig()).render()
    assert definition["PipelineExperimentConfig"] == {
        "ExperimentName": {"Get": "Execution.PipelineName"},
        "TrialName": {"Get": "Execution.PipelineExecutionId"},
    }
    assert list(definition) == ["Version", "PipelineExperimentConfig", "Steps"]
    assert_valid(definition)


def test_experiment_names_may_be_literals_parameters_and_joins():
    team = ParameterString("Team", default_value="churn")
    config = PipelineExperimentConfig(
        experiment_name="churn-experiments",
        trial_name=Join(on="-", values=[team, ExecutionVariables.PIPELINE_EXECUTION_ID]),
    )
    definition = PipelineDefinition(parameters=[team], steps=[_processing()], experiment_config=config).render()
    assert definition["PipelineExperimentConfig"]["ExperimentName"] == "churn-experiments"
    assert definition["PipelineExperimentConfig"]["TrialName"] == {
        "Std:Join": {"On": "-", "Values": [{"Get": "Parameters.Team"}, {"Get": "Execution.PipelineExecutionId"}]}
    }
    assert_valid(definition)


def test_without_an_experiment_config_the_definition_has_none():
    assert "PipelineExperimentConfig" not in PipelineDefinition(steps=[_processing()]).render()


@pytest.mark.parametrize(
    "config, message",
    [
        (PipelineExperimentConfig(experiment_name="churn_experiments"), "experiment_name.*ExperimentEntityName"),
        (PipelineExperimentConfig(trial_name="x" * 121), "trial_name.*1-120 letters"),
        (PipelineExperimentConfig(trial_name=ParameterString("Undeclared")), "not declared in parameters"),
        (
            PipelineExperimentConfig(trial_name=_processing().properties.ProcessingJobName),
            "must not read step properties",
        ),
        ("churn", "experiment_config.*must be a PipelineExperimentConfig"),
    ],
)
def test_bad_experiment_config_fails(config, message):
    with pytest.raises(ConstructValidationError, match=message):
        PipelineDefinition(steps=[_processing()], experiment_config=config).render()


def test_the_pipeline_role_creates_and_associates_its_experiment_entities_only():
    app = compliance_app()
    stack = new_stack(app)
    role = JobRole(stack, "Jobs", job_kinds=["processing"], aws_image_repositories=[SKLEARN_REPOSITORY])
    step = ProcessingStep(
        "P", role=role, image=ContainerImage.from_uri(sklearn_image_uri("eu-west-1")), instance_type="ml.m5.large"
    )
    MlPipeline(
        stack,
        "P",
        pipeline_name="Churn-Training",
        definition=PipelineDefinition(steps=[step], experiment_config=PipelineExperimentConfig()),
    )
    assert nag_findings(app) == []
    statements = _role_policy(stack, "PRole")
    base = "arn:<AWS::Partition>:sagemaker:eu-west-1:<AWS::AccountId>"
    # SageMaker writes names lower case in ARNs; the experiment is the pipeline's.
    assert allowed(statements, Request("sagemaker:CreateExperiment", f"{base}:experiment/churn-training"))
    assert not allowed(statements, Request("sagemaker:CreateExperiment", f"{base}:experiment/other"))
    assert allowed(statements, Request("sagemaker:CreateTrial", f"{base}:experiment-trial/abc123"))
    assert allowed(statements, Request("sagemaker:AssociateTrialComponent", f"{base}:experiment-trial-component/x"))
    assert not allowed(statements, Request("sagemaker:DeleteExperiment", f"{base}:experiment/churn-training"))
