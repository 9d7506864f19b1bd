"""Environments that share one account stay apart: dev's Studio roles cannot touch staging's or
prod's jobs, models, logs or metrics, and Studio cannot change what gets deployed.

The default environments share the deploying account (``shared_account=True``), so the policies of
the synthesized app are evaluated (``tests.iam_eval``) against requests on other environments'
resources, with the same requests on the environment's own resources as the canary.
"""

from __future__ import annotations

import re

import pytest

from constructs_lib._core.wildcards import flatten_cfn_reference
from tests.iam_eval import Request, allowed

SAGEMAKER = "arn:<AWS::Partition>:sagemaker:eu-west-1:<AWS::AccountId>"
LOGS = "arn:<AWS::Partition>:logs:eu-west-1:<AWS::AccountId>:log-group:"
ENVS = ("dev", "staging", "prod")
#: Policies of the Studio stacks' default roles: the domain's and the notebook instance's.
ROLES = {"domain": "DomainExecutionRolePermissions", "notebook": "NotebookRolePermissions"}


_POLICIES: dict[int, dict[tuple[str, str], list[dict]]] = {}


def _policy(synthesized_app, env: str, role: str) -> list[dict]:
    """The statements of ``role``'s policy in ``env``'s Studio stack (read once per session)."""
    if id(synthesized_app) not in _POLICIES:
        templates = {name: t for name, t in synthesized_app.templates() if name.endswith("/Studio")}
        _POLICIES[id(synthesized_app)] = {
            (e, r): next(
                (
                    res["Properties"]["PolicyDocument"]["Statement"]
                    for k, res in templates[f"{e}/Studio"]["Resources"].items()
                    if res["Type"] == "AWS::IAM::ManagedPolicy" and k.startswith(prefix)
                ),
                [],
            )
            for e in ENVS
            for r, prefix in ROLES.items()
        }
    return _POLICIES[id(synthesized_app)][(env, role)]


def _roles(synthesized_app, *only: str):
    """``(env, role, statements)`` of every default role (of the environments ``only``, if given)."""
    for env in only or ENVS:
        for role in ROLES:
            statements = _policy(synthesized_app, env, role)
            if statements:
                yield env, role, statements


def _others(env: str) -> list[str]:
    return [other for other in ENVS if other != env]


def _job_requests(env: str) -> list[Request]:
    name = f"ml-platform-{env}-churn-2026-01-01"
    return [
        Request("sagemaker:StopTrainingJob", f"{SAGEMAKER}:training-job/{name}"),
        Request("sagemaker:DescribeProcessingJob", f"{SAGEMAKER}:processing-job/{name}"),
        Request("sagemaker:StopTransformJob", f"{SAGEMAKER}:transform-job/{name}"),
        Request("sagemaker:StopHyperParameterTuningJob", f"{SAGEMAKER}:hyper-parameter-tuning-job/{name}"),
        Request("sagemaker:DeleteModel", f"{SAGEMAKER}:model/{name}"),
        Request("sagemaker:AddTags", f"{SAGEMAKER}:model/{name}"),
        Request("logs:GetLogEvents", f"{LOGS}/aws/sagemaker/TrainingJobs:log-stream:{name}/algo-1-1700000000"),
        Request("logs:PutLogEvents", f"{LOGS}/aws/sagemaker/ProcessingJobs:log-stream:{name}/algo-1-1700000000"),
        Request("logs:GetLogEvents", f"{LOGS}/aws/sagemaker/TransformJobs:log-stream:{name}/i-0abc-AllTraffic"),
        Request(
            "logs:GetLogEvents",
            f"{LOGS}/aws/sagemaker/Endpoints/ml-platform-{env}-inference:log-stream:AllTraffic/i-0abc",
        ),
    ]


def test_every_environment_has_the_default_roles_checked_here(synthesized_app):
    assert {(env, role) for env, role, _ in _roles(synthesized_app)} == {
        ("dev", "domain"),
        ("dev", "notebook"),
        ("staging", "domain"),
        ("prod", "domain"),
    }


