"""The reference workload: the example model (a churn classifier) the app trains, serves and monitors in
every environment, beside the platform.

These are its names and locations, used as the defaults of its sections of the schema (``serving``,
``training``, ``monitoring`` and the team and model card of ``governance``); what differs per
environment (endpoint kind, instance counts, thresholds) is in ``environments/<name>.py``. To put your
own model in its place, change the values here: the platform's sections (network, storage, Studio,
budgets) do not change.
"""

from __future__ import annotations

#: The SageMaker XGBoost 1.7-1 inference image of eu-west-1 (SageMaker algorithm registry account
#: 141502667606; source: aws/sagemaker-python-sdk src/sagemaker/image_uri_config/xgboost.json).
#: Other regions use other registry accounts: look them up in that file.
XGBOOST_IMAGE_EU_WEST_1 = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"

#: The inference image the serving stack starts with.
IMAGE_URI = XGBOOST_IMAGE_EU_WEST_1
#: The model's input, in order: a headerless CSV row of these features (what the training pipeline's
#: model takes: its training CSV after the label in the first column; the analyzer of Model Monitor
#: names them ``_c0``, ``_c1``...).
FEATURES = ("tenure_months", "monthly_charges_usd", "support_calls_90d", "orders_30d", "month_to_month_contract")
#: The example model the serving stack starts with (relative to the app's directory): a small XGBoost
#: booster of ``FEATURES`` trained on synthetic data by ``scripts/make_example_model.py``, which
#: ``cdk deploy`` uploads. A demo until the training pipeline has a package approved.
EXAMPLE_MODEL_PATH = "stacks/example_model/model.tar.gz"
#: Names the registry group ``<project>-<env>-<model_name>`` the training pipeline registers into.
MODEL_NAME = "churn"
#: Artifact-bucket prefix of the data quality baseline (``constraints.json``, ``statistics.json``).
BASELINE_PREFIX = "monitoring/baselines/churn/"
#: Data-bucket prefix where new training data starts a run (under the pipeline's ``raw/`` input).
NEW_DATA_PREFIX = "raw/churn/"
#: The team that owns the workload: its prefix ``teams/<name>/`` of the data bucket, its model card's owner.
TEAM_NAME = "fraud-detection"
#: The registry group the reference model card describes.
MODEL_PACKAGE_GROUP_NAME = "fraud-detection"
#: The labeling workflow of the reference workload (``platform.example_labeling_workflow``): customer
#: messages (text files) uploaded under this data-bucket prefix are labeled by the workteam...
LABELING_INPUT_PREFIX = "labeling/churn-messages/incoming/"
#: ... the labeling jobs write under this prefix (input manifests under ``manifests/``) ...
LABELING_OUTPUT_PREFIX = "labeling/churn-messages/jobs/"
#: ... and each job's output manifest is published under this prefix, under ``raw/``, which the training
#: jobs read: a training pipeline's data parameter points at it.
LABELED_DATA_PREFIX = "raw/labeled/churn-messages/"
#: The label categories of the customer messages.
LABELING_LABELS = ("churn-risk", "no-churn-risk")
