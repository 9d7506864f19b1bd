"""After deployment: Model Monitor, alarms, retraining triggers and the rollout on approval."""

from constructs_lib.monitoring.deploy_on_approval import (
    NO_MODEL_PACKAGE,
    SERVED_MODEL_PACKAGE_OUTPUT,
    DeploymentTarget,
    DeployOnApproval,
    ServedModelPackage,
)
from constructs_lib.monitoring.model_monitor import (
    BiasDriftMonitorOptions,
    DataQualityMonitorOptions,
    DriftCheckBaseline,
    FeatureAttributionMonitorOptions,
    ModelMonitor,
    ModelQualityMonitorOptions,
    MonitoringBaseline,
    MonitorSchedule,
    ProblemType,
)
from constructs_lib.monitoring.monitoring_alarms import (
    ModelQualityThreshold,
    MonitoringAlarms,
)
from constructs_lib.monitoring.monitoring_images import (
    MonitoringImage,
)
from constructs_lib.monitoring.retraining_trigger import (
    DriftRetraining,
    NewDataRetraining,
    ScheduledRetraining,
)

__all__ = [
    "BiasDriftMonitorOptions",
    "DataQualityMonitorOptions",
    "DeploymentTarget",
    "DeployOnApproval",
    "DriftCheckBaseline",
    "DriftRetraining",
    "FeatureAttributionMonitorOptions",
    "ModelMonitor",
    "ModelQualityMonitorOptions",
    "ProblemType",
    "ModelQualityThreshold",
    "MonitoringAlarms",
    "MonitoringBaseline",
    "MonitoringImage",
    "MonitorSchedule",
    "NewDataRetraining",
    "NO_MODEL_PACKAGE",
    "ScheduledRetraining",
    "SERVED_MODEL_PACKAGE_OUTPUT",
    "ServedModelPackage",
]