@pytest.mark.parametrize("env", ENVS)
def test_studio_roles_cannot_touch_the_jobs_models_and_logs_of_other_environments(synthesized_app, env):
    for _, role, statements in _roles(synthesized_app, env):
        for request in _job_requests(env):  # canary: the same requests on its own resources pass
            assert allowed(statements, request), (env, role, request)
        for other in _others(env):
            for request in _job_requests(other):
                assert not allowed(statements, request), (env, role, request)


def test_studio_roles_cannot_touch_resources_named_by_cloudformation(synthesized_app):
    """The serving stacks' models have generated names (``Model0301700E-...``): out of every Studio role's reach."""
    for env, role, statements in _roles(synthesized_app):
        for action in ("sagemaker:DeleteModel", "sagemaker:DescribeModel", "sagemaker:AddTags"):
            assert not allowed(statements, Request(action, f"{SAGEMAKER}:model/model0301700e-abcdefgh")), (env, role)


@pytest.mark.parametrize(
    "namespace, ok",
    [
        ("/aws/sagemaker/TrainingJobs", True),
        ("/aws/sagemaker/ProcessingJobs", True),
        ("AWS/SageMaker", False),
        ("/aws/sagemaker/Endpoints", False),
        ("aws/sagemaker/Endpoints/data-metrics", False),
        ("ml-platform/prod/audit", False),
        ("ml-platform/dev/audit", False),
    ],
)
def test_studio_roles_publish_metrics_only_to_the_jobs_namespaces(synthesized_app, namespace, ok):
    for env, role, statements in _roles(synthesized_app):
        request = Request("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": namespace})
        assert allowed(statements, request) is ok, (env, role, namespace)


_SCOPED = [
    re.compile(r".*[:/]ml-platform-{env}-\*(:log-stream:\*)?$"),  # <project>-<env>-*
    re.compile(r".*:log-stream:ml-platform-{env}-(\*|notebook/\*)$"),  # job streams, the notebook's
    re.compile(r".*:sagemaker:.*:(app|space|user-profile)/<Domain[^>]*\.DomainId>/\*$"),  # this domain's
    re.compile(r".*:log-group:/aws/sagemaker/studio:log-stream:<Domain[^>]*\.DomainId>/\*$"),
]
_GROUP_ONLY = {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams"}


def test_every_sagemaker_and_logs_pattern_is_scoped_to_the_environment(synthesized_app):
    for env, role, statements in _roles(synthesized_app):
        scoped = [re.compile(p.pattern.replace("{env}", env)) for p in _SCOPED]
        for statement in (s for s in statements if s["Effect"] == "Allow"):
            actions = set(statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]])
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for resource in map(flatten_cfn_reference, resources):
                if "*" not in resource or not re.search(r":(sagemaker|logs):", resource):
                    continue
                # A fixed SageMaker log group, for actions on the group itself (no stream contents).
                group_only = actions <= _GROUP_ONLY and re.search(r":log-group:/aws/sagemaker/\w+(:\*)?$", resource)
                assert group_only or any(p.match(resource) for p in scoped), (env, role, resource)


def test_the_scope_check_can_fail():
    account_wide = flatten_cfn_reference(f"{SAGEMAKER}:training-job/*")
    assert not any(re.compile(p.pattern.replace("{env}", "dev")).match(account_wide) for p in _SCOPED)


# --- Studio cannot change what gets deployed -------------------------------------------------------


def _bucket(statements: list[dict], name: str) -> str:
    for statement in statements:
        for resource in statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]:
            flat = flatten_cfn_reference(resource)
            if name in flat and "/" not in flat.rsplit("}", 1)[-1]:
                return flat
    raise AssertionError(f"no {name} in the policy")


#: What decides the next deployment: the models, the pipeline code (the quality gate's evaluate.py)
#: and the monitoring baselines of the artifact bucket.
DEPLOYED = [
    "models/example/model.tar.gz",
    "pipelines/training/code/evaluate.py",
    "pipelines/training/models/churn/output/model.tar.gz",
    "monitoring/baselines/churn/constraints.json",
]


