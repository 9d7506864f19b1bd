"""SageMaker's built-in algorithm images and the framework images (scikit-learn, XGBoost, and the AWS
Deep Learning Containers for PyTorch, TensorFlow, Hugging Face and AutoGluon), per region.

Which AWS account's ECR registry serves an image differs per region and, for the Deep Learning
Containers, per version. The accounts are data: ``image_registries.json`` beside this module,
written by ``scripts/image_registries.py`` from the SageMaker Python SDK's image-URI configuration
(``aws/sagemaker-python-sdk``, ``sagemaker-core/src/sagemaker/core/image_uri_config/*.json``, the
version and date are in the file's ``source`` and ``generated``), commercial regions only (China,
GovCloud, ISO and the European Sovereign Cloud are other partitions). The file is read on first use,
never at import; the SDK is never read by the library. ``tests/constructs_lib/test_image_registries.py``
checks every entry against the installed SDK's configuration.

What each built-in algorithm accepts (``BuiltInAlgorithm``: content types, input modes, CPU/GPU,
multi-instance) comes from the SageMaker developer guide: "Parameters for Built-in Algorithms"
(https://docs.aws.amazon.com/sagemaker/latest/dg/common-info-all-im-models.html) and each
algorithm's "Input/Output Interface" page, as read on 2026-12-01.

Not in the SDK's image-URI configuration, so not here: the JumpStart-based built-in algorithms
(LightGBM, CatBoost, TabTransformer, AutoGluon-Tabular as a built-in algorithm, and the TensorFlow
image and text classification and object detection algorithms). Their images come from JumpStart's
model specifications per model id; use ``ContainerImage.from_uri``. The AutoGluon framework images
(script mode) are here: ``FrameworkImage.autogluon_training``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, cast

from aws_cdk import aws_iam as iam
from constructs import Construct

from constructs_lib._core.stack_facts import aws_partition, stack_facts
from constructs_lib._core.validation import ConstructValidationError, is_unresolved
from constructs_lib.foundation.container_image import ContainerImage, grant_repository_pull

_DATA = Path(__file__).with_name("image_registries.json")

#: Repositories of SageMaker's first-party framework images (``SAGEMAKER_ALGORITHM_REGISTRIES``).
SKLEARN_REPOSITORY = "sagemaker-scikit-learn"
XGBOOST_REPOSITORY = "sagemaker-xgboost"


@cache
def _data() -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(_DATA.read_text()))


def image_table_source() -> str:
    """Where the registry tables come from, and when they were written."""
    data = _data()
    return f"{data['source']} (written {data['generated']})"


class _LazyTable(Mapping[str, str]):
    """A region-to-account table read from ``image_registries.json`` on first use."""

    def __init__(self, family: str, version: str) -> None:
        self._family, self._version = family, version

    def _table(self) -> Mapping[str, str]:
        entry = _data()["images"][self._family]["versions"][self._version]
        return cast(Mapping[str, str], _data()["registries"][entry["registry"]])

    def __getitem__(self, region: str) -> str:
        return self._table()[region]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table())

    def __len__(self) -> int:
        return len(self._table())


def registry_table(image: str, version: str) -> Mapping[str, str]:
    """The region-to-account table of ``image`` (``"<family>/<scope>"``, e.g. ``"clarify/processing"``)
    at ``version``, read from ``image_registries.json`` on first use."""
    return _LazyTable(image, version)


#: Account of SageMaker's first-party framework registry (scikit-learn, XGBoost 0.90-1 and later), by region.
SAGEMAKER_ALGORITHM_REGISTRIES: Mapping[str, str] = _LazyTable("sklearn/training", "1.2-1")
#: Account of the AWS Deep Learning Containers registry (PyTorch, TensorFlow, Hugging Face), by region,
#: for the latest PyTorch training image (older versions list fewer regions).
DEEP_LEARNING_CONTAINERS_REGISTRIES: Mapping[str, str] = _LazyTable("pytorch/training", "2.8.0")


def aws_owned_registry(account: str, region: str) -> bool:
    """Whether ``account`` serves SageMaker or AWS images in ``region`` (any table of the data)."""
    return any(table.get(region) == account for table in _data()["registries"].values())


# --- lookups --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Version:
    family: str
    version: str
    config: Mapping[str, Any]

    @property
    def repository(self) -> str:
        return str(self.config["repository"])

    @property
    def registries(self) -> Mapping[str, str]:
        return cast(Mapping[str, str], _data()["registries"][self.config["registry"]])


def _fail(what: str, prop: str, value: Any, allowed: str) -> ConstructValidationError:
    return ConstructValidationError(f"{what}: {prop}={value!r}: {allowed}")


def _version(family: str, version: str, what: str) -> _Version:
    config = _data()["images"][family]
    resolved = config.get("version_aliases", {}).get(version, version)
    versions: Mapping[str, Any] = config["versions"]
    if resolved not in versions:
        known = [*versions, *config.get("version_aliases", {})]
        raise _fail(what, "version", version, f"is not a known version; known: {', '.join(known)}")
    return _Version(family, resolved, versions[resolved])


def _account(entry: _Version, region: str, what: str) -> str:
    if is_unresolved(region):
        raise _fail(
            what,
            "region",
            region,
            "the image's registry account depends on the region: give the stack a concrete region "
            "(env=Environment(region=...)) or the image a region",
        )
    registries = entry.registries
    if region not in registries:
        raise _fail(
            what,
            "region",
            region,
            f"has no {entry.repository}:{entry.version} registry known; known regions: {', '.join(sorted(registries))}",
        )
    return registries[region]


def _domain(region: str) -> str:
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"


class _RegionalImage(ContainerImage):
    """An image of a SageMaker-owned or AWS-owned registry whose account depends on the region: the
    region is the one given, or the stack's where the image is bound."""

    def __init__(self, entry: _Version, tag: str, region: str | None, what: str) -> None:
        self._entry = entry
        self._image_tag = tag
        self._region = region
        self._what = what
        uri = self._uri_in(region) if region is not None else None
        super().__init__(uri, tag=tag)

    @property
    def repository_name(self) -> str:
        return self._entry.repository

    @property
    def version(self) -> str:
        return self._entry.version

    @property
    def regions(self) -> tuple[str, ...]:
        """The regions this image is served in."""
        return tuple(sorted(self._entry.registries))

    @property
    def label(self) -> str:
        return f"{self._what} ({self._entry.repository}:{self._image_tag})"

    def account(self, region: str) -> str:
        """The registry account in ``region`` (fails naming the known regions)."""
        return _account(self._entry, region, self._what)

    def _uri_in(self, region: str) -> str:
        account = self.account(region)
        return f"{account}.dkr.ecr.{region}.{_domain(region)}/{self._entry.repository}:{self._image_tag}"

    def image_uri_in(self, region: str) -> str:
        """The image URI in ``region``."""
        return self._uri_in(region)

    def repository_arn_in(self, region: str) -> str:
        return f"arn:{aws_partition()}:ecr:{region}:{self.account(region)}:repository/{self._entry.repository}"

    def bind(self, scope: Construct, grantee: iam.IGrantable | None = None) -> str:
        region = self._region if self._region is not None else stack_facts(scope).region
        uri = self._uri_in(region)
        if grantee is not None:
            grant_repository_pull(grantee, self.repository_arn_in(region))
        return self._remember(scope, uri)

    def grant_pull(self, grantee: iam.IGrantable) -> None:
        principal = grantee.grant_principal
        if self._region is None and isinstance(principal, Construct):
            self.bind(principal, grantee)
        else:
            super().grant_pull(grantee)


