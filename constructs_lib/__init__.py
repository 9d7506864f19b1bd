"""constructs_lib: AWS CDK v2 constructs for a complete, secure Amazon SageMaker ML platform."""

from constructs_lib._internal.validation import ConstructValidationError
from constructs_lib.access_log_bucket import AccessLogBucket
from constructs_lib.data_capture import DataCaptureOptions
from constructs_lib.compliance import COMPLIANCE_PACKS, acknowledge, add_compliance_checks
from constructs_lib.deploy_on_approval import DeploymentTarget, DeployOnApproval
from constructs_lib.encryption_key import EncryptionKey
from constructs_lib.model_monitor import (
    PROBLEM_TYPES,
    BiasDriftMonitorOptions,
    DataQualityMonitorOptions,
    FeatureAttributionMonitorOptions,
    ModelMonitor,
    ModelQualityMonitorOptions,
    MonitoringBaseline,
    MonitorSchedule,
)
from constructs_lib.monitoring_alarms import ModelQualityThreshold, MonitoringAlarms
from constructs_lib.monitoring_images import MonitoringImage
from constructs_lib.private_network import DEFAULT_INTERFACE_ENDPOINTS, INTERFACE_ENDPOINT_SERVICES, PrivateNetwork
from constructs_lib.retraining_trigger import DriftRetraining, NewDataRetraining, ScheduledRetraining
from constructs_lib.secure_bucket import SecureBucket

__version__ = "0.1.0"

__all__ = [
    "AccessLogBucket",
    "BiasDriftMonitorOptions",
    "COMPLIANCE_PACKS",
    "ConstructValidationError",
    "DataCaptureOptions",
    "DataQualityMonitorOptions",
    "DriftRetraining",
    "DEFAULT_INTERFACE_ENDPOINTS",
    "DeployOnApproval",
    "DeploymentTarget",
    "EncryptionKey",
    "FeatureAttributionMonitorOptions",
    "INTERFACE_ENDPOINT_SERVICES",
    "ModelMonitor",
    "ModelQualityMonitorOptions",
    "ModelQualityThreshold",
    "MonitorSchedule",
    "MonitoringAlarms",
    "MonitoringBaseline",
    "MonitoringImage",
    "NewDataRetraining",
    "PROBLEM_TYPES",
    "PrivateNetwork",
    "ScheduledRetraining",
    "SecureBucket",
    "acknowledge",
    "add_compliance_checks",
]