@pytest.mark.parametrize("env", ENVS)
def test_studio_reads_the_artifact_bucket_but_writes_nothing_that_gets_deployed(synthesized_app, env):
    for _, role, statements in _roles(synthesized_app, env):
        artifacts = _bucket(statements, "ArtifactBucket")
        for key in DEPLOYED:
            assert allowed(statements, Request("s3:GetObject", f"{artifacts}/{key}")), (env, role, key)
            for action in ("s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"):
                assert not allowed(statements, Request(action, f"{artifacts}/{key}")), (env, role, action, key)


@pytest.mark.parametrize("env", ENVS)
def test_studio_writes_only_scratch_of_the_data_bucket(synthesized_app, env):
    statements = _policy(synthesized_app, env, "domain")
    data = _bucket(statements, "DataBucket")
    assert allowed(statements, Request("s3:PutObject", f"{data}/scratch/alice/features.parquet"))
    for key in ("raw/churn/new.csv", "batch/input/x.csv", "ground-truth/churn/labels.csv"):
        assert allowed(statements, Request("s3:GetObject", f"{data}/{key}"))
        assert not allowed(statements, Request("s3:PutObject", f"{data}/{key}")), key


def test_studio_runs_transform_jobs_only_on_the_models_it_may_create(synthesized_app):
    for role in ROLES:
        statements = _policy(synthesized_app, "dev", role)
        key = next(s for s in statements if s.get("Sid") == "DenyJobsWithOtherVolumeKeys")
        volume_key = flatten_cfn_reference(key["Condition"]["StringNotEquals"]["sagemaker:VolumeKmsKey"][0])

        def transform(model: str, volume_key: str = volume_key) -> Request:
            return Request(
                "sagemaker:CreateTransformJob",
                f"{SAGEMAKER}:transform-job/ml-platform-dev-score-1",
                {"sagemaker:ModelArn": f"{SAGEMAKER}:model/{model}", "sagemaker:VolumeKmsKey": volume_key},
            )

        assert allowed(statements, transform("ml-platform-dev-mine"))  # canary
        # dev's serverless model (outside the VPC, with network access), prod's, any other.
        for model in ("model0301700e-abcdefgh", "serverlessmodelc9d02857-x", "ml-platform-prod-model", "outside"):
            assert not allowed(statements, transform(model)), (role, model)


def test_the_models_studio_may_run_are_created_in_the_platform_vpc(synthesized_app):
    statements = _policy(synthesized_app, "dev", "domain")
    create = Request("sagemaker:CreateModel", f"{SAGEMAKER}:model/ml-platform-dev-mine", {})
    assert not allowed(statements, create)  # no VPC: denied


# --- pipeline roles: every job is 'pipelines-<execution id>-...' in every environment: the tag decides --

#: The pipeline roles of each environment's training stack, by the policy's logical id prefix.
PIPELINES = {"training": "TrainingPipelineRolePermissions", "batch": "BatchTransformPipelineRolePermissions"}
#: The job kinds each pipeline's steps create: (resource type, create call, calls on an existing one).
JOB_CALLS = {
    "processing": ("processing-job", "CreateProcessingJob", ("DescribeProcessingJob", "StopProcessingJob")),
    "training": ("training-job", "CreateTrainingJob", ("DescribeTrainingJob", "StopTrainingJob")),
    "transform": ("transform-job", "CreateTransformJob", ("DescribeTransformJob", "StopTransformJob")),
    "model": ("model", "CreateModel", ("DescribeModel",)),
}
PIPELINE_KINDS = {"training": {"processing", "training"}, "batch": {"transform", "model"}}


def _statements_of(synthesized_app, stack: str, prefix: str) -> list[dict]:
    template = dict(synthesized_app.templates())[stack]
    found = [
        res["Properties"]["PolicyDocument"]["Statement"]
        for k, res in template["Resources"].items()
        if res["Type"] == "AWS::IAM::ManagedPolicy" and k.startswith(prefix)
    ]
    assert len(found) == 1, (stack, prefix)
    return found[0]


def _tagged(env: str | None, key: str = "ResourceTag") -> dict:
    return {f"aws:{key}/environment": env} if env is not None else {}