# --- built-in algorithms --------------------------------------------------------------------------


class AlgorithmCompute(StrEnum):
    """What instances an algorithm trains on."""

    CPU = "CPU"
    GPU = "GPU"
    CPU_OR_GPU = "CPU or GPU"


#: MIME types, as the developer guide spells them.
RECORDIO_PROTOBUF = "application/x-recordio-protobuf"
CSV = "text/csv"
RECORDIO = "application/x-recordio"
IMAGE = "application/x-image"
JPEG = "image/jpeg"
PNG = "image/png"
JSON_LINES = "application/jsonlines"
PARQUET = "application/x-parquet"
LIBSVM = "text/libsvm"


@dataclass(frozen=True)
class BuiltInAlgorithm:
    """What a SageMaker built-in algorithm accepts, checked against a training job at synth.

    :param name: the developer guide's name.
    :param family: its key in the image tables (the SDK's config file).
    :param content_types: the channels' ``ContentType`` values it reads (MIME parameters such as
        ``;label_size=1`` are allowed after them). A channel without a content type is not checked.
    :param input_modes: ``File`` and/or ``Pipe``; ``FastFile`` is accepted wherever ``File`` is (it
        presents the S3 objects as files, as ``File`` does).
    :param compute: CPU, GPU or either (``GPU``: a CPU instance fails; ``CPU``: a GPU one fails).
    :param multi_instance: whether it trains on more than one instance.
    :param page: the developer guide page it is documented on.
    """

    name: str
    family: str
    content_types: tuple[str, ...]
    input_modes: tuple[str, ...]
    compute: AlgorithmCompute
    multi_instance: bool
    page: str


