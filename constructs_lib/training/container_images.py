"""Public SageMaker container images: which AWS account's ECR registry serves them in each region.

These are data, kept in one place with their source, so that image URIs and the job roles that pull
them agree. Nothing is looked up at synth.

Sources (the SageMaker Python SDK's image registry tables, which the SageMaker developer guide's
"Docker Registry Paths and Example Code" pages mirror):

- ``SAGEMAKER_ALGORITHM_REGISTRIES``: ``sagemaker-python-sdk/src/sagemaker/image_uri_config/sklearn.json``
  (``training`` and ``inference``, version ``1.2-1``); the same accounts serve ``sagemaker-xgboost``
  1.x (``xgboost.json``).
- ``DEEP_LEARNING_CONTAINERS_REGISTRIES``: ``sagemaker-python-sdk/src/sagemaker/image_uri_config/
  framework-region-registry.json`` (the ``mxnet`` framework entry: the AWS Deep Learning Containers
  accounts, shared by PyTorch, TensorFlow, MXNet and Hugging Face images).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from constructs_lib._core.validation import ConstructValidationError, is_unresolved

#: Account of the ECR registry with SageMaker's first-party images (scikit-learn, XGBoost), by region.
SAGEMAKER_ALGORITHM_REGISTRIES: Mapping[str, str] = MappingProxyType(
    {
        "af-south-1": "510948584623",
        "ap-east-1": "651117190479",
        "ap-northeast-1": "354813040037",
        "ap-northeast-2": "366743142698",
        "ap-northeast-3": "867004704886",
        "ap-south-1": "720646828776",
        "ap-south-2": "628508329040",
        "ap-southeast-1": "121021644041",
        "ap-southeast-2": "783357654285",
        "ap-southeast-3": "951798379941",
        "ap-southeast-4": "106583098589",
        "ca-central-1": "341280168497",
        "cn-north-1": "450853457545",
        "cn-northwest-1": "451049120500",
        "eu-central-1": "492215442770",
        "eu-central-2": "680994064768",
        "eu-north-1": "662702820516",
        "eu-south-1": "978288397137",
        "eu-south-2": "104374241257",
        "eu-west-1": "141502667606",
        "eu-west-2": "764974769150",
        "eu-west-3": "659782779980",
        "me-central-1": "272398656194",
        "me-south-1": "801668240914",
        "sa-east-1": "737474898029",
        "us-east-1": "683313688378",
        "us-east-2": "257758044811",
        "us-gov-east-1": "237065988967",
        "us-gov-west-1": "414596584902",
        "us-west-1": "746614075791",
        "us-west-2": "246618743249",
    }
)

#: Account of the AWS Deep Learning Containers registry, by region.
DEEP_LEARNING_CONTAINERS_REGISTRIES: Mapping[str, str] = MappingProxyType(
    {
        "ap-east-1": "871362719292",
        "ap-northeast-1": "763104351884",
        "ap-northeast-2": "763104351884",
        "ap-south-1": "763104351884",
        "ap-southeast-1": "763104351884",
        "ap-southeast-2": "763104351884",
        "ca-central-1": "763104351884",
        "cn-north-1": "727897471807",
        "cn-northwest-1": "727897471807",
        "eu-central-1": "763104351884",
        "eu-north-1": "763104351884",
        "eu-west-1": "763104351884",
        "eu-west-2": "763104351884",
        "eu-west-3": "763104351884",
        "me-south-1": "217643126080",
        "sa-east-1": "763104351884",
        "us-east-1": "763104351884",
        "us-east-2": "763104351884",
        "us-gov-west-1": "442386744353",
        "us-west-1": "763104351884",
        "us-west-2": "763104351884",
    }
)

#: Repositories of SageMaker's first-party images in ``SAGEMAKER_ALGORITHM_REGISTRIES``.
SKLEARN_REPOSITORY = "sagemaker-scikit-learn"
XGBOOST_REPOSITORY = "sagemaker-xgboost"


def _domain(region: str) -> str:
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"


def algorithm_registry_account(region: str) -> str:
    """The account of SageMaker's first-party image registry in ``region`` (a concrete region)."""
    return _lookup(SAGEMAKER_ALGORITHM_REGISTRIES, region, "SageMaker algorithm registry")


def deep_learning_containers_account(region: str) -> str:
    """The account of the AWS Deep Learning Containers registry in ``region`` (a concrete region)."""
    return _lookup(DEEP_LEARNING_CONTAINERS_REGISTRIES, region, "Deep Learning Containers registry")


def sklearn_image_uri(region: str, version: str = "1.2-1") -> str:
    """The SageMaker scikit-learn image (CPU, Python 3), e.g. for processing steps."""
    account = algorithm_registry_account(region)
    return f"{account}.dkr.ecr.{region}.{_domain(region)}/{SKLEARN_REPOSITORY}:{version}-cpu-py3"


def xgboost_image_uri(region: str, version: str = "1.7-1") -> str:
    """The SageMaker XGBoost algorithm image (training and inference)."""
    account = algorithm_registry_account(region)
    return f"{account}.dkr.ecr.{region}.{_domain(region)}/{XGBOOST_REPOSITORY}:{version}"


def _lookup(table: Mapping[str, str], region: str, what: str) -> str:
    if is_unresolved(region):
        raise ConstructValidationError(
            f"region={region!r}: the {what} account depends on the region; give the stack a concrete region "
            "(env=Environment(region=...))"
        )
    try:
        return table[region]
    except KeyError:
        raise ConstructValidationError(
            f"region={region!r}: no {what} account is known for it; known regions: {', '.join(sorted(table))}"
        ) from None
