"""LabelingWorkflow's label ingester (``constructs_lib/labeling/label_ingestion_handler/handler.py``):
Ground Truth output manifest lines of the built-in task types into Feature Store records, with moto's
S3 (the manifest), a Feature Store that keeps PutRecord's documented upsert (checked against
botocore's model), and botocore's Stubber for faults (throttling, a refused record).

The lines follow the Ground Truth developer guide's "Output data" examples: ``source-ref`` (or
``source`` for text) and the label attribute with its ``-metadata`` (``class-name``, ``confidence``,
``human-annotated``, ``creation-date``, ``job-name``; ``failure-reason`` when an object failed).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from botocore.validate import validate_parameters
from moto import mock_aws

from constructs_lib.labeling import LABEL_FEATURES
from constructs_lib.labeling.label_ingestion_handler import handler as ingester

REGION = "eu-west-1"
BUCKET = "labels"
KEY = "jobs/cats-202612011200-0123abcd/manifests/output/output.manifest"
JOB = "cats-202612011200-0123abcd"
FEATURES = {f.name: f.type.value for f in LABEL_FEATURES}


def metadata(**extra: Any) -> dict[str, Any]:
    return {
        "type": "groundtruth/image-classification",
        "job-name": f"labeling-job/{JOB}",
        "human-annotated": "yes",
        "creation-date": "2026-12-01T10:15:30.123456",
        **extra,
    }


IMAGE = {
    "source-ref": "s3://data/cats/1.jpg",
    "label": 1,
    "label-metadata": metadata(**{"class-name": "cat", "confidence": 0.93}),
}
BOXES = {
    "source-ref": "s3://data/cats/2.jpg",
    "label": {
        "image_size": [{"width": 640, "height": 480, "depth": 3}],
        "annotations": [{"class_id": 0, "left": 1, "top": 2, "width": 30, "height": 40}],
    },
    "label-metadata": metadata(
        type="groundtruth/object-detection", objects=[{"confidence": 0.8}], **{"class-map": {"0": "cat"}}
    ),
}
FAILED = {
    "source-ref": "s3://data/cats/3.jpg",
    "label-metadata": {"failure-reason": "ClientError: worker timeout", "job-name": f"labeling-job/{JOB}"},
}


class FeatureStore:
    """PutRecord as documented: the online store keeps each identifier's record with the greatest
    event time; the offline store appends every record."""

    def __init__(self) -> None:
        self.online: dict[str, dict[str, str]] = {}
        self.offline: list[dict[str, str]] = []
        model = boto3.client("sagemaker-featurestore-runtime", region_name=REGION).meta.service_model
        self._input = model.operation_model("PutRecord").input_shape

    def put_record(self, **params: Any) -> dict[str, Any]:
        validate_parameters(params, self._input)
        assert params["FeatureGroupName"] == "labels"
        record = {v["FeatureName"]: v["ValueAsString"] for v in params["Record"]}
        self.offline.append(record)
        current = self.online.get(record["object_id"])
        if current is None or record["labeled_at"] > current["labeled_at"]:
            self.online[record["object_id"]] = record
        return {}


@pytest.fixture
def world(monkeypatch):
    with mock_aws():
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "FEATURE_GROUP_NAME": "labels",
            "FEATURES": json.dumps(FEATURES),
            "LABEL_ATTRIBUTE": "label",
        }.items():
            monkeypatch.setenv(name, value)
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        store = FeatureStore()
        real = ingester._client
        monkeypatch.setattr(ingester, "_client", lambda service: store if "featurestore" in service else real(service))
        yield s3, store


def put_manifest(s3: Any, *lines: Any) -> None:
    body = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=body.encode())


EVENT = {"Bucket": BUCKET, "Key": KEY, "LabelingJobName": JOB}


def test_an_image_classification_line_is_one_record_of_the_object_and_its_label(world):
    s3, store = world
    put_manifest(s3, IMAGE)
    assert ingester.handler(EVENT) == {"labelingJob": JOB, "written": 1, "skipped": 0, "refused": 0}
    (record,) = store.online.values()
    assert record == {
        "object_id": hashlib.sha256(b"s3://data/cats/1.jpg").hexdigest(),
        "labeled_at": "2026-12-01T10:15:30.123Z",
        "source": "s3://data/cats/1.jpg",
        "label": "1",
        "class_name": "cat",
        "confidence": "0.93",
        "human_annotated": "yes",
        "labeling_job": JOB,
    }


def test_structured_labels_are_json_and_ref_labels_their_uri():
    values = ingester.label_values(BOXES, "label", JOB)
    assert json.loads(values["label"]) == BOXES["label"] and values["class_name"] is None
    mask = {
        "source-ref": "s3://data/roads/1.png",
        "label-ref": "s3://out/masks/1.png",
        "label-ref-metadata": metadata(type="groundtruth/semantic-segmentation"),
    }
    assert ingester.label_values(mask, "label-ref", JOB)["label"] == "s3://out/masks/1.png"
    text = {
        "source": "I will cancel my plan",
        "label": {"annotations": {"entities": [{"label": "intent", "startOffset": 2, "endOffset": 13}]}},
        "label-metadata": metadata(type="groundtruth/text-span"),
    }
    values = ingester.label_values(text, "label", JOB)
    assert values["object_id"] == hashlib.sha256(b"I will cancel my plan").hexdigest()
    assert values["source"] == "I will cancel my plan"


def test_creation_dates_become_feature_store_event_times():
    assert ingester.event_time("2026-12-01T10:15:30.123456") == "2026-12-01T10:15:30.123Z"
    assert ingester.event_time("2026-12-01T10:15:30") == "2026-12-01T10:15:30.000Z"
    assert ingester.event_time("2026-12-01T11:15:30.5+01:00") == "2026-12-01T10:15:30.500Z"
    with pytest.raises(ingester.NotALabel):
        ingester.event_time(None)


def test_lines_without_a_label_are_skipped_and_the_others_written(world):
    s3, store = world
    put_manifest(s3, IMAGE, FAILED, "not json", "[1]", BOXES, "")
    result = ingester.handler(EVENT)
    assert result["written"] == 2 and result["skipped"] == 3 and result["refused"] == 0
    assert len(store.online) == 2


def test_a_retried_or_duplicated_event_rewrites_identical_records(world):
    s3, store = world
    put_manifest(s3, IMAGE, BOXES)
    ingester.handler(EVENT)
    first = dict(store.online)
    ingester.handler(EVENT)  # the state machine's retry, or a duplicate
    assert store.online == first
    assert len(store.offline) == 4 and len({(r["object_id"], r["labeled_at"]) for r in store.offline}) == 2


def test_a_later_label_of_the_same_object_replaces_the_earlier_one_online(world):
    s3, store = world
    later = {
        **IMAGE,
        "label": 0,
        "label-metadata": metadata(**{"class-name": "dog", "creation-date": "2026-12-02T08:00:00.000000"}),
    }
    put_manifest(s3, later, IMAGE)  # order does not matter: the latest creation date wins
    ingester.handler(EVENT)
    (record,) = store.online.values()
    assert record["class_name"] == "dog"


def test_only_the_features_the_group_defines_are_written(world, monkeypatch):
    s3, store = world
    monkeypatch.setenv("FEATURES", json.dumps({"object_id": "String", "labeled_at": "String", "label": "String"}))
    put_manifest(s3, IMAGE)
    ingester.handler(EVENT)
    (record,) = store.online.values()
    assert set(record) == {"object_id", "labeled_at", "label"}


def _stubbed(monkeypatch, world) -> Stubber:
    runtime = boto3.client("sagemaker-featurestore-runtime", region_name=REGION)
    real = ingester._client
    stubbed: dict[str, Any] = {"runtime": runtime}
    monkeypatch.setattr(
        ingester, "_client", lambda service: stubbed["runtime"] if "featurestore" in service else real(service)
    )
    return Stubber(runtime)


def test_throttling_beyond_the_retries_fails_the_invocation_for_the_state_machine_to_retry(world, monkeypatch):
    s3, _ = world
    put_manifest(s3, IMAGE, BOXES)
    stubber = _stubbed(monkeypatch, world)
    stubber.add_response("put_record", {})
    stubber.add_client_error("put_record", "ThrottlingException", http_status_code=400)
    with stubber, pytest.raises(ingester.ClientError):
        ingester.handler(EVENT)


def test_a_record_feature_store_refuses_is_counted_and_the_others_still_written(world, monkeypatch):
    s3, _ = world
    put_manifest(s3, IMAGE, BOXES)
    stubber = _stubbed(monkeypatch, world)
    stubber.add_client_error("put_record", "ValidationError", http_status_code=400)
    stubber.add_response("put_record", {})
    with stubber:
        assert ingester.handler(EVENT) == {"labelingJob": JOB, "written": 1, "skipped": 0, "refused": 1}
    stubber.assert_no_pending_responses()
