"""MLflow for pipeline jobs: a step whose role tracks runs on a tracking server (``JobRole(tracking_server=...)``)
tells its job where, through the environment variables the MLflow client reads."""

from __future__ import annotations

from typing import Any

#: Nothing here is public: the steps call it.
__all__: list[str] = []

#: What the MLflow client reads (``MLFLOW_TRACKING_URI``; the ``sagemaker-mlflow`` plugin takes the
#: tracking server's ARN as URI) and what SageMaker's own MLflow integrations read (``MLFLOW_TRACKING_ARN``).
TRACKING_VARIABLES = ("MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_ARN")


def tracking_server_of(role: Any) -> Any:
    """The tracking server a job role logs runs to (``JobRole.tracking_server``), or ``None``."""
    return getattr(role, "tracking_server", None)


def tracking_environment(role: Any, *, network_isolation: bool) -> dict[str, Any]:
    """The variables that point a job's MLflow client at its role's tracking server: none without
    one, and none for a network-isolated job, which cannot reach the server."""
    server = tracking_server_of(role)
    if server is None or network_isolation:
        return {}
    return dict.fromkeys(TRACKING_VARIABLES, server.tracking_server_arn)