def _algorithm(
    name: str,
    family: str,
    content_types: tuple[str, ...],
    modes: str,
    compute: AlgorithmCompute,
    multi_instance: bool,
    page: str,
) -> BuiltInAlgorithm:
    return BuiltInAlgorithm(
        name,
        family,
        content_types,
        ("File", "Pipe") if modes == "File or Pipe" else ("File",),
        compute,
        multi_instance,
        f"https://docs.aws.amazon.com/sagemaker/latest/dg/{page}.html",
    )


_TABULAR = (RECORDIO_PROTOBUF, CSV)
_IMAGES = (RECORDIO, IMAGE, JPEG, PNG)
_FP, _F = "File or Pipe", "File"
_CPU, _GPU, _ANY = AlgorithmCompute.CPU, AlgorithmCompute.GPU, AlgorithmCompute.CPU_OR_GPU

#: Every built-in algorithm with an image in the SDK's configuration, by ``family``.
BUILT_IN_ALGORITHMS: Mapping[str, BuiltInAlgorithm] = {
    a.family: a
    for a in (
        _algorithm("BlazingText", "blazingtext", ("text/plain", JSON_LINES), _FP, _ANY, False, "blazingtext"),
        _algorithm("DeepAR Forecasting", "forecasting-deepar", (JSON_LINES, "json", PARQUET), _F, _ANY, True, "deepar"),
        _algorithm(
            "Factorization Machines", "factorization-machines", (RECORDIO_PROTOBUF,), _FP, _ANY, True, "fact-machines"
        ),
        _algorithm(
            "Image Classification - MXNet", "image-classification", _IMAGES, _FP, _GPU, True, "image-classification"
        ),
        _algorithm("IP Insights", "ipinsights", (CSV,), _F, _ANY, True, "ip-insights"),
        _algorithm("K-Means", "kmeans", _TABULAR, _FP, _ANY, True, "k-means"),
        _algorithm("K-Nearest-Neighbors", "knn", _TABULAR, _FP, _ANY, True, "k-nearest-neighbors"),
        _algorithm("LDA", "lda", _TABULAR, _FP, _CPU, False, "lda"),
        _algorithm("Linear Learner", "linear-learner", _TABULAR, _FP, _ANY, True, "linear-learner"),
        _algorithm("Neural Topic Model", "ntm", _TABULAR, _FP, _ANY, True, "ntm"),
        _algorithm("Object2Vec", "object2vec", (JSON_LINES,), _F, _ANY, False, "object2vec"),
        _algorithm("Object Detection - MXNet", "object-detection", _IMAGES, _FP, _GPU, True, "object-detection"),
        _algorithm("PCA", "pca", _TABULAR, _FP, _ANY, True, "pca"),
        _algorithm("Random Cut Forest", "randomcutforest", _TABULAR, _FP, _CPU, True, "randomcutforest"),
        _algorithm(
            "Semantic Segmentation", "semantic-segmentation", _IMAGES, _FP, _GPU, False, "semantic-segmentation"
        ),
        _algorithm("Sequence-to-Sequence", "seq2seq", (RECORDIO_PROTOBUF,), _F, _GPU, False, "seq-2-seq"),
        _algorithm("XGBoost", "xgboost", (LIBSVM, CSV, PARQUET, RECORDIO_PROTOBUF), _FP, _ANY, True, "xgboost"),
    )
}
#: XGBoost trains on GPUs from version 1.2-1 (the developer guide); earlier versions on CPUs only.
_XGBOOST_CPU_ONLY = ("1", "0.90-1", "0.90-2", "1.0-1")


