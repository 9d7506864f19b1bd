"""Public image registries are data with a source; image URIs follow from the region."""

import aws_cdk as cdk
import pytest

from constructs_lib import ConstructValidationError
from constructs_lib.training.container_images import (
    DEEP_LEARNING_CONTAINERS_REGISTRIES,
    SAGEMAKER_ALGORITHM_REGISTRIES,
    algorithm_registry_account,
    deep_learning_containers_account,
    sklearn_image_uri,
    xgboost_image_uri,
)


def test_sklearn_and_xgboost_images_of_eu_west_1():
    assert sklearn_image_uri("eu-west-1") == (
        "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
    )
    assert xgboost_image_uri("eu-west-1") == "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"
    assert xgboost_image_uri("us-east-1", "1.5-1").startswith("683313688378.dkr.ecr.us-east-1.amazonaws.com/")


def test_china_regions_use_their_domain():
    assert sklearn_image_uri("cn-north-1").startswith("450853457545.dkr.ecr.cn-north-1.amazonaws.com.cn/")


def test_registry_tables_are_account_ids():
    for table in (SAGEMAKER_ALGORITHM_REGISTRIES, DEEP_LEARNING_CONTAINERS_REGISTRIES):
        assert all(len(account) == 12 and account.isdigit() for account in table.values())
    assert deep_learning_containers_account("eu-west-1") == "763104351884"
    assert algorithm_registry_account("eu-west-1") == "141502667606"


def test_unknown_or_unresolved_regions_fail_clearly():
    with pytest.raises(ConstructValidationError, match="region='mars-north-1': no SageMaker algorithm registry"):
        sklearn_image_uri("mars-north-1")
    with pytest.raises(ConstructValidationError, match="give the stack a concrete region"):
        xgboost_image_uri(cdk.Aws.REGION)
