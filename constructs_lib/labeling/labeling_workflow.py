"""``LabelingWorkflow``: Ground Truth labeling jobs on the new objects under an S3 prefix.

How it runs (each arrow is at-least-once, with a retry policy and the workflow's dead-letter queue):

    S3 "Object Created" under source.prefix --(EventBridge rule)--> SQS queue
      --(Lambda SQS event source: a batch of up to batch_size events, collected for up to
         batching_window)--> batcher function: dedupes the keys, writes the input manifest
         <output.prefix>manifests/<job>.manifest, starts the state machine named after the job
      --> Step Functions: sagemaker:createLabelingJob.sync (waits for the job) --> copies the job's
         output manifest to published_manifests/<job>/output.manifest --> succeeds
         (any failure: the execution's input and error to the dead-letter queue, then fails)

Batching is an SQS queue read by Lambda's event source, not a scheduled batcher: the event source
polls the queue outside the VPC (no SQS endpoint needed), holds a batch for up to five minutes, and
redelivers a failed batch whole. A redelivered batch has the same job name (see the handler), so it
starts no second job. Jobs of consecutive batches may run at the same time; their tasks reach the
same workteam.

Labels as features (``label_feature_group``): after the job (and the copy), the label ingester (a
function in the VPC) reads the output manifest and writes one Feature Store record per labeled
object (``LABEL_FEATURES``: ``object_id``, a digest of the data object, and ``labeled_at``, the
label's creation date, make every retry and duplicate an identical upsert; see its handler).

Registration: the output manifest (an augmented manifest whose ``source-ref`` lines point at the
labeled objects, with the labels under ``label_attribute_name``) is copied under
``published_manifests``; point a training pipeline's data parameter (or a ``NewDataRetraining``
trigger) at that prefix. The copy's key ends with the job name, so each job adds one manifest.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import Annotations, ArnFormat, Aws, CfnMapping, Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from constructs_lib._core import durations
from constructs_lib._core.durations import in_seconds
from constructs_lib._core.grants import grant_key_use
from constructs_lib._core.jsii_types import as_alarm_action, as_function, as_role, as_rule_target
from constructs_lib._core.log_retention import retention_days
from constructs_lib._core.nag import acknowledge
from constructs_lib._core.queues import buffer_queue, check_retry_policy, require_dead_letter_and_retry
from constructs_lib._core.queues import dead_letter_queue as new_dead_letter_queue
from constructs_lib._core.roles import ManagedPolicyRole, permissions_policy
from constructs_lib._core.s3_access import list_prefix_statement, objects_arn
from constructs_lib._core.service_model import check_shape
from constructs_lib._core.service_role import service_principal, service_role
from constructs_lib._core.stack_facts import aws_partition, construct_path, stack_facts, stack_of
from constructs_lib._core.validation import Problems, given, invalid, is_unresolved
from constructs_lib._core.vpc_function import VpcFunction
from constructs_lib._core.wildcards import (
    acknowledge_action_wildcards,
    acknowledge_statement_wildcards,
)
from constructs_lib.foundation._keys import allow_publisher, key_or_new
from constructs_lib.foundation.network import FEATURE_STORE_RUNTIME_ENDPOINT, S3_GATEWAY_ENDPOINT, INetwork
from constructs_lib.foundation.s3_location import S3Location
from constructs_lib.foundation.secure_bucket import SecureBucket
from constructs_lib.labeling.task_types import GROUND_TRUTH_LAMBDA_ACCOUNTS, LabelingTaskType, ManifestLine
from constructs_lib.platform.feature_group import FeatureDefinition, FeatureGroup, FeatureGroupBase, IFeatureGroup
from constructs_lib.platform.labeling_workforce import LabelingWorkforce

_HANDLER_DIR = Path(__file__).parent / "labeling_workflow_handler"
_INGESTER_DIR = Path(__file__).parent / "label_ingestion_handler"
#: The features of a label record (the label ingester's handler): give a ``FeatureGroup`` of
#: ``label_feature_group`` these (``record_identifier="object_id"``, ``event_time="labeled_at"``); of
#: the others, it writes those the group defines.
LABEL_FEATURES: tuple[FeatureDefinition, ...] = (
    FeatureDefinition.string("object_id"),  # SHA-256 of the data object's source-ref (or source text)
    FeatureDefinition.string("labeled_at"),  # the label's creation-date, ISO-8601 UTC
    FeatureDefinition.string("source"),  # the data object: its S3 URI, or the text
    FeatureDefinition.string("label"),  # the label: as it is if a string (a -ref URI), else JSON
    FeatureDefinition.string("class_name"),  # classification tasks' class name
    FeatureDefinition.fractional("confidence"),
    FeatureDefinition.string("human_annotated"),  # yes / no (automated data labeling)
    FeatureDefinition.string("labeling_job"),
)
LABEL_RECORD_IDENTIFIER = "object_id"
LABEL_EVENT_TIME = "labeled_at"
#: The label ingester reads a whole manifest and puts its records one by one.
_INGESTER_TIMEOUT = Duration.minutes(15)
#: ``<prefix>-<YYYYMMDDHHMM>-<8 hex>`` must fit LabelingJobName (63): the prefix has at most 40.
JOB_NAME_PREFIX_PATTERN = re.compile(r"^[a-z0-9](-*[a-z0-9]){0,39}$")
_JOB_NAME_EXAMPLE_SUFFIX = "-202612011200-0123abcd"
#: S3 key characters that need no escaping in a copy source or an EventBridge wildcard.
_KEY_PREFIX = re.compile(r"^[A-Za-z0-9!_.'()/-]*$")
#: The label category configuration format of the built-in task types (CreateLabelingJob reference).
LABEL_CATEGORY_DOCUMENT_VERSION = "2018-11-28"
#: A private workforce's tasks stay available for at most 30 days (HumanTaskConfig reference).
_MAX_AVAILABILITY_SECONDS = 30 * 86400
#: Step Functions' managed rule for SageMaker labeling jobs run with ``.sync``: its training, transform,
#: tuning and processing rules are ``StepFunctionsGetEventsForSageMaker<Kind>JobsRule``; the labeling
#: rule's exact name is not in the documentation read, so the statement names the labeling ones.
SYNC_RULE_NAMES = "StepFunctionsGetEventsForSageMakerLabeling*"
#: The log group Ground Truth writes a labeling job's logs to.
_LABELING_LOG_GROUP = "/aws/sagemaker/LabelingJobs"
#: A standard Step Functions execution runs at most a year; the state machine allows the job a day more.
_MAX_EXECUTION_SECONDS = 364 * 86400
#: An SQS event source's lowest maximum concurrency (``ScalingConfig.MaximumConcurrency``).
_EVENT_SOURCE_MAX_CONCURRENCY = 2


@dataclass(frozen=True)
class WorkerInstructions:
    """Worker instructions (HTML) in the label category configuration (named entity recognition).

    :param short: ``shortInstruction``, shown beside the task.
    :param full: ``fullInstruction``, shown when the worker opens the instructions.
    """

    short: str
    full: str


@dataclass(frozen=True)
class AutoLabeling:
    """Automated data labeling (active learning): Ground Truth trains a model on the human labels and
    labels the objects it is confident about (``LabelingJobAlgorithmsConfig``; the algorithm follows
    from the task type and region). Ground Truth chooses the training and inference instances itself:
    the API has no instance type. It needs at least 1,250 objects in a job to start.

    :param initial_model_arn: default none; a model of an earlier automated labeling job to start from.
    """

    initial_model_arn: str | None = None


class LabelingWorkflow(Construct):
    """Runs Ground Truth labeling jobs on the objects created under ``source``, in batches (see the module)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        workforce: LabelingWorkforce,
        task_type: LabelingTaskType,
        labels: Sequence[str],
        source: S3Location,
        output: S3Location,
        network: INetwork,
        alarm_topic: sns.ITopic,
        job_name_prefix: str,
        task_title: str,
        task_description: str,
        ui_template: str | None = None,
        worker_instructions: WorkerInstructions | None = None,
        published_manifests: S3Location | None = None,
        label_feature_group: IFeatureGroup | None = None,
        task_keywords: Sequence[str] = (),
        label_attribute_name: str | None = None,
        workers_per_object: int = 1,
        task_time_limit: Duration | None = None,
        task_availability_lifetime: Duration | None = None,
        max_concurrent_tasks: int | None = None,
        auto_labeling: AutoLabeling | None = None,
        key_suffixes: Sequence[str] = (),
        batch_size: int = 1000,
        batching_window: Duration | None = None,
        job_timeout: Duration | None = None,
        encryption_key: kms.IKey | None = None,
        log_key: kms.IKey | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
        retry_attempts: int = 3,
        max_event_age: Duration | None = None,
        max_receive_count: int = 5,
        log_retention_days: int = 365,
    ) -> None:
        """
        :param workforce: the private workteam whose workers label (its ``workteam_arn``).
        :param task_type: the built-in task type; its pre-annotation and consolidation functions (and
            worker UI, for named entity recognition, video frames and 3D point clouds) are the region's.
        :param labels: the label categories (at least two for the classifications), each once.
        :param source: the bucket and prefix whose new objects are labeled. A ``SecureBucket`` gets
            EventBridge notifications turned on; another bucket must have them on (a warning says so).
            Each new object is one data object (``LabelingTaskType.manifest_line``): a text (UTF-8)
            for text tasks, which the batcher reads into the manifest; for 3D point cloud frames a
            JSON manifest line (``source-ref`` and the frame's metadata); for video frames and 3D
            tracking a sequence file; otherwise the image or video. What these point to (frames,
            point clouds) must be under the prefix too: the job role reads only there. Pick the
            objects with ``key_suffixes``.
        :param output: where jobs write (``S3OutputPath``) and the batcher writes input manifests
            (``<prefix>manifests/``); not under ``source``. Its bucket's key encrypts the output
            (``OutputConfig.KmsKeyId``), ``encryption_key`` for a bucket without one.
        :param network: the VPC of the batcher function; it reaches S3 (gateway endpoint) and Step
            Functions (``states`` interface endpoint, or the subnets' internet route).
        :param alarm_topic: where the failed-execution and dead-letter alarms go.
        :param job_name_prefix: labeling job (and execution) names are ``<prefix>-<YYYYMMDDHHMM>-<digest>``:
            1-40 lowercase letters, digits or '-', unique per account and region.
        :param task_title: ``HumanTaskConfig.TaskTitle`` (1-128 characters).
        :param task_description: ``HumanTaskConfig.TaskDescription`` (1-255 characters).
        :param ui_template: path of a local worker task template (Liquid HTML), uploaded as an asset
            (``UiTemplateS3Uri``); required unless the task type has a built-in UI, where it must be None.
        :param worker_instructions: required for named entity recognition (label category configuration).
        :param published_manifests: default none; where each job's output manifest is copied
            (``<prefix><job>/output.manifest``): the training data prefix. Not under ``source``.
        :param label_feature_group: default none; a feature group the labels are also written to, one
            record per labeled object (``LABEL_FEATURES``; a ``FeatureGroup`` must have
            ``record_identifier="object_id"``, ``event_time="labeled_at"``, and the other label features
            it defines with their types). The ingester runs in ``network``, which must reach S3 and
            ``sagemaker.featurestore-runtime``.
        :param task_keywords: default none; up to 5 ``TaskKeywords``.
        :param label_attribute_name: default ``label`` (``label-ref`` where the task type requires it).
        :param workers_per_object: default 1 (1-9); workers per object, their answers consolidated.
        :param task_time_limit: default 5 minutes; at least 30 seconds, at most 8 hours (30 days for
            video frames and 3D point clouds).
        :param task_availability_lifetime: default 10 days (1 minute to 30 days).
        :param max_concurrent_tasks: default Ground Truth's (1000); 1-5000.
        :param auto_labeling: default none; automated data labeling, for the task types that have it.
        :param key_suffixes: default any; only keys ending with one of these (``.jpg``) are labeled.
        :param batch_size: default 1000 (1-10000); most events in one job (Lambda's 6 MB payload limit
            holds about 5000 S3 events).
        :param batching_window: default 5 minutes (0 to 5 minutes); how long a batch is collected.
        :param job_timeout: default 30 days (1 hour to 364 days); the state machine stops a job running
            longer (``StopLabelingJob``).
        :param encryption_key: default, a new ``EncryptionKey``; queues, function environment, state
            machine logs without ``log_key``, automated labeling volumes. An ``EncryptionKey`` gets
            a statement letting this account's EventBridge rules use it; a key of your own must allow
            ``events.amazonaws.com`` itself.
        :param log_key: default ``encryption_key``; the function's and the state machine's log groups.
        :param dead_letter_queue: default, a new KMS-encrypted, TLS-only queue: events the rule could not
            deliver, batches that failed ``max_receive_count`` times, failed executions.
        :param retry_attempts: default 3 (0-185); EventBridge retries of a delivery to the queue.
        :param max_event_age: default 1 hour (1 minute to 1 day).
        :param max_receive_count: default 5; receives of a batch's messages before they move to the DLQ.
        :param log_retention_days: default 365.
        """
        super().__init__(scope, construct_id)
        if not isinstance(given(task_type), LabelingTaskType):  # every other check depends on it
            raise invalid(
                self,
                "LabelingWorkflow",
                "task_type",
                task_type,
                f"must be a LabelingTaskType: {', '.join(t.name for t in LabelingTaskType)}",
            )
        self.task_type = task_type
        self.labels = tuple(labels)
        self.source = source
        self.output = output
        self.published_manifests = published_manifests
        self.job_name_prefix = job_name_prefix
        self.label_attribute_name = label_attribute_name or ("label-ref" if task_type.ref_label_attribute else "label")
        task_time_limit = task_time_limit or durations.minutes(5)
        task_availability_lifetime = task_availability_lifetime or durations.days(10)
        batching_window = batching_window if batching_window is not None else durations.minutes(5)
        job_timeout = job_timeout or durations.days(30)
        max_event_age = max_event_age or durations.hours(1)
        stack = stack_facts(self)
        self.region = stack.region

        problems = Problems(self, "LabelingWorkflow")
        self._check_task(problems, task_type, ui_template, worker_instructions, auto_labeling)
        self._check_labels(problems, task_type)
        self._check_locations(problems, source, output, published_manifests, key_suffixes)
        if label_feature_group is not None:
            self._check_feature_group(problems, label_feature_group)
        problems.check_pattern(
            "job_name_prefix",
            job_name_prefix,
            JOB_NAME_PREFIX_PATTERN,
            "must be 1-40 lowercase letters, digits or hyphens, start with a letter or digit and not end "
            "with a hyphen (labeling job names are <prefix>-<YYYYMMDDHHMM>-<digest>, at most 63 characters)",
        )
        problems.check(not is_unresolved(job_name_prefix), "job_name_prefix", job_name_prefix, "must be known at synth")
        check_shape(problems, "task_title", task_title, "HumanTaskConfig.TaskTitle")
        check_shape(problems, "task_description", task_description, "HumanTaskConfig.TaskDescription")
        check_shape(problems, "task_keywords", list(task_keywords) or None, "HumanTaskConfig.TaskKeywords")
        for keyword in task_keywords:
            check_shape(problems, "task_keywords", keyword, "HumanTaskConfig.TaskKeywords.member")
        check_shape(
            problems, "label_attribute_name", self.label_attribute_name, "CreateLabelingJobRequest.LabelAttributeName"
        )
        name = self.label_attribute_name
        if not is_unresolved(name):
            problems.check(
                not name.endswith("-metadata"), "label_attribute_name", name, "must not end with '-metadata'"
            )
            problems.check(
                name.endswith("-ref") == task_type.ref_label_attribute,
                "label_attribute_name",
                name,
                f"must {'' if task_type.ref_label_attribute else 'not '}end with '-ref' for {task_type.name}",
            )
        check_shape(
            problems, "workers_per_object", workers_per_object, "HumanTaskConfig.NumberOfHumanWorkersPerDataObject"
        )
        task_seconds = in_seconds(task_time_limit)
        if check_shape(problems, "task_time_limit (seconds)", task_seconds, "HumanTaskConfig.TaskTimeLimitInSeconds"):
            problems.check_range(
                "task_time_limit (seconds)", task_seconds, maximum=task_type.max_task_seconds, integer=True
            )
        availability = in_seconds(task_availability_lifetime)
        if check_shape(
            problems,
            "task_availability_lifetime (seconds)",
            availability,
            "HumanTaskConfig.TaskAvailabilityLifetimeInSeconds",
        ):
            problems.check(
                availability <= _MAX_AVAILABILITY_SECONDS,
                "task_availability_lifetime (seconds)",
                availability,
                f"must be at most {_MAX_AVAILABILITY_SECONDS} (30 days, a private workforce's maximum)",
            )
        check_shape(problems, "max_concurrent_tasks", max_concurrent_tasks, "HumanTaskConfig.MaxConcurrentTaskCount")
        problems.check_range("batch_size", batch_size, minimum=1, maximum=10000, integer=True)
        problems.check_range(
            "batching_window (seconds)", in_seconds(batching_window), minimum=0, maximum=300, integer=True
        )
        problems.check(
            3600 <= in_seconds(job_timeout) <= _MAX_EXECUTION_SECONDS,
            "job_timeout (seconds)",
            in_seconds(job_timeout),
            f"must be from 3600 (1 hour) to {_MAX_EXECUTION_SECONDS} (a year less a day: a standard execution's "
            "maximum, with a day's margin)",
        )
        problems.check_range("max_receive_count", max_receive_count, minimum=1, maximum=1000, integer=True)
        problems.check_log_retention_days("log_retention_days", log_retention_days)
        check_retry_policy(problems, retry_attempts, max_event_age)
        lambda_account = self._lambda_account(problems)
        problems.raise_if_any()

        self.encryption_key: kms.IKey = key_or_new(self, encryption_key, f"{construct_path(self)} labeling workflow")
        self.log_key: kms.IKey = log_key or self.encryption_key
        allow_publisher(self, encryption_key, "events.amazonaws.com")  # the rule writes to the queue (and DLQ)
        self.dead_letter_queue: sqs.IQueue = dead_letter_queue or new_dead_letter_queue(
            self,
            "DeadLetterQueue",
            encryption_key=self.encryption_key,
            used_by=f"labeling workflow {construct_path(self)}",
        )
        self.output_key: kms.IKey = output.bucket.encryption_key or self.encryption_key
        self.manifests = output.child("manifests/")

        self.job_role = self._job_role(auto_labeling is not None)
        self.label_categories = self._label_categories(worker_instructions)
        self.ui_template: s3_assets.Asset | None = None
        if ui_template is not None:
            self.ui_template = s3_assets.Asset(self, "UiTemplate", path=ui_template)
        for asset in (self.label_categories, self.ui_template):
            if asset is not None:  # Ground Truth reads them with the job role
                self.job_role.add_to_policy(
                    iam.PolicyStatement(
                        actions=["s3:GetObject"], resources=[objects_arn(asset.bucket, asset.s3_object_key)]
                    )
                )

        self.request = self._request(
            lambda_account,
            workforce,
            task_title,
            task_description,
            list(task_keywords),
            workers_per_object,
            int(task_seconds),
            int(availability),
            max_concurrent_tasks,
            auto_labeling,
        )
        self.label_feature_group = label_feature_group
        self.label_ingester: VpcFunction | None = None
        if label_feature_group is not None:
            self.label_ingester = self._label_ingester(network, label_feature_group, log_retention_days)
        self.state_machine = self._state_machine(job_timeout, log_retention_days)
        self._events(source, key_suffixes, retry_attempts, max_event_age, max_receive_count, batching_window)
        self.batcher = self._batcher(network, batch_size, batching_window, log_retention_days)
        self._alarms(alarm_topic)

    # --- validation ------------------------------------------------------------------------------

    def _check_task(
        self,
        problems: Problems,
        task_type: LabelingTaskType,
        ui_template: str | None,
        worker_instructions: WorkerInstructions | None,
        auto_labeling: AutoLabeling | None,
    ) -> None:
        if not isinstance(given(task_type), LabelingTaskType):
            problems.add(
                "task_type",
                repr(task_type),
                f"must be a LabelingTaskType: {', '.join(t.name for t in LabelingTaskType)}",
            )
            return
        if task_type.human_task_ui is not None:
            problems.check(
                ui_template is None,
                "ui_template",
                ui_template,
                f"{task_type.name} uses Ground Truth's built-in worker UI ({task_type.human_task_ui}): leave it out",
            )
        elif ui_template is None:
            problems.add(
                "ui_template", None, f"{task_type.name} needs a worker task template (a local Liquid HTML file)"
            )
        else:
            problems.check(Path(ui_template).is_file(), "ui_template", ui_template, "must be a file")
        problems.check(
            (worker_instructions is not None) == task_type.needs_instructions,
            "worker_instructions",
            worker_instructions and "given",
            "are required for NAMED_ENTITY_RECOGNITION"
            if task_type.needs_instructions
            else f"only apply to NAMED_ENTITY_RECOGNITION, not {task_type.name}",
        )
        if auto_labeling is not None:
            with_algorithm = [t.name for t in LabelingTaskType if t.algorithm is not None]
            problems.check(
                task_type.algorithm is not None,
                "auto_labeling",
                task_type.name,
                f"automated data labeling exists for {', '.join(with_algorithm)} only",
            )
            check_shape(
                problems,
                "auto_labeling.initial_model_arn",
                auto_labeling.initial_model_arn,
                "LabelingJobAlgorithmsConfig.InitialActiveLearningModelArn",
            )

    def _check_labels(self, problems: Problems, task_type: LabelingTaskType) -> None:
        labels = self.labels
        minimum = task_type.min_labels if isinstance(given(task_type), LabelingTaskType) else 1
        problems.check(
            len(labels) >= minimum,
            "labels",
            list(labels),
            f"give at least {minimum} label categor{'y' if minimum == 1 else 'ies'} for this task type",
        )
        problems.check_unique("labels", labels)
        for label in labels:
            problems.check(
                isinstance(given(label), str) and bool(label.strip()) and label == label.strip(),
                "labels",
                label,
                "each label must be a non-empty string without surrounding whitespace",
            )

    @staticmethod
    def _check_feature_group(problems: Problems, group: IFeatureGroup) -> None:
        """A ``FeatureGroup`` of ours: its identifier, event time and label features as the ingester writes them."""
        if not isinstance(given(group), FeatureGroupBase):
            problems.add("label_feature_group", group, "must be a feature group (FeatureGroup or an import)")
            return
        if not isinstance(group, FeatureGroup):
            return  # an import: its definitions are unknown here
        problems.check(
            group.record_identifier == LABEL_RECORD_IDENTIFIER,
            "label_feature_group (record_identifier)",
            group.record_identifier,
            f"must be {LABEL_RECORD_IDENTIFIER!r} (a digest of the labeled data object)",
        )
        problems.check(
            group.event_time == LABEL_EVENT_TIME,
            "label_feature_group (event_time)",
            group.event_time,
            f"must be {LABEL_EVENT_TIME!r} (the label's creation date, ISO-8601)",
        )
        wanted = {f.name: f.type for f in LABEL_FEATURES}
        for feature in group.features:
            expected = wanted.get(feature.name)
            if expected is not None:
                problems.check(
                    feature.type == expected,
                    f"label_feature_group (feature {feature.name!r})",
                    feature.type.value,
                    f"must be {expected.value}, as the label ingester writes it (LABEL_FEATURES)",
                )

    def _label_ingester(self, network: INetwork, group: IFeatureGroup, log_retention_days: int) -> VpcFunction:
        network.require_endpoints(
            self,
            (S3_GATEWAY_ENDPOINT, FEATURE_STORE_RUNTIME_ENDPOINT),
            purpose="the label ingester reads output manifests and writes the labels to the feature group",
        )
        features = (
            {f.name: f.type.value for f in group.features}
            if isinstance(group, FeatureGroup)
            else {f.name: f.type.value for f in LABEL_FEATURES}
        )
        function = VpcFunction(
            self,
            "LabelIngester",
            code_directory=_INGESTER_DIR,
            description=f"Writes the labels of {construct_path(self)}'s jobs to a feature group",
            network=network,
            encryption_key=self.encryption_key,
            dead_letter_queue=self.dead_letter_queue,
            environment={
                "FEATURE_GROUP_NAME": group.feature_group_name,
                "FEATURES": json.dumps(features, separators=(",", ":")),
                "LABEL_ATTRIBUTE": self.label_attribute_name,
            },
            timeout=_INGESTER_TIMEOUT,
            log_retention_days=log_retention_days,
            log_key=self.log_key,
        )
        role = function.role
        output = self.output
        role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadOutputManifests",
                actions=["s3:GetObject"],
                resources=[objects_arn(output.bucket, f"{output.prefix}*/manifests/output/output.manifest")],
            )
        )
        grant_key_use(self.output_key, role, encrypt=False)
        acknowledge_statement_wildcards(
            permissions_policy(role),
            "each job's output manifest has a key named after the job, under the output prefix only",
            "ReadOutputManifests",
        )
        group.grant_put_records(role)
        return function

    def _check_locations(
        self,
        problems: Problems,
        source: S3Location,
        output: S3Location,
        published: S3Location | None,
        key_suffixes: Sequence[str],
    ) -> None:
        named = {"source.prefix": source.prefix, "output.prefix": output.prefix}
        if published is not None:
            named["published_manifests.prefix"] = published.prefix
        for prop, prefix in named.items():
            problems.check(
                bool(prefix)
                and prefix.endswith("/")
                and not prefix.startswith("/")
                and bool(_KEY_PREFIX.match(prefix)),
                prop,
                prefix,
                "must be a key prefix ending in '/' (letters, digits and !_.'()/-, no leading '/')",
            )
        for prop, location in (("output", output), ("published_manifests", published)):
            if location is None or is_unresolved(location.prefix) or is_unresolved(source.prefix):
                continue
            same_bucket = location.bucket is source.bucket
            overlaps = location.prefix.startswith(source.prefix) or source.prefix.startswith(location.prefix)
            problems.check(
                not (same_bucket and overlaps),
                f"{prop}.prefix",
                location.prefix,
                f"must not overlap source.prefix {source.prefix!r}: the workflow's own objects would start jobs",
            )
        for suffix in key_suffixes:
            problems.check(
                bool(suffix) and bool(_KEY_PREFIX.match(suffix)),
                "key_suffixes",
                suffix,
                "must be non-empty key endings (letters, digits and !_.'()/-), such as '.jpg'",
            )

    def _lambda_account(self, problems: Problems) -> str:
        """The account of the region's ``PRE-``/``ACS-`` functions: from the table for a known region (an
        unknown one is a problem), from a ``CfnMapping`` of the table for an environment-agnostic stack
        (another region then fails at deploy, in ``Fn::FindInMap``)."""
        if not is_unresolved(self.region):
            known = GROUND_TRUTH_LAMBDA_ACCOUNTS.get(self.region)
            problems.check(
                known is not None,
                "region",
                self.region,
                f"Ground Truth's built-in task types run in {', '.join(GROUND_TRUTH_LAMBDA_ACCOUNTS)} only "
                "(SageMaker API reference, AnnotationConsolidationConfig)",
            )
            return known or ""
        stack = stack_of(self)
        mapping = stack.node.try_find_child("GroundTruthLambdaAccounts")
        if not isinstance(mapping, CfnMapping):
            mapping = CfnMapping(
                stack,
                "GroundTruthLambdaAccounts",
                mapping={region: {"account": account} for region, account in GROUND_TRUTH_LAMBDA_ACCOUNTS.items()},
            )
        return mapping.find_in_map(Aws.REGION, "account")

    # --- resources -------------------------------------------------------------------------------

    def _job_role(self, auto_labeling: bool) -> ManagedPolicyRole:
        """What Ground Truth does with the job's role (SageMaker developer guide, "Create a SageMaker AI
        execution role for a Ground Truth labeling job": built-in task types, non-streaming; automated
        data labeling): read the input objects and manifests, write the output, post metrics and logs."""
        role = service_role(
            self, "JobRole", service="sagemaker.amazonaws.com", description=f"Labeling jobs of {construct_path(self)}"
        )
        source, output = self.source, self.output
        # Text tasks carry the text in the manifest; the others point Ground Truth at the objects.
        reads_input = self.task_type.manifest_line is not ManifestLine.SOURCE
        if reads_input:
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="ReadInput",
                    actions=["s3:GetObject"],
                    resources=[objects_arn(source.bucket, source.objects_pattern)],
                )
            )
            role.add_to_policy(list_prefix_statement(source.bucket.bucket_arn, source.objects_pattern, sid="ListInput"))
        role.add_to_policy(
            iam.PolicyStatement(
                sid="WriteOutput",
                actions=["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
                resources=[objects_arn(output.bucket, output.objects_pattern)],
            )
        )
        role.add_to_policy(list_prefix_statement(output.bucket.bucket_arn, output.objects_pattern, sid="ListOutput"))
        role.add_to_policy(
            iam.PolicyStatement(
                sid="BucketLocation",
                actions=["s3:GetBucketLocation"],
                resources=list(dict.fromkeys([source.bucket.bucket_arn, output.bucket.bucket_arn])),
            )
        )
        if reads_input and source.encryption_key is not None:
            grant_key_use(source.encryption_key, role, encrypt=False)
        grant_key_use(self.output_key, role, encrypt=True)
        role.add_to_policy(
            iam.PolicyStatement(
                sid="LabelingMetrics",
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": _LABELING_LOG_GROUP}},
            )
        )
        stack = stack_of(self)
        role.add_to_policy(
            iam.PolicyStatement(
                sid="LabelingLogs",
                actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                resources=[
                    stack.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name=f"{_LABELING_LOG_GROUP}:*",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            )
        )
        for sid, reason in (
            *(
                (
                    ("ReadInput", "the objects to label are named at run time, under the source prefix only"),
                    ("ListInput", "listing is limited to the source prefix"),
                )
                if reads_input
                else ()
            ),
            ("WriteOutput", "Ground Truth names the output objects after the job, under the output prefix only"),
            ("ListOutput", "listing is limited to the output prefix"),
            (
                "LabelingMetrics",
                "cloudwatch:PutMetricData has no resource; the statement is limited to Ground Truth's namespace",
            ),
            ("LabelingLogs", "the log streams are named after each job, in Ground Truth's log group only"),
        ):
            acknowledge_statement_wildcards(permissions_policy(role), reason, sid)
        if auto_labeling:
            # Automated data labeling: SageMaker runs the active-learning training and inference jobs
            # with this same role (passed to SageMaker) and encrypts their volumes with the key.
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="PassSelfToAutoLabelingJobs",
                    actions=["iam:PassRole"],
                    resources=[role.role_arn],
                    conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
                )
            )
            grant_key_use(self.encryption_key, role, encrypt=True)
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="AutoLabelingVolumes",
                    actions=["kms:CreateGrant"],
                    resources=[self.encryption_key.key_arn],
                    conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
                )
            )
        return role

    def _label_categories(self, instructions: WorkerInstructions | None) -> s3_assets.Asset:
        """The label category configuration file (CreateLabelingJob's ``LabelCategoryConfigS3Uri``),
        written at synth and uploaded as an asset (named by its content)."""
        document: dict[str, Any] = {
            "document-version": LABEL_CATEGORY_DOCUMENT_VERSION,
            "labels": [{"label": label} for label in self.labels],
        }
        if instructions is not None:
            document["instructions"] = {"shortInstruction": instructions.short, "fullInstruction": instructions.full}
        self.label_category_document: dict[str, Any] = document
        text = json.dumps(document, indent=2, sort_keys=True) + "\n"
        directory = Path(tempfile.gettempdir()) / "constructs-lib-labeling" / hashlib.sha256(text.encode()).hexdigest()
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "label-categories.json"
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
        return s3_assets.Asset(self, "LabelCategories", path=str(path))

    def _request(
        self,
        lambda_account: str,
        workforce: LabelingWorkforce,
        task_title: str,
        task_description: str,
        task_keywords: list[str],
        workers_per_object: int,
        task_seconds: int,
        availability_seconds: int,
        max_concurrent_tasks: int | None,
        auto_labeling: AutoLabeling | None,
    ) -> dict[str, Any]:
        """The ``CreateLabelingJob`` request, with the job name and manifest from the execution's input."""
        region, partition = Aws.REGION, aws_partition()
        task = self.task_type
        ui_arn = task.human_task_ui_arn(region, partition)
        ui: dict[str, str] = (
            {"HumanTaskUiArn": ui_arn}
            if ui_arn is not None
            else {"UiTemplateS3Uri": self.ui_template.s3_object_url if self.ui_template else ""}
        )
        lambda_arn = f"arn:{partition}:lambda:{region}:{lambda_account}:function"
        human: dict[str, Any] = {
            "WorkteamArn": workforce.workteam_arn,
            "UiConfig": ui,
            "PreHumanTaskLambdaArn": f"{lambda_arn}:PRE-{task.value}",
            "TaskTitle": task_title,
            "TaskDescription": task_description,
            "NumberOfHumanWorkersPerDataObject": workers_per_object,
            "TaskTimeLimitInSeconds": task_seconds,
            "TaskAvailabilityLifetimeInSeconds": availability_seconds,
            "AnnotationConsolidationConfig": {"AnnotationConsolidationLambdaArn": f"{lambda_arn}:ACS-{task.value}"},
        }
        if task_keywords:
            human["TaskKeywords"] = task_keywords
        if max_concurrent_tasks is not None:
            human["MaxConcurrentTaskCount"] = max_concurrent_tasks
        request: dict[str, Any] = {
            "LabelingJobName.$": "$.LabelingJobName",
            "LabelAttributeName": self.label_attribute_name,
            "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri.$": "$.ManifestS3Uri"}}},
            "OutputConfig": {"S3OutputPath": self.output.uri, "KmsKeyId": self.output_key.key_arn},
            "RoleArn": self.job_role.role_arn,
            "LabelCategoryConfigS3Uri": self.label_categories.s3_object_url,
            "HumanTaskConfig": human,
        }
        if auto_labeling is not None:
            algorithms: dict[str, Any] = {
                "LabelingJobAlgorithmSpecificationArn": task.algorithm_specification_arn(region, partition),
                "LabelingJobResourceConfig": {"VolumeKmsKeyId": self.encryption_key.key_arn},
            }
            if auto_labeling.initial_model_arn is not None:
                algorithms["InitialActiveLearningModelArn"] = auto_labeling.initial_model_arn
            request["LabelingJobAlgorithmsConfig"] = algorithms
        return request

    def _state_machine(self, job_timeout: Duration, log_retention_days: int) -> sfn.StateMachine:
        stack = stack_of(self)
        failed = sfn.Fail(self, "Failed", comment="The labeling job or the manifest copy failed (see the DLQ)")
        to_dlq = tasks.CallAwsService(
            self,
            "SendToDeadLetterQueue",
            service="sqs",
            action="sendMessage",
            parameters={
                "QueueUrl": self.dead_letter_queue.queue_url,
                "MessageBody": sfn.JsonPath.json_to_string(
                    sfn.JsonPath.object_at("$")  # the execution's input with its error under $.error
                ),
            },
            iam_action="sqs:SendMessage",
            iam_resources=[self.dead_letter_queue.queue_arn],
            result_path=sfn.JsonPath.DISCARD,
        )
        to_dlq.add_retry(errors=["States.ALL"], interval=durations.seconds(5), max_attempts=5, backoff_rate=2)
        to_dlq.next(failed)

        create = sfn.CustomState(
            self,
            "CreateLabelingJob",
            state_json={
                "Type": "Task",
                "Resource": f"arn:{aws_partition()}:states:::sagemaker:createLabelingJob.sync",
                "Parameters": self.request,
                "ResultSelector": {
                    "LabelingJobArn.$": "$.LabelingJobArn",
                    "LabelingJobStatus.$": "$.LabelingJobStatus",
                    "LabelCounters.$": "$.LabelCounters",
                    "OutputDatasetS3Uri.$": "$.LabelingJobOutput.OutputDatasetS3Uri",
                },
                "ResultPath": "$.job",
                "TimeoutSeconds": int(in_seconds(job_timeout)),
            },
        )
        # CreateLabelingJob throttled or over the account's concurrent-job quota: try again later. A
        # job that ran and failed (States.TaskFailed) is not retried: the job name is taken.
        create.add_retry(
            errors=["SageMaker.AmazonSageMakerException", "SageMaker.ResourceLimitExceededException"],
            interval=durations.minutes(1),
            max_attempts=6,
            backoff_rate=2,
            max_delay=durations.minutes(30),
            jitter_strategy=sfn.JitterType.FULL,
        )
        create.add_catch(to_dlq, errors=["States.ALL"], result_path="$.error")
        chain: sfn.IChainable = create
        next_state: sfn.CustomState | tasks.CallAwsService | tasks.LambdaInvoke = create
        if self.published_manifests is not None:
            published = self.published_manifests
            output = self.output
            job_name = sfn.JsonPath.string_at("$.LabelingJobName")
            copy = tasks.CallAwsService(
                self,
                "PublishOutputManifest",
                service="s3",
                action="copyObject",
                parameters={
                    "Bucket": published.bucket.bucket_name,
                    "Key": sfn.JsonPath.format(f"{published.prefix}{{}}/output.manifest", job_name),
                    "CopySource": sfn.JsonPath.format(
                        f"{output.bucket.bucket_name}/{output.prefix}{{}}/manifests/output/output.manifest",
                        job_name,
                    ),
                },
                iam_action="s3:PutObject",
                iam_resources=[objects_arn(published.bucket, f"{published.prefix}*/output.manifest")],
                additional_iam_statements=[
                    iam.PolicyStatement(
                        actions=["s3:GetObject"],
                        resources=[objects_arn(output.bucket, f"{output.prefix}*/manifests/output/output.manifest")],
                    )
                ],
                result_selector={"ETag.$": "$.CopyObjectResult.ETag"},
                result_path="$.published",
            )
            copy.add_retry(errors=["States.ALL"], interval=durations.seconds(10), max_attempts=5, backoff_rate=2)
            copy.add_catch(to_dlq, errors=["States.ALL"], result_path="$.error")
            next_state.next(copy)
            next_state = copy
        if self.label_ingester is not None:
            output = self.output
            ingest = tasks.LambdaInvoke(
                self,
                "IngestLabels",
                lambda_function=as_function(self.label_ingester.function),
                payload=sfn.TaskInput.from_object(
                    {
                        "Bucket": output.bucket.bucket_name,
                        "Key": sfn.JsonPath.format(
                            f"{output.prefix}{{}}/manifests/output/output.manifest",
                            sfn.JsonPath.string_at("$.LabelingJobName"),
                        ),
                        "LabelingJobName": sfn.JsonPath.string_at("$.LabelingJobName"),
                    }
                ),
                result_selector={
                    "written.$": "$.Payload.written",
                    "skipped.$": "$.Payload.skipped",
                    "refused.$": "$.Payload.refused",
                },
                result_path="$.ingested",
                retry_on_service_exceptions=True,
            )
            # Throttled beyond botocore's retries, or a timeout: the whole manifest again (idempotent upserts).
            ingest.add_retry(
                errors=["States.TaskFailed", "States.Timeout"],
                interval=Duration.seconds(30),
                max_attempts=4,
                backoff_rate=2,
                jitter_strategy=sfn.JitterType.FULL,
            )
            ingest.add_catch(to_dlq, errors=["States.ALL"], result_path="$.error")
            next_state.next(ingest)
            next_state = ingest
        next_state.next(sfn.Succeed(self, "Labeled"))

        role = ManagedPolicyRole(
            self,
            "StateMachineRole",
            assumed_by=service_principal(self, "states.amazonaws.com"),
            description=f"Labeling workflow {construct_path(self)}",
        )
        job_arn = stack.format_arn(
            service="sagemaker", resource="labeling-job", resource_name=f"{self.job_name_prefix}-*"
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="RunLabelingJobs",
                actions=["sagemaker:CreateLabelingJob", "sagemaker:DescribeLabelingJob", "sagemaker:StopLabelingJob"],
                resources=[job_arn],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="SyncRule",  # Step Functions waits for the job through this managed rule
                actions=["events:PutTargets", "events:PutRule", "events:DescribeRule"],
                resources=[stack.format_arn(service="events", resource="rule", resource_name=SYNC_RULE_NAMES)],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="PassJobRole",
                actions=["iam:PassRole"],
                resources=[self.job_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            )
        )
        dlq_key = self.dead_letter_queue.encryption_master_key
        if dlq_key is not None:
            grant_key_use(dlq_key, role, encrypt=True)
        if self.published_manifests is not None:
            grant_key_use(self.output_key, role, encrypt=False)
            published_key = self.published_manifests.encryption_key
            if published_key is not None:
                grant_key_use(published_key, role, encrypt=True)
        log_group = logs.LogGroup(
            self,
            "StateMachineLogs",
            retention=retention_days(log_retention_days),
            encryption_key=self.log_key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        machine = sfn.StateMachine(
            self,
            "Resource",
            definition_body=sfn.DefinitionBody.from_chainable(chain),
            role=as_role(role),
            timeout=durations.seconds(in_seconds(job_timeout) + 86400),
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
            comment=f"Ground Truth {self.task_type.name} labeling jobs of s3 prefix {self.source.prefix}",
        )
        machine.node.add_dependency(permissions_policy(role))  # logging and tracing need the policy at creation
        acknowledge_statement_wildcards(
            permissions_policy(role),
            "Step Functions' managed rule for labeling jobs; the statement names the labeling rules only",
            "SyncRule",
        )
        acknowledge_statement_wildcards(
            permissions_policy(role),
            "labeling jobs are named at run time (<prefix>-<time>-<digest>); the statement names this "
            "workflow's job-name prefix only",
            "RunLabelingJobs",
        )
        if self.published_manifests is not None:
            acknowledge_action_wildcards(
                permissions_policy(role),
                "each job's output manifest is copied under its own key (named after the job), under the "
                "published prefix only",
                frozenset({"s3:PutObject"}),
            )
            acknowledge_action_wildcards(
                permissions_policy(role),
                "each job's output manifest has a key named after the job, under the output prefix only",
                frozenset({"s3:GetObject"}),
            )
        if self.label_ingester is not None:
            acknowledge_action_wildcards(
                permissions_policy(role),
                "the state machine invokes the label ingester and its versions (<function ARN>:*): aws-cdk's "
                "LambdaInvoke grant covers the versions so",
                frozenset({"lambda:InvokeFunction"}),
            )
        acknowledge(
            permissions_policy(role),
            "Step Functions log delivery (logs:*LogDelivery, DescribeResourcePolicies...) and X-Ray tracing "
            "(xray:PutTraceSegments...) accept only '*' as resource; aws-cdk adds them for logging and tracing.",
            "AwsSolutions-IAM5[Resource::*]",
        )
        self.state_machine_role = role
        return machine

    def _events(
        self,
        source: S3Location,
        key_suffixes: Sequence[str],
        retry_attempts: int,
        max_event_age: Duration,
        max_receive_count: int,
        batching_window: Duration,
    ) -> None:
        bucket = source.bucket
        if isinstance(bucket, SecureBucket):
            bucket.enable_event_bridge_notifications()
        else:
            Annotations.of(self).add_warning_v2(
                "constructs-lib:labeling-needs-eventbridge",
                "LabelingWorkflow: make sure the source bucket sends its events to EventBridge "
                "(NotificationConfiguration.EventBridgeConfiguration), or no job will ever start.",
            )
        self.queue = buffer_queue(
            self,
            "Events",
            encryption_key=self.encryption_key,
            # AWS: at least 6x the function timeout plus the batching window.
            visibility_timeout=durations.seconds(6 * _function_timeout().to_seconds() + in_seconds(batching_window)),
            dead_letter=self.dead_letter_queue,
            max_receive_count=max_receive_count,
        )
        keys: list[Any] = (
            [{"wildcard": f"{source.prefix}*{suffix}"} for suffix in key_suffixes]
            if key_suffixes
            else [{"prefix": source.prefix}]
        )
        self.rule = events.Rule(
            self,
            "Rule",
            description=f"New objects under s3://<bucket>/{source.prefix} to label ({self.task_type.name})",
            event_pattern=events.EventPattern(
                source=["aws.s3"],
                detail_type=["Object Created"],
                detail={"bucket": {"name": [bucket.bucket_name]}, "object": {"key": keys}},
            ),
            targets=[
                as_rule_target(
                    targets.SqsQueue(
                        self.queue,
                        dead_letter_queue=self.dead_letter_queue,
                        retry_attempts=retry_attempts,
                        max_event_age=max_event_age,
                    )
                )
            ],
        )
        require_dead_letter_and_retry(self.rule)

    def _batcher(
        self, network: INetwork, batch_size: int, batching_window: Duration, log_retention_days: int
    ) -> VpcFunction:
        network.require_endpoints(
            self,
            (S3_GATEWAY_ENDPOINT, "states"),
            purpose="the batcher writes manifests to S3 and starts the state machine, or no job will ever start",
        )
        source, manifests = self.source, self.manifests
        function = VpcFunction(
            self,
            "Batcher",
            code_directory=_HANDLER_DIR,
            description=f"Batches new objects under {source.prefix} into labeling jobs ({construct_path(self)})",
            network=network,
            encryption_key=self.encryption_key,
            dead_letter_queue=self.dead_letter_queue,
            environment={
                "SOURCE_BUCKET": source.bucket.bucket_name,
                "SOURCE_PREFIX": source.prefix,
                "MANIFEST_BUCKET": manifests.bucket.bucket_name,
                "MANIFEST_PREFIX": manifests.prefix,
                "JOB_NAME_PREFIX": self.job_name_prefix,
                "STATE_MACHINE_ARN": self.state_machine.state_machine_arn,
                "MANIFEST_LINE": self.task_type.manifest_line.value,
            },
            timeout=_function_timeout(),
            reserved_concurrent_executions=_EVENT_SOURCE_MAX_CONCURRENCY,
            log_retention_days=log_retention_days,
            log_key=self.log_key,
        )
        role = function.role
        role.add_to_policy(
            iam.PolicyStatement(
                sid="WriteManifests",
                actions=["s3:PutObject"],
                resources=[objects_arn(manifests.bucket, f"{manifests.prefix}{self.job_name_prefix}-*.manifest")],
            )
        )
        manifest_key = manifests.encryption_key
        if manifest_key is not None:
            grant_key_use(manifest_key, role, encrypt=True)
        acknowledge_statement_wildcards(
            permissions_policy(role),
            "manifests are named after their job, under the manifests prefix only",
            "WriteManifests",
        )
        if self.task_type.manifest_line is not ManifestLine.SOURCE_REF:  # it reads the objects
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="ReadManifestLines",
                    actions=["s3:GetObject"],
                    resources=[objects_arn(source.bucket, source.objects_pattern)],
                )
            )
            if source.encryption_key is not None:
                grant_key_use(source.encryption_key, role, encrypt=False)
            acknowledge_statement_wildcards(
                permissions_policy(role),
                "the new objects are named at run time, under the source prefix",
                "ReadManifestLines",
            )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="StartJobs", actions=["states:StartExecution"], resources=[self.state_machine.state_machine_arn]
            )
        )
        # The event source reads the queue with the function's role (SqsEventSource grants it).
        function.function.add_event_source(
            event_sources.SqsEventSource(
                self.queue,
                batch_size=batch_size,
                max_batching_window=batching_window if in_seconds(batching_window) > 0 else None,
                max_concurrency=_EVENT_SOURCE_MAX_CONCURRENCY,
            )
        )
        return function

    def _alarms(self, alarm_topic: sns.ITopic) -> None:
        action = as_alarm_action(cloudwatch_actions.SnsAction(alarm_topic))
        self.failed_executions_alarm = cloudwatch.Alarm(
            self,
            "FailedExecutionsAlarm",
            alarm_description=f"A labeling job of {construct_path(self)} failed or timed out (its input is in the DLQ)",
            metric=cloudwatch.MathExpression(
                expression="failed + timedout + aborted",
                using_metrics={
                    "failed": self.state_machine.metric_failed(period=durations.minutes(5), statistic="Sum"),
                    "timedout": self.state_machine.metric_timed_out(period=durations.minutes(5), statistic="Sum"),
                    "aborted": self.state_machine.metric_aborted(period=durations.minutes(5), statistic="Sum"),
                },
                period=durations.minutes(5),
            ),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.dead_letter_alarm = cloudwatch.Alarm(
            self,
            "DeadLettersAlarm",
            alarm_description=f"Messages in the dead-letter queue of labeling workflow {construct_path(self)}",
            metric=self.dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=durations.minutes(5), statistic="Maximum"
            ),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        for alarm in (self.failed_executions_alarm, self.dead_letter_alarm):
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)

    @property
    def state_machine_arn(self) -> str:
        return self.state_machine.state_machine_arn

    def output_manifest_uri(self, job_name: str) -> str:
        """Where ``job_name``'s output manifest is published (``published_manifests`` must be set)."""
        if self.published_manifests is None:
            return f"{self.output.uri}{job_name}/manifests/output/output.manifest"
        return f"{self.published_manifests.uri}{job_name}/output.manifest"


def _function_timeout() -> Duration:
    """The batcher's timeout: it writes one manifest and starts one execution."""
    return durations.minutes(2)