class AlgorithmImage(_RegionalImage):
    """The image of a SageMaker built-in algorithm (training and inference share it), with what the
    algorithm accepts (``algorithm``): a ``TrainingJob`` with this image checks its channels' content
    types and input modes, and its instance type and count, at synth.

    :param region: default, the region of the stack the image is used in.
    """

    def __init__(self, family: str, version: str, region: str | None) -> None:
        self.algorithm = BUILT_IN_ALGORITHMS[family]
        entry = _version(f"{family}/training", version, f"AlgorithmImage {self.algorithm.name}")
        processors: Sequence[str] = entry.config.get("processors", ())
        py_versions: Sequence[str] = entry.config.get("py_versions", ())
        tag = _tag(entry.version, entry.config, processors[0] if processors else None, (py_versions or [None])[-1])
        super().__init__(entry, tag, region, f"AlgorithmImage {self.algorithm.name}")

    @property
    def compute(self) -> AlgorithmCompute:
        if self.algorithm.family == "xgboost" and self.version in _XGBOOST_CPU_ONLY:
            return AlgorithmCompute.CPU
        return self.algorithm.compute

    @staticmethod
    def versions(family: str) -> tuple[str, ...]:
        """The versions known for an algorithm (``BUILT_IN_ALGORITHMS`` keys)."""
        return tuple(_data()["images"][f"{family}/training"]["versions"])

    @classmethod
    def blazingtext(cls, *, region: str | None = None) -> AlgorithmImage:
        return cls("blazingtext", "1", region)

    @classmethod
    def deepar(cls, *, region: str | None = None) -> AlgorithmImage:
        return cls("forecasting-deepar", "1", region)

    @classmethod
    def factorization_machines(cls, *, region: str | None = None) -> AlgorithmImage:
        return cls("factorization-machines", "1", region)

    @classmethod
    def image_classification(cls, *, region: str | None = None) -> AlgorithmImage:
        return cls("image-classification", "1", region)

    @classmethod
    def ip_insights(cls, *, region: str | None = None) -> AlgorithmImage:
        return cls("ipinsights", "1", region)

    @classmethod
    def kmeans(cls, *, region: str | None = None) -> AlgorithmImage:
        return cls("kmeans", "1", region)

    @classmethod
    def knn(cls, *, region: str | None = None) -> AlgorithmImage:
        return cls("knn", "1", region)

    @classmethod
    def lda(cls, *, region: str | None = None) -> AlgorithmImage:
        """LDA is served in fewer regions than the other algorithms (``regions``)."""
        return cls("lda", "1", region)

    @classmethod
    def linear_learner(cls, *, region: str | None = None) -> AlgorithmImage:
        return cls("linear-learner", "1", region)

    @classmethod
    def ntm(cls, *, region: str | None = None) -> AlgorithmImage:
        return cls("ntm", "1", region)

    @classmethod
    def object2vec(cls, *, region: str | None = None) -> AlgorithmImage:
        return cls("object2vec", "1", region)

    @classmethod
    def object_detection(cls, *, region: str | None = None) -> AlgorithmImage:
        return cls("object-detection", "1", region)

    @classmethod
    def pca(cls, *, region: str | None = None) -> AlgorithmImage:
        return cls("pca", "1", region)

    @classmethod
    def random_cut_forest(cls, *, region: str | None = None) -> AlgorithmImage:
        return cls("randomcutforest", "1", region)

    @classmethod
    def semantic_segmentation(cls, *, region: str | None = None) -> AlgorithmImage:
        return cls("semantic-segmentation", "1", region)

    @classmethod
    def seq2seq(cls, *, region: str | None = None) -> AlgorithmImage:
        return cls("seq2seq", "1", region)

    @classmethod
    def xgboost(cls, version: str = "1.7-1", *, region: str | None = None) -> AlgorithmImage:
        """XGBoost as a built-in algorithm (``sagemaker-xgboost:<version>``; ``"1"`` is the
        deprecated 0.72 image). The same image runs script mode (``FrameworkImage.xgboost``)."""
        return cls("xgboost", version, region)


# --- framework images -----------------------------------------------------------------------------


