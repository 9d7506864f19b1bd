"""constructs_lib: AWS CDK v2 constructs for a complete, secure Amazon SageMaker ML platform."""

from constructs_lib._internal.validation import ConstructValidationError
from constructs_lib.access_log_bucket import AccessLogBucket
from constructs_lib.data_capture import DataCaptureOptions
from constructs_lib.compliance import COMPLIANCE_PACKS, acknowledge, add_compliance_checks
from constructs_lib.encryption_key import EncryptionKey
from constructs_lib.private_network import DEFAULT_INTERFACE_ENDPOINTS, INTERFACE_ENDPOINT_SERVICES, PrivateNetwork
from constructs_lib.secure_bucket import SecureBucket
from constructs_lib.notebook_instance import NotebookInstance
from constructs_lib.studio_domain import IdleShutdown, NotebookSharing, StudioDomain
from constructs_lib.studio_execution_role import StudioExecutionRole
from constructs_lib.studio_lifecycle_config import StudioLifecycleConfig
from constructs_lib.studio_space import StudioSpace
from constructs_lib.studio_teardown import StudioTeardown
from constructs_lib.studio_user_profile import StudioUserProfile

__version__ = "0.1.0"

__all__ = [
    "AccessLogBucket",
    "COMPLIANCE_PACKS",
    "ConstructValidationError",
    "DataCaptureOptions",
    "DEFAULT_INTERFACE_ENDPOINTS",
    "EncryptionKey",
    "INTERFACE_ENDPOINT_SERVICES",
    "IdleShutdown",
    "NotebookInstance",
    "NotebookSharing",
    "PrivateNetwork",
    "SecureBucket",
    "StudioDomain",
    "StudioExecutionRole",
    "StudioLifecycleConfig",
    "StudioSpace",
    "StudioTeardown",
    "StudioUserProfile",
    "acknowledge",
    "add_compliance_checks",
]