def _pipeline_jobs(synthesized_app, env: str, pipeline: str):
    """``(statements, job ARN, create call, calls on it)`` of each kind of job ``pipeline`` creates."""
    statements = _statements_of(synthesized_app, f"{env}/Training", PIPELINES[pipeline])
    for kind in PIPELINE_KINDS[pipeline]:
        resource_type, create, uses = JOB_CALLS[kind]
        yield statements, f"{SAGEMAKER}:{resource_type}/pipelines-a1b2c3d4e5f6-{kind}-x7y8z9", create, uses


@pytest.mark.parametrize("pipeline", PIPELINES)
@pytest.mark.parametrize("env", ENVS)
def test_pipeline_roles_describe_and_stop_only_their_environments_jobs_and_models(synthesized_app, env, pipeline):
    for statements, job, _, uses in _pipeline_jobs(synthesized_app, env, pipeline):
        for action in uses:
            assert allowed(statements, Request(f"sagemaker:{action}", job, _tagged(env))), (env, action)  # canary
            for other in [*_others(env), None]:  # another environment's job, or an untagged one
                assert not allowed(statements, Request(f"sagemaker:{action}", job, _tagged(other))), (env, other)
        # Nothing may delete a job or a model, even its own environment's.
        for action in ("DeleteModel", "DeleteProcessingJob", "DeleteTrainingJob"):
            assert not allowed(statements, Request(f"sagemaker:{action}", job, _tagged(env))), (env, action)


@pytest.mark.parametrize("pipeline", PIPELINES)
@pytest.mark.parametrize("env", ENVS)
def test_pipeline_roles_create_jobs_only_with_their_environment_tag(synthesized_app, env, pipeline):
    for statements, job, create, _ in _pipeline_jobs(synthesized_app, env, pipeline):
        for action in (f"sagemaker:{create}", "sagemaker:AddTags"):
            mine = {**_tagged(env, "RequestTag"), "aws:TagKeys": ["environment", "lineage:code-version"]}
            assert allowed(statements, Request(action, job, mine)), (env, action)  # canary: as the pipeline creates
            assert not allowed(statements, Request(action, job, {})), (env, action)  # untagged
            for other in _others(env):
                theirs = {**_tagged(other, "RequestTag"), "aws:TagKeys": ["environment"]}
                assert not allowed(statements, Request(action, job, theirs)), (env, action, other)
        # Another environment's existing job cannot be retagged into this one (and then stopped).
        for other in _others(env):
            retag = {**_tagged(env, "RequestTag"), **_tagged(other), "aws:TagKeys": ["environment"]}
            assert not allowed(statements, Request("sagemaker:AddTags", job, retag)), (env, other)


def test_every_job_step_of_the_apps_pipelines_carries_its_environment_tag(synthesized_app):
    import json

    from constructs_lib._core.cfn_values import Assembly, strings

    paths = sorted(str(p) for p in synthesized_app.outdir.glob("assembly-*/*.template.json"))
    assembly = Assembly.from_template_paths(paths)
    seen = set()
    for stack in assembly.stacks.values():
        env = next(e for e in ENVS if stack.artifact_id.startswith(e))
        for resource in stack.resources.values():
            if resource["Type"] != "AWS::SageMaker::Pipeline":
                continue
            body = assembly.resolve(stack, resource["Properties"])["PipelineDefinition"]["PipelineDefinitionBody"]
            definition = json.loads(strings(body)[0])
            jobs = [
                s
                for s in _steps(definition["Steps"])
                if s["Type"] in ("Processing", "Training", "Transform", "Tuning", "Model")
            ]
            assert jobs
            for step in jobs:
                assert {"Key": "environment", "Value": env} in step["Arguments"]["Tags"], (env, step["Name"])
            seen.add(env)
    assert seen == set(ENVS)


def _steps(steps: list[dict]) -> list[dict]:
    """Every step of a definition, condition branches included."""
    found = []
    for step in steps:
        found.append(step)
        found += _steps(step.get("Arguments", {}).get("IfSteps", []))
        found += _steps(step.get("Arguments", {}).get("ElseSteps", []))
    return found


