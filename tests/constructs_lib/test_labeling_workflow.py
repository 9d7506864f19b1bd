"""``LabelingWorkflow``: the state machine's wiring, the event path, the roles (evaluated with
``tests.iam_eval``), the alarms, compliance, and each bad input."""

import json
from pathlib import Path

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Annotations, Match, Template

from constructs_lib import (
    AlertTopic,
    AutoLabeling,
    ConstructValidationError,
    LabelingTaskType,
    LabelingWorkflow,
    LabelingWorkforce,
    PrivateNetwork,
    S3Location,
    SecureBucket,
    WorkerInstructions,
)
from constructs_lib._core.wildcards import flatten_cfn_reference
from constructs_lib.foundation.private_network import DEFAULT_INTERFACE_ENDPOINTS
from tests.conftest import cfn_lint_errors, compliance_app, nag_findings, new_app, new_stack
from tests.constructs_lib.grants import role_statements
from tests.iam_eval import Request, allowed

ZONES = ["eu-west-1a", "eu-west-1b"]
#: The test stacks' SageMaker ARNs (a stack in a known region has a known partition).
SAGEMAKER = "arn:aws:sagemaker:eu-west-1:<AWS::AccountId>"
TEMPLATE_FILE = Path(__file__).parent / "labeling_template.liquid.html"


def foundations(stack: Stack, endpoints=(*DEFAULT_INTERFACE_ENDPOINTS, "states")):
    network = PrivateNetwork(stack, "Net", availability_zones=ZONES, interface_endpoints=list(endpoints))
    data = SecureBucket(stack, "Data")
    topic = AlertTopic(stack, "Alerts")
    workforce = LabelingWorkforce(stack, "Workforce", workteam_name="labelers", cognito_domain_prefix="ml-labels-dev")
    return network, data, topic, workforce


def text_workflow(stack: Stack, network, data, topic, workforce, construct_id: str = "Messages", **overrides):
    props = dict(
        workforce=workforce,
        task_type=LabelingTaskType.TEXT_CLASSIFICATION,
        labels=["churn-risk", "no-churn-risk"],
        source=S3Location(data, "labeling/messages/incoming/"),
        output=S3Location(data, "labeling/messages/jobs/"),
        published_manifests=S3Location(data, "raw/labeled/messages/"),
        network=network,
        alarm_topic=topic,
        job_name_prefix="churn-messages",
        task_title="Churn risk",
        task_description="Does this message say the customer may leave?",
        task_keywords=["text", "churn"],
        ui_template=str(TEMPLATE_FILE),
        auto_labeling=AutoLabeling(),
        key_suffixes=[".txt"],
        workers_per_object=3,
    )
    props.update(overrides)
    return LabelingWorkflow(stack, construct_id, **props)


@pytest.fixture(scope="module")
def built():
    app = compliance_app()
    stack = new_stack(app)
    network, data, topic, workforce = foundations(stack)
    text = text_workflow(stack, network, data, topic, workforce)
    video = text_workflow(
        stack,
        network,
        data,
        topic,
        workforce,
        construct_id="Video",
        task_type=LabelingTaskType.VIDEO_OBJECT_TRACKING,
        labels=["car", "bike", "pedestrian"],
        source=S3Location(data, "labeling/video/sequences/"),
        output=S3Location(data, "labeling/video/jobs/"),
        published_manifests=None,
        job_name_prefix="traffic",
        task_title="Track vehicles",
        task_description="Draw a box around each vehicle in every frame.",
        task_keywords=(),
        ui_template=None,
        auto_labeling=None,
        key_suffixes=(),
        workers_per_object=1,
        task_time_limit=Duration.days(2),
    )
    findings = nag_findings(app)
    return stack, text, video, Template.from_stack(stack), findings


@pytest.fixture(scope="module")
def template(built) -> Template:
    return built[3]