def _pick(options: Sequence[str], value: str | None, what: str, prop: str) -> str:
    if value is None:
        return options[-1]
    if value not in options:
        raise _fail(what, prop, value, f"must be one of {', '.join(options)}")
    return value


def _processor(config: Mapping[str, Any], scope_processors: Sequence[str] | None, gpu: bool, what: str) -> str | None:
    processors: Sequence[str] | None = config.get("processors") or scope_processors
    if not processors:
        return None
    wanted = "gpu" if gpu else "cpu"
    if wanted not in processors:
        raise _fail(what, "gpu", gpu, f"this image is built for {', '.join(processors)} only")
    return wanted


def _tag(prefix: str, config: Mapping[str, Any], processor: str | None, py_version: str | None) -> str:
    container = cast(Mapping[str, str], config.get("container_version") or {}).get(processor or "")
    in_tag = processor if config.get("processor_in_tag", True) else None
    return "-".join(x for x in (prefix, in_tag, py_version, container) if x)


class FrameworkImage(_RegionalImage):
    """A framework image for script mode and serving: scikit-learn and XGBoost (SageMaker's own),
    PyTorch, TensorFlow, Hugging Face and AutoGluon (AWS Deep Learning Containers), training or
    inference, CPU or GPU, with the Python version the image is built for. Versions accept the
    SDK's aliases (``"2.1"`` for ``"2.1.0"``); an unknown version, Python version, processor or
    region fails naming what is known.

    :param region: default, the region of the stack the image is used in.
    """

    def __init__(
        self,
        family: str,
        scope: str,
        version: str,
        *,
        py_version: str | None,
        gpu: bool,
        region: str | None,
        what: str,
        base_framework: str | None = None,
    ) -> None:
        self.framework = family
        self.image_scope = scope
        table = _data()["images"][f"{family}/{scope}"]
        entry = _version(f"{family}/{scope}", version, what)
        config: Mapping[str, Any] = entry.config
        prefix = str(config.get("tag_prefix", entry.version))
        if "frameworks" in config:  # Hugging Face: one image per base framework
            frameworks = cast(Mapping[str, Any], config["frameworks"])
            aliases = cast(Mapping[str, str], config.get("framework_aliases", {}))
            base = aliases.get(base_framework or "", base_framework) or list(frameworks)[-1]
            if base not in frameworks:
                raise _fail(what, "base framework", base_framework, f"must be one of {', '.join(frameworks)}")
            config = frameworks[base]
            entry = _Version(entry.family, entry.version, config)
            prefix = f"{base.removeprefix('pytorch').removeprefix('tensorflow')}-transformers{entry.version}"
        py = _pick(list(config.get("py_versions", [])) or [""], py_version, what, "py_version") or None
        processor = _processor(config, table.get("processors"), gpu, what)
        self.py_version = py
        self.processor = processor
        super().__init__(entry, _tag(prefix, config, processor, py), region, what)

    @classmethod
    def _of(
        cls,
        family: str,
        scope: str,
        version: str,
        py_version: str | None,
        gpu: bool,
        region: str | None,
        name: str,
        base_framework: str | None = None,
    ) -> FrameworkImage:
        what = f"FrameworkImage.{name}"
        return cls(
            family,
            scope,
            version,
            py_version=py_version,
            gpu=gpu,
            region=region,
            what=what,
            base_framework=base_framework,
        )

    @staticmethod
    def versions(framework: str, scope: str = "training") -> tuple[str, ...]:
        """Known versions of ``framework`` (pytorch, tensorflow, huggingface, autogluon, sklearn,
        xgboost) for ``scope`` (training or inference)."""
        return tuple(_data()["images"][f"{framework}/{scope}"]["versions"])

    # SageMaker's own framework images
    @classmethod
    def sklearn(
        cls, version: str = "1.2-1", *, py_version: str | None = None, region: str | None = None
    ) -> FrameworkImage:
        """``sagemaker-scikit-learn`` (CPU): processing, script-mode training and serving."""
        return cls._of("sklearn", "training", version, py_version, False, region, "sklearn")

    @classmethod
    def sklearn_inference(
        cls, version: str = "1.2-1", *, py_version: str | None = None, region: str | None = None
    ) -> FrameworkImage:
        return cls._of("sklearn", "inference", version, py_version, False, region, "sklearn_inference")

    @classmethod
    def xgboost(cls, version: str = "1.7-1", *, region: str | None = None) -> FrameworkImage:
        """``sagemaker-xgboost`` for script mode (the built-in algorithm is ``AlgorithmImage.xgboost``)."""
        return cls._of("xgboost", "training", version, None, False, region, "xgboost")

    # AWS Deep Learning Containers
    @classmethod
    def pytorch_training(
        cls, version: str, *, py_version: str | None = None, gpu: bool = False, region: str | None = None
    ) -> FrameworkImage:
        """``pytorch-training:<version>-<cpu|gpu>-<py>``."""
        return cls._of("pytorch", "training", version, py_version, gpu, region, "pytorch_training")

    @classmethod
    def pytorch_inference(
        cls, version: str, *, py_version: str | None = None, gpu: bool = False, region: str | None = None
    ) -> FrameworkImage:
        return cls._of("pytorch", "inference", version, py_version, gpu, region, "pytorch_inference")

    @classmethod
    def tensorflow_training(
        cls, version: str, *, py_version: str | None = None, gpu: bool = False, region: str | None = None
    ) -> FrameworkImage:
        return cls._of("tensorflow", "training", version, py_version, gpu, region, "tensorflow_training")

    @classmethod
    def tensorflow_inference(
        cls, version: str, *, py_version: str | None = None, gpu: bool = False, region: str | None = None
    ) -> FrameworkImage:
        """TensorFlow Serving images (most versions carry no Python version in their tag)."""
        return cls._of("tensorflow", "inference", version, py_version, gpu, region, "tensorflow_inference")

    @classmethod
    def huggingface_training(
        cls,
        transformers_version: str,
        *,
        base_framework: str | None = None,
        py_version: str | None = None,
        gpu: bool = True,
        region: str | None = None,
    ) -> FrameworkImage:
        """``huggingface-pytorch-training`` (or ``-tensorflow-``) for a Transformers version; the
        base framework as the SDK spells it (``pytorch2.1.0``, alias ``pytorch2.1``; default the
        latest for that version). Hugging Face training images are GPU builds."""
        return cls._of(
            "huggingface",
            "training",
            transformers_version,
            py_version,
            gpu,
            region,
            "huggingface_training",
            base_framework,
        )

    @classmethod
    def huggingface_inference(
        cls,
        transformers_version: str,
        *,
        base_framework: str | None = None,
        py_version: str | None = None,
        gpu: bool = False,
        region: str | None = None,
    ) -> FrameworkImage:
        return cls._of(
            "huggingface",
            "inference",
            transformers_version,
            py_version,
            gpu,
            region,
            "huggingface_inference",
            base_framework,
        )

    @classmethod
    def autogluon_training(
        cls, version: str, *, py_version: str | None = None, gpu: bool = False, region: str | None = None
    ) -> FrameworkImage:
        return cls._of("autogluon", "training", version, py_version, gpu, region, "autogluon_training")

    @classmethod
    def autogluon_inference(
        cls, version: str, *, py_version: str | None = None, gpu: bool = False, region: str | None = None
    ) -> FrameworkImage:
        return cls._of("autogluon", "inference", version, py_version, gpu, region, "autogluon_inference")


# --- the earlier helpers (strings) ------------------------------------------------------------------


def algorithm_registry_account(region: str) -> str:
    """The account of SageMaker's first-party framework registry (scikit-learn, XGBoost) in ``region``."""
    return FrameworkImage.sklearn(region=None).account(region)


def deep_learning_containers_account(region: str) -> str:
    """The account of the AWS Deep Learning Containers registry in ``region`` (latest PyTorch)."""
    return FrameworkImage.pytorch_training("2.8.0").account(region)


def sklearn_image_uri(region: str, version: str = "1.2-1") -> str:
    """The SageMaker scikit-learn image URI (CPU, Python 3), e.g. for processing steps."""
    return FrameworkImage.sklearn(version).image_uri_in(region)


def xgboost_image_uri(region: str, version: str = "1.7-1") -> str:
    """The SageMaker XGBoost image URI (built-in algorithm and script mode)."""
    return AlgorithmImage.xgboost(version).image_uri_in(region)
