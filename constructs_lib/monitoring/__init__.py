"""After deployment: Model Monitor, alarms, retraining triggers and the rollout on approval."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
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
else:
    from constructs_lib._core.lazy_exports import lazy_exports

    # Each exported name's module, imported when the name is first used: importing the package
    # imports none of them (see constructs_lib._core.lazy_exports).
    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "constructs_lib.monitoring.deploy_on_approval": (
                "NO_MODEL_PACKAGE",
                "SERVED_MODEL_PACKAGE_OUTPUT",
                "DeploymentTarget",
                "DeployOnApproval",
                "ServedModelPackage",
            ),
            "constructs_lib.monitoring.model_monitor": (
                "BiasDriftMonitorOptions",
                "DataQualityMonitorOptions",
                "DriftCheckBaseline",
                "FeatureAttributionMonitorOptions",
                "ModelMonitor",
                "ModelQualityMonitorOptions",
                "MonitoringBaseline",
                "MonitorSchedule",
                "ProblemType",
            ),
            "constructs_lib.monitoring.monitoring_alarms": ("ModelQualityThreshold", "MonitoringAlarms"),
            "constructs_lib.monitoring.monitoring_images": ("MonitoringImage",),
            "constructs_lib.monitoring.retraining_trigger": (
                "DriftRetraining",
                "NewDataRetraining",
                "ScheduledRetraining",
            ),
        },
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