def definition(template: Template, workflow: LabelingWorkflow) -> dict:
    logical_id = Stack.of(workflow).get_logical_id(workflow.state_machine.node.default_child)
    body = template.find_resources("AWS::StepFunctions::StateMachine")[logical_id]["Properties"]["DefinitionString"]
    _, parts = body["Fn::Join"]
    return json.loads("".join(p if isinstance(p, str) else flatten_cfn_reference(p) for p in parts))


def ref(construct) -> str:
    """The logical id of a construct's main resource."""
    if isinstance(construct, s3.Bucket):
        return Stack.of(construct).resolve(construct.bucket_name)["Ref"]
    return Stack.of(construct).get_logical_id(construct.node.default_child)


def test_the_job_runs_through_the_sync_integration_with_the_request_built_at_synth(built, template):
    _, text, _, _, _ = built
    states = definition(template, text)["States"]
    create = states["CreateLabelingJob"]
    assert create["Resource"] == "arn:<AWS::Partition>:states:::sagemaker:createLabelingJob.sync"
    params = create["Parameters"]
    assert params["LabelingJobName.$"] == "$.LabelingJobName"
    assert params["InputConfig"] == {"DataSource": {"S3DataSource": {"ManifestS3Uri.$": "$.ManifestS3Uri"}}}
    assert params["LabelAttributeName"] == "label"
    assert params["OutputConfig"]["S3OutputPath"] == f"s3://<{ref(text.source.bucket)}>/labeling/messages/jobs/"
    assert params["OutputConfig"]["KmsKeyId"].endswith(".Arn>")  # the data bucket's key
    assert params["RoleArn"] == f"<{ref(text.job_role)}.Arn>"
    assert params["LabelCategoryConfigS3Uri"].endswith(".json")
    human = params["HumanTaskConfig"]
    assert human["PreHumanTaskLambdaArn"] == (
        "arn:<AWS::Partition>:lambda:<AWS::Region>:568282634449:function:PRE-TextMultiClass"
    )
    assert human["AnnotationConsolidationConfig"]["AnnotationConsolidationLambdaArn"] == (
        "arn:<AWS::Partition>:lambda:<AWS::Region>:568282634449:function:ACS-TextMultiClass"
    )
    assert human["UiConfig"]["UiTemplateS3Uri"].endswith(".html")
    assert human["WorkteamArn"].endswith(".WorkteamArn>")
    assert (human["NumberOfHumanWorkersPerDataObject"], human["TaskTimeLimitInSeconds"]) == (3, 300)
    assert human["TaskAvailabilityLifetimeInSeconds"] == 864000
    assert human["TaskKeywords"] == ["text", "churn"]
    assert params["LabelingJobAlgorithmsConfig"]["LabelingJobAlgorithmSpecificationArn"] == (
        "arn:<AWS::Partition>:sagemaker:<AWS::Region>:027400017018:labeling-job-algorithm-specification/text-classification"
    )
    assert "VolumeKmsKeyId" in params["LabelingJobAlgorithmsConfig"]["LabelingJobResourceConfig"]
    assert create["TimeoutSeconds"] == 30 * 86400


def test_create_is_retried_on_throttling_and_quota_only_and_every_failure_goes_to_the_dlq(built, template):
    _, text, _, _, _ = built
    states = definition(template, text)["States"]
    [retry] = states["CreateLabelingJob"]["Retry"]
    assert retry["ErrorEquals"] == ["SageMaker.AmazonSageMakerException", "SageMaker.ResourceLimitExceededException"]
    assert retry["MaxAttempts"] == 6 and retry["JitterStrategy"] == "FULL"
    for name in ("CreateLabelingJob", "PublishOutputManifest"):
        assert states[name]["Catch"] == [
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "SendToDeadLetterQueue"}
        ]
    send = states["SendToDeadLetterQueue"]
    assert send["Resource"] == "arn:<AWS::Partition>:states:::aws-sdk:sqs:sendMessage"
    assert send["Parameters"]["MessageBody.$"] == "States.JsonToString($)"
    assert send["Next"] == "Failed" and states["Failed"]["Type"] == "Fail"