def test_the_run_time_contracts_check_the_pipeline_roles_create_calls_with_the_steps_tags(synthesized_app):
    from constructs_lib._core.cfn_values import Assembly
    from constructs_lib.foundation._runtime_contracts import RuntimeContractCheck

    paths = sorted(str(p) for p in synthesized_app.outdir.glob("assembly-*/*.template.json"))
    needs = [need for o in RuntimeContractCheck(Assembly.from_template_paths(paths)).obligations() for need in o.needs]
    creates = [n for n in needs if n.action == "sagemaker:CreateTrainingJob"]
    assert creates and all(
        n.context.get("aws:RequestTag/environment") in (("dev",), ("staging",), ("prod",)) for n in creates
    )
    stops = [n for n in needs if n.action == "sagemaker:StopTransformJob"]
    assert stops and all("aws:ResourceTag/environment" in n.context for n in stops)
    logs = [n for n in needs if n.action == "logs:PutLogEvents" and "/aws/sagemaker/Endpoints/" in n.resource]
    assert {n.resource.split("Endpoints/")[1].split(":")[0] for n in logs} >= {
        synthesized_app.stages[env].serving.endpoint_physical_name for env in ENVS
    }


# --- model roles: their endpoints' logs only; no metrics that alarms or autoscaling follow -------------


def _model_roles(synthesized_app):
    """``(env, stack, statements)`` of every model role the app defines (served models and fleets)."""
    for stack, template in synthesized_app.templates():
        for key, res in template["Resources"].items():
            if res["Type"] == "AWS::IAM::ManagedPolicy" and re.match(r"^(Serverless)?ModelRolePermissions", key):
                yield stack.split("/")[0], stack, res["Properties"]["PolicyDocument"]["Statement"]


def test_every_environment_has_model_roles_checked_here(synthesized_app):
    assert {env for env, _, _ in _model_roles(synthesized_app)} == set(ENVS)


def test_model_roles_write_only_their_environments_endpoint_logs(synthesized_app):
    for env, stack, statements in _model_roles(synthesized_app):
        endpoints = [
            r
            for r in dict(synthesized_app.templates())[
                stack.rsplit("/", 1)[0] if stack.endswith("ServedModel") else stack
            ]["Resources"].values()
            if r["Type"] == "AWS::SageMaker::Endpoint"
        ]
        assert endpoints, stack
        logs_statement = next(st for st in statements if st.get("Sid") == "EndpointLogs")
        resources = (
            logs_statement["Resource"] if isinstance(logs_statement["Resource"], list) else [logs_statement["Resource"]]
        )
        logs = flatten_cfn_reference(resources[0]).split("/aws/sagemaker/")[0]  # as the template writes it
        for other in _others(env):
            for action in ("logs:PutLogEvents", "logs:CreateLogStream"):
                stream = f"{logs}/aws/sagemaker/Endpoints/ml-platform-{other}-inference:log-stream:AllTraffic/i-0abc"
                assert not allowed(statements, Request(action, stream)), (stack, other)
        names = {e["Properties"]["EndpointName"] for e in endpoints}
        for name in names:  # canary: its own endpoints'
            stream = f"{logs}/aws/sagemaker/Endpoints/{name}:log-stream:AllTraffic/i-0abc"
            assert any(allowed(statements, Request(action, stream)) for action in ("logs:PutLogEvents",)), (stack, name)


@pytest.mark.parametrize(
    "namespace, ok",
    [
        ("/aws/sagemaker/Endpoints", True),
        ("AWS/SageMaker", False),
        ("aws/sagemaker/Endpoints/data-metrics", False),
        ("aws/sagemaker/Endpoints/model-metrics", False),
        ("/aws/sagemaker/Endpoints/data-metrics", False),
        ("/aws/sagemaker/TrainingJobs", False),
        ("ml-platform/prod/audit", False),
    ],
)
def test_model_roles_publish_only_endpoint_instance_metrics(synthesized_app, namespace, ok):
    for _env, stack, statements in _model_roles(synthesized_app):
        request = Request("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": namespace})
        assert allowed(statements, request) is ok, (stack, namespace)
