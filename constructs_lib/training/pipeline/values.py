"""The closed sets of pipeline step arguments, as enums whose values are botocore's.

Each enum equals a botocore enum of the SageMaker model (named in its docstring); where one enum
serves several APIs with smaller sets (``InputMode`` for training and processing), the step checks the
value against the API's own set and says which values that API takes.
"""

from __future__ import annotations

from enum import StrEnum


class InputMode(StrEnum):
    """How a job reads its input (botocore ``TrainingInputMode``; processing takes ``FILE`` and
    ``PIPE``: ``ProcessingS3InputMode``)."""

    FILE = "File"
    PIPE = "Pipe"
    FAST_FILE = "FastFile"


class S3DataType(StrEnum):
    """What an S3 URI names (botocore ``S3DataType``; processing takes ``S3_PREFIX`` and
    ``MANIFEST_FILE``: ``ProcessingS3DataType``)."""

    S3_PREFIX = "S3Prefix"
    MANIFEST_FILE = "ManifestFile"
    AUGMENTED_MANIFEST_FILE = "AugmentedManifestFile"
    CONVERSE = "Converse"


class S3DataDistribution(StrEnum):
    """How the input is spread over a job's instances (botocore ``S3DataDistribution``)."""

    FULLY_REPLICATED = "FullyReplicated"
    SHARDED_BY_S3_KEY = "ShardedByS3Key"


class CompressionType(StrEnum):
    """Compression of the input (botocore ``CompressionType``)."""

    NONE = "None"
    GZIP = "Gzip"


class RecordWrapper(StrEnum):
    """Record wrapping of a training channel (botocore ``RecordWrapper``)."""

    NONE = "None"
    RECORD_IO = "RecordIO"


class FileSystemType(StrEnum):
    """The file system of a training channel (botocore ``FileSystemType``)."""

    EFS = "EFS"
    FSX_LUSTRE = "FSxLustre"


class FileSystemAccessMode(StrEnum):
    """How a training channel mounts its file system (botocore ``FileSystemAccessMode``)."""

    READ_ONLY = "ro"
    READ_WRITE = "rw"


class UploadMode(StrEnum):
    """When a processing output is uploaded (botocore ``ProcessingS3UploadMode``)."""

    END_OF_JOB = "EndOfJob"
    CONTINUOUS = "Continuous"


class SplitType(StrEnum):
    """How a transform job splits its input into records (botocore ``SplitType``)."""

    NONE = "None"
    LINE = "Line"
    RECORD_IO = "RecordIO"
    TF_RECORD = "TFRecord"


class AssemblyType(StrEnum):
    """How a transform job assembles its output (botocore ``AssemblyType``)."""

    NONE = "None"
    LINE = "Line"


class BatchStrategy(StrEnum):
    """How many records a transform request carries (botocore ``BatchStrategy``)."""

    MULTI_RECORD = "MultiRecord"
    SINGLE_RECORD = "SingleRecord"


class JoinSource(StrEnum):
    """What a transform job joins to its output (botocore ``JoinSource``)."""

    INPUT = "Input"
    NONE = "None"


class TuningStrategy(StrEnum):
    """How a tuning job picks hyperparameters (botocore ``HyperParameterTuningJobStrategyType``)."""

    BAYESIAN = "Bayesian"
    RANDOM = "Random"
    HYPERBAND = "Hyperband"
    GRID = "Grid"


class EarlyStopping(StrEnum):
    """Early stopping of a tuning job's training jobs (botocore ``TrainingJobEarlyStoppingType``)."""

    OFF = "Off"
    AUTO = "Auto"


class ObjectiveDirection(StrEnum):
    """Whether a tuning objective is maximized or minimized (botocore ``HyperParameterTuningJobObjectiveType``)."""

    MAXIMIZE = "Maximize"
    MINIMIZE = "Minimize"


class HyperparameterScaling(StrEnum):
    """The scale a hyperparameter range is searched on (botocore ``HyperParameterScalingType``)."""

    AUTO = "Auto"
    LINEAR = "Linear"
    LOGARITHMIC = "Logarithmic"
    REVERSE_LOGARITHMIC = "ReverseLogarithmic"


class WarmStartType(StrEnum):
    """How a tuning job starts from earlier ones (botocore ``HyperParameterTuningJobWarmStartType``)."""

    IDENTICAL_DATA_AND_ALGORITHM = "IdenticalDataAndAlgorithm"
    TRANSFER_LEARNING = "TransferLearning"


class ModelApprovalStatus(StrEnum):
    """A model package's approval status (botocore ``ModelApprovalStatus``)."""

    APPROVED = "Approved"
    REJECTED = "Rejected"
    PENDING_MANUAL_APPROVAL = "PendingManualApproval"


#: Each enum and the botocore enum it equals (tested).
BOTOCORE_ENUMS: dict[type[StrEnum], str] = {
    InputMode: "TrainingInputMode",
    S3DataType: "S3DataType",
    S3DataDistribution: "S3DataDistribution",
    CompressionType: "CompressionType",
    RecordWrapper: "RecordWrapper",
    FileSystemType: "FileSystemType",
    FileSystemAccessMode: "FileSystemAccessMode",
    UploadMode: "ProcessingS3UploadMode",
    SplitType: "SplitType",
    AssemblyType: "AssemblyType",
    BatchStrategy: "BatchStrategy",
    JoinSource: "JoinSource",
    TuningStrategy: "HyperParameterTuningJobStrategyType",
    EarlyStopping: "TrainingJobEarlyStoppingType",
    ObjectiveDirection: "HyperParameterTuningJobObjectiveType",
    HyperparameterScaling: "HyperParameterScalingType",
    WarmStartType: "HyperParameterTuningJobWarmStartType",
    ModelApprovalStatus: "ModelApprovalStatus",
}