def test_the_output_manifest_is_published_where_the_training_data_is(built, template):
    _, text, _, _, _ = built
    states = definition(template, text)["States"]
    assert states["CreateLabelingJob"]["Next"] == "PublishOutputManifest"
    copy = states["PublishOutputManifest"]
    assert copy["Resource"] == "arn:<AWS::Partition>:states:::aws-sdk:s3:copyObject"
    bucket = ref(text.source.bucket)
    assert copy["Parameters"] == {
        "Bucket": f"<{bucket}>",
        "Key.$": "States.Format('raw/labeled/messages/{}/output.manifest', $.LabelingJobName)",
        "CopySource.$": f"States.Format('<{bucket}>/labeling/messages/jobs/{{}}/manifests/output/output.manifest', "
        "$.LabelingJobName)",
    }
    assert copy["Next"] == "Labeled"
    assert text.output_manifest_uri("job-1").endswith("/raw/labeled/messages/job-1/output.manifest")


def test_built_in_ui_task_types_use_the_regions_human_task_ui_and_a_ref_label(built, template):
    _, _, video, _, _ = built
    states = definition(template, video)["States"]
    params = states["CreateLabelingJob"]["Parameters"]
    assert params["HumanTaskConfig"]["UiConfig"] == {
        "HumanTaskUiArn": "arn:<AWS::Partition>:sagemaker:<AWS::Region>:394669845002:human-task-ui/VideoObjectTracking"
    }
    assert params["LabelAttributeName"] == "label-ref"
    assert params["HumanTaskConfig"]["TaskTimeLimitInSeconds"] == 2 * 86400
    assert "LabelingJobAlgorithmsConfig" not in params
    assert states["CreateLabelingJob"]["Next"] == "Labeled"  # no published prefix: nothing to copy


def test_label_categories_are_an_asset_in_the_documented_format(built):
    _, text, _, _, _ = built
    document = text.label_category_document
    assert document == {
        "document-version": "2018-11-28",
        "labels": [{"label": "churn-risk"}, {"label": "no-churn-risk"}],
    }


def test_new_objects_reach_the_queue_with_a_dlq_and_retries(built, template):
    _, text, _, _, _ = built
    rule = template.find_resources("AWS::Events::Rule", {"Properties": {"EventPattern": {"source": ["aws.s3"]}}})
    [messages] = [r for r in rule.values() if "labeling/messages" in json.dumps(r)]
    pattern = messages["Properties"]["EventPattern"]
    assert pattern["detail-type"] == ["Object Created"]
    assert pattern["detail"]["object"]["key"] == [{"wildcard": "labeling/messages/incoming/*.txt"}]
    [target] = messages["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [ref(text.queue), "Arn"]}
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600}
    assert "DeadLetterConfig" in target
    queue = template.find_resources("AWS::SQS::Queue")[ref(text.queue)]["Properties"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] == 5
    assert queue["VisibilityTimeout"] == 6 * 120 + 300  # AWS: 6x the function timeout + the batching window
    template.has_resource_properties(
        "AWS::S3::Bucket", {"NotificationConfiguration": {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}}
    )


def test_the_batcher_reads_batches_of_the_queue(built, template):
    _, text, _, _, _ = built
    template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "EventSourceArn": {"Fn::GetAtt": [ref(text.queue), "Arn"]},
            "BatchSize": 1000,
            "MaximumBatchingWindowInSeconds": 300,
            "ScalingConfig": {"MaximumConcurrency": 2},
        },
    )
    function = template.find_resources("AWS::Lambda::Function")[ref(text.batcher.function)]["Properties"]
    env = function["Environment"]["Variables"]
    assert env["SOURCE_PREFIX"] == "labeling/messages/incoming/"
    assert env["MANIFEST_PREFIX"] == "labeling/messages/jobs/manifests/"
    assert env["JOB_NAME_PREFIX"] == "churn-messages" and env["MANIFEST_LINE"] == "source"
    assert "VpcConfig" in function and function["ReservedConcurrentExecutions"] == 2


