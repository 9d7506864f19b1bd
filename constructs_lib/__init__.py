"""constructs_lib: AWS CDK v2 constructs for a complete, secure Amazon SageMaker ML platform."""

from constructs_lib._internal.validation import ConstructValidationError
from constructs_lib.access_log_bucket import AccessLogBucket
from constructs_lib.data_capture import DataCaptureOptions
from constructs_lib.compliance import COMPLIANCE_PACKS, acknowledge, add_compliance_checks
from constructs_lib.encryption_key import EncryptionKey
from constructs_lib.job_role import JOB_KINDS, JobRole
from constructs_lib.ml_pipeline import MlPipeline
from constructs_lib.model_package_group import ModelPackageGroup
from constructs_lib.private_network import DEFAULT_INTERFACE_ENDPOINTS, INTERFACE_ENDPOINT_SERVICES, PrivateNetwork
from constructs_lib.s3_location import S3Location
from constructs_lib.secure_bucket import SecureBucket

__version__ = "0.1.0"

__all__ = [
    "AccessLogBucket",
    "COMPLIANCE_PACKS",
    "ConstructValidationError",
    "DataCaptureOptions",
    "DEFAULT_INTERFACE_ENDPOINTS",
    "EncryptionKey",
    "INTERFACE_ENDPOINT_SERVICES",
    "JOB_KINDS",
    "JobRole",
    "MlPipeline",
    "ModelPackageGroup",
    "PrivateNetwork",
    "S3Location",
    "SecureBucket",
    "acknowledge",
    "add_compliance_checks",
]