def test_failed_executions_and_dead_letters_alarm(built, template):
    _, text, _, _, _ = built
    for alarm in (text.failed_executions_alarm, text.dead_letter_alarm):
        props = template.find_resources("AWS::CloudWatch::Alarm")[ref(alarm)]["Properties"]
        assert props["AlarmActions"] and props["OKActions"]
        assert props["Threshold"] == 1
    failed = template.find_resources("AWS::CloudWatch::Alarm")[ref(text.failed_executions_alarm)]["Properties"]
    assert {m["MetricStat"]["Metric"]["MetricName"] for m in failed["Metrics"] if "MetricStat" in m} == {
        "ExecutionsFailed",
        "ExecutionsTimedOut",
        "ExecutionsAborted",
    }


# --- least privilege, both ways ---------------------------------------------------------------------


def _bucket_arn(workflow) -> str:
    return f"<{ref(workflow.source.bucket)}.Arn>"


def test_the_job_role_reads_the_input_and_writes_the_output_only(built, template):
    _, text, _, _, _ = built
    statements = role_statements(template, ref(text.job_role))
    bucket = _bucket_arn(text)
    # A text task's manifest carries the texts: Ground Truth reads the manifests, not the source.
    assert not allowed(statements, Request("s3:GetObject", f"{bucket}/labeling/messages/incoming/a.txt"))
    assert allowed(statements, Request("s3:GetObject", f"{bucket}/labeling/messages/jobs/manifests/j.manifest"))
    assert allowed(
        statements, Request("s3:PutObject", f"{bucket}/labeling/messages/jobs/j/manifests/output/output.manifest")
    )
    assert allowed(statements, Request("s3:ListBucket", bucket, {"s3:prefix": "labeling/messages/jobs/j/"}))
    assert allowed(statements, Request("s3:GetBucketLocation", bucket))
    assert not allowed(statements, Request("s3:PutObject", f"{bucket}/labeling/messages/incoming/a.txt"))
    assert not allowed(statements, Request("s3:GetObject", f"{bucket}/raw/churn/train.csv"))
    assert not allowed(statements, Request("s3:ListBucket", bucket, {"s3:prefix": "raw/"}))
    assert allowed(
        statements, Request("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": "/aws/sagemaker/LabelingJobs"})
    )
    assert not allowed(statements, Request("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": "Other"}))
    logs = "arn:aws:logs:eu-west-1:<AWS::AccountId>:log-group:/aws/sagemaker/LabelingJobs:log-stream:j/1"
    assert allowed(statements, Request("logs:PutLogEvents", logs))
    # Ground Truth reads the worker template and the label categories with this role.
    template_uri = definition(template, text)["States"]["CreateLabelingJob"]["Parameters"]["HumanTaskConfig"]
    key = template_uri["UiConfig"]["UiTemplateS3Uri"].split("/", 3)[3]
    assert allowed(
        statements,
        Request("s3:GetObject", f"arn:aws:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-eu-west-1/{key}"),
    )
    # Automated labeling: the role passes itself to SageMaker's active-learning jobs only.
    own = f"<{ref(text.job_role)}.Arn>"
    assert allowed(statements, Request("iam:PassRole", own, {"iam:PassedToService": "sagemaker.amazonaws.com"}))
    assert not allowed(statements, Request("iam:PassRole", own, {"iam:PassedToService": "lambda.amazonaws.com"}))


def test_the_job_role_is_for_sagemaker_of_this_account(built, template):
    _, text, _, _, _ = built
    trust = template.find_resources("AWS::IAM::Role")[ref(text.job_role)]["Properties"]["AssumeRolePolicyDocument"]
    [statement] = trust["Statement"]
    assert statement["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}


def test_a_video_job_role_reads_its_sequences_and_passes_no_role(built, template):
    _, _, video, _, _ = built
    statements = role_statements(template, ref(video.job_role))
    bucket = _bucket_arn(video)
    assert allowed(statements, Request("s3:GetObject", f"{bucket}/labeling/video/sequences/seq1.json"))
    assert allowed(statements, Request("s3:ListBucket", bucket, {"s3:prefix": "labeling/video/sequences/"}))
    assert not allowed(statements, Request("s3:GetObject", f"{bucket}/labeling/messages/incoming/a.txt"))
    assert not any("iam:PassRole" in json.dumps(s["Action"]) for s in statements)
    batcher = role_statements(template, ref(video.batcher.role))
    assert not allowed(batcher, Request("s3:GetObject", f"{bucket}/labeling/video/sequences/seq1.json"))


def test_the_state_machine_role_runs_this_workflows_jobs_only(built, template):
    _, text, _, _, _ = built
    statements = role_statements(template, ref(text.state_machine_role))
    job = f"{SAGEMAKER}:labeling-job/churn-messages-202612010915-0123abcd"
    for action in ("sagemaker:CreateLabelingJob", "sagemaker:DescribeLabelingJob", "sagemaker:StopLabelingJob"):
        assert allowed(statements, Request(action, job))
    assert not allowed(statements, Request("sagemaker:CreateLabelingJob", f"{SAGEMAKER}:labeling-job/other-job"))
    assert not allowed(statements, Request("sagemaker:CreateTrainingJob", f"{SAGEMAKER}:training-job/churn-messages-1"))
    rule = "arn:aws:events:eu-west-1:<AWS::AccountId>:rule/StepFunctionsGetEventsForSageMakerLabelingJobsRule"
    other = "arn:aws:events:eu-west-1:<AWS::AccountId>:rule/StepFunctionsGetEventsForSageMakerTrainingJobsRule"
    assert not allowed(statements, Request("events:PutTargets", other))
    for action in ("events:PutTargets", "events:PutRule", "events:DescribeRule"):
        assert allowed(statements, Request(action, rule))
    job_role = f"<{ref(text.job_role)}.Arn>"
    assert allowed(statements, Request("iam:PassRole", job_role, {"iam:PassedToService": "sagemaker.amazonaws.com"}))
    assert not allowed(statements, Request("iam:PassRole", job_role, {"iam:PassedToService": "ec2.amazonaws.com"}))
    bucket = _bucket_arn(text)
    assert allowed(statements, Request("s3:PutObject", f"{bucket}/raw/labeled/messages/j/output.manifest"))
    assert allowed(
        statements, Request("s3:GetObject", f"{bucket}/labeling/messages/jobs/j/manifests/output/output.manifest")
    )
    assert not allowed(statements, Request("s3:PutObject", f"{bucket}/raw/churn/train.csv"))
    assert not allowed(statements, Request("s3:GetObject", f"{bucket}/labeling/messages/incoming/a.txt"))
    assert allowed(statements, Request("sqs:SendMessage", f"<{ref(text.dead_letter_queue)}.Arn>"))


def test_the_batcher_writes_manifests_and_starts_its_state_machine_only(built, template):
    _, text, _, _, _ = built
    statements = role_statements(template, ref(text.batcher.role))
    bucket = _bucket_arn(text)
    machine = f"<{ref(text.state_machine)}>"
    assert allowed(statements, Request("states:StartExecution", machine))
    assert allowed(
        statements, Request("s3:PutObject", f"{bucket}/labeling/messages/jobs/manifests/churn-messages-1-a.manifest")
    )
    assert not allowed(statements, Request("s3:PutObject", f"{bucket}/labeling/messages/jobs/j/output.manifest"))
    assert allowed(statements, Request("s3:GetObject", f"{bucket}/labeling/messages/incoming/a.txt"))  # the texts
    assert not allowed(statements, Request("s3:GetObject", f"{bucket}/raw/churn/train.csv"))
    for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"):
        assert allowed(statements, Request(action, f"<{ref(text.queue)}.Arn>"))


# --- compliance and CloudFormation ------------------------------------------------------------------


def test_compliance_packs_are_clean(built):
    assert built[4] == []


def test_cfn_lint_finds_no_errors(template):
    assert cfn_lint_errors(template) == []


def test_an_environment_agnostic_stack_looks_the_functions_up_by_region():
    stack = Stack(new_app(), "Agnostic")
    network, data, topic, workforce = foundations(stack)
    workflow = text_workflow(stack, network, data, topic, workforce, auto_labeling=None)
    template = Template.from_stack(stack)
    mappings = template.to_json()["Mappings"]["GroundTruthLambdaAccounts"]
    assert mappings["eu-west-1"] == {"account": "568282634449"} and len(mappings) == 12
    body = json.dumps(template.find_resources("AWS::StepFunctions::StateMachine")[ref(workflow.state_machine)])
    assert '{"Fn::FindInMap": ["GroundTruthLambdaAccounts", {"Ref": "AWS::Region"}, "account"]}' in body


def test_a_bucket_without_eventbridge_gets_a_warning():
    stack = new_stack()
    network, data, topic, workforce = foundations(stack)
    plain = s3.Bucket.from_bucket_name(stack, "Plain", "plain-bucket")
    text_workflow(
        stack,
        network,
        data,
        topic,
        workforce,
        source=S3Location(plain, "labeling/in/"),
        output=S3Location(data, "labeling/out/"),
        published_manifests=None,
    )
    Annotations.from_stack(stack).has_warning("*", Match.string_like_regexp("make sure the source bucket sends"))


def test_a_network_without_the_step_functions_endpoint_fails():
    stack = new_stack()
    network, data, topic, workforce = foundations(stack, endpoints=DEFAULT_INTERFACE_ENDPOINTS)
    with pytest.raises(ConstructValidationError, match="states"):
        text_workflow(stack, network, data, topic, workforce)


# --- bad input fails at synth ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def parts():
    stack = new_stack()
    return stack, *foundations(stack)


BAD_INPUTS = [
    ({"labels": ["only-one"]}, "labels=['only-one']: give at least 2 label categories"),
    ({"labels": ["a", "a"]}, "labels=['a']: names must be unique"),
    ({"labels": ["a", " b"]}, "labels=' b': each label must be a non-empty string"),
    ({"job_name_prefix": "Churn_Messages"}, "job_name_prefix='Churn_Messages': must be 1-40 lowercase"),
    ({"job_name_prefix": "a" * 41}, "job_name_prefix='aaaa"),
    ({"task_title": ""}, "task_title='': must be from 1 to 128 characters long (botocore TaskTitle)"),
    ({"task_description": "x" * 256}, "must be from 1 to 255 characters long (botocore TaskDescription)"),
    ({"task_keywords": ["a", "b", "c", "d", "e", "f"]}, "must hold from 1 to 5 items (botocore TaskKeywords)"),
    ({"workers_per_object": 10}, "workers_per_object=10: must be an integer from 1 to 9"),
    (
        {"task_time_limit": Duration.seconds(10)},
        "task_time_limit (seconds)=10: must be an integer of at least 30 (botocore TaskTimeLimitInSeconds)",
    ),
    ({"task_time_limit": Duration.hours(9)}, "task_time_limit (seconds)=32400: must be an integer of at most 28800"),
    (
        {"task_availability_lifetime": Duration.days(31)},
        "task_availability_lifetime (seconds)=2678400: must be at most 2592000 (30 days",
    ),
    ({"max_concurrent_tasks": 5001}, "max_concurrent_tasks=5001: must be an integer from 1 to 5000"),
    ({"label_attribute_name": "label-ref"}, "label_attribute_name='label-ref': must not end with '-ref'"),
    ({"label_attribute_name": "label-metadata"}, "must not end with '-metadata'"),
    ({"label_attribute_name": "bad name"}, "label_attribute_name='bad name': must match the pattern"),
    ({"ui_template": None}, "ui_template=None: TEXT_CLASSIFICATION needs a worker task template"),
    ({"ui_template": "/no/such/template.html"}, "ui_template='/no/such/template.html': must be a file"),
    (
        {"worker_instructions": WorkerInstructions("a", "b")},
        "worker_instructions='given': only apply to NAMED_ENTITY_RECOGNITION",
    ),
    (
        {"task_type": LabelingTaskType.TEXT_MULTI_LABEL_CLASSIFICATION},
        "auto_labeling='TEXT_MULTI_LABEL_CLASSIFICATION': automated data labeling exists for",
    ),
    ({"auto_labeling": AutoLabeling(initial_model_arn="not-an-arn")}, "auto_labeling.initial_model_arn='not-an-arn'"),
    ({"task_type": "BoundingBox"}, "task_type='BoundingBox': must be a LabelingTaskType"),
    ({"batch_size": 0}, "batch_size=0: must be an integer from 1 to 10000"),
    ({"batching_window": Duration.minutes(6)}, "batching_window (seconds)=360: must be an integer from 0 to 300"),
    ({"job_timeout": Duration.minutes(30)}, "job_timeout (seconds)=1800: must be from 3600 (1 hour)"),
    ({"max_receive_count": 0}, "max_receive_count=0: must be an integer from 1 to 1000"),
    ({"retry_attempts": 186}, "retry_attempts=186"),
    ({"key_suffixes": ["*.jpg"]}, "key_suffixes='*.jpg': must be non-empty key endings"),
    ({"log_retention_days": 2}, "log_retention_days=2"),
]


def problems_of(parts, construct_id: str, **overrides) -> str:
    """The message of the error a text workflow with ``overrides`` fails with."""
    stack, network, data, topic, workforce = parts
    with pytest.raises(ConstructValidationError) as error:
        text_workflow(stack, network, data, topic, workforce, construct_id=construct_id, **overrides)
    message = str(error.value)
    assert f"LabelingWorkflow 'Test/{construct_id}' has invalid input" in message
    return message


@pytest.mark.parametrize(("overrides", "message"), BAD_INPUTS, ids=[m[:40] for _, m in BAD_INPUTS])
def test_bad_input_fails_at_synth_naming_the_property(parts, overrides, message):
    assert message in problems_of(parts, f"Bad{abs(hash(message))}", **overrides)


def test_locations_that_overlap_or_are_not_prefixes_fail(parts):
    data = parts[2]
    message = problems_of(
        parts,
        "Overlap",
        source=S3Location(data, "labeling/"),
        output=S3Location(data, "labeling/jobs/"),
        published_manifests=S3Location(data, "raw/labeled"),
    )
    assert "output.prefix='labeling/jobs/': must not overlap source.prefix 'labeling/'" in message
    assert "published_manifests.prefix='raw/labeled': must be a key prefix ending in '/'" in message


def test_built_in_ui_task_types_refuse_a_template_and_ner_needs_instructions(parts):
    message = problems_of(parts, "Ner", task_type=LabelingTaskType.NAMED_ENTITY_RECOGNITION, auto_labeling=None)
    assert "uses Ground Truth's built-in worker UI (NamedEntityRecognition): leave it out" in message
    assert "worker_instructions=None: are required for NAMED_ENTITY_RECOGNITION" in message


def test_named_entity_recognition_writes_the_instructions_into_the_label_categories(parts):
    stack, network, data, topic, workforce = parts
    ner = text_workflow(
        stack,
        network,
        data,
        topic,
        workforce,
        construct_id="Entities",
        task_type=LabelingTaskType.NAMED_ENTITY_RECOGNITION,
        auto_labeling=None,
        ui_template=None,
        job_name_prefix="entities",
        source=S3Location(data, "labeling/entities/in/"),
        output=S3Location(data, "labeling/entities/out/"),
        published_manifests=None,
        worker_instructions=WorkerInstructions("<p>Mark products</p>", "<p>Mark every product name.</p>"),
    )
    document = ner.label_category_document
    assert document["instructions"] == {
        "shortInstruction": "<p>Mark products</p>",
        "fullInstruction": "<p>Mark every product name.</p>",
    }


def test_a_region_without_ground_truth_fails_naming_the_known_ones():
    from aws_cdk import Environment

    stack = Stack(new_app(), "Stockholm", env=Environment(region="eu-north-1"))
    network, data, topic, workforce = foundations(stack)
    with pytest.raises(ConstructValidationError) as error:
        text_workflow(stack, network, data, topic, workforce)
    assert "region='eu-north-1': Ground Truth's built-in task types run in us-east-1, us-east-2" in str(error.value)
