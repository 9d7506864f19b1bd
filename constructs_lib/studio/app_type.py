"""``StudioAppType``: the Studio apps this library configures (spaces, lifecycle configurations)."""

from __future__ import annotations

from enum import StrEnum


class StudioAppType(StrEnum):
    """A Studio app of the new Studio experience: botocore ``AppType`` and ``StudioLifecycleConfigAppType``
    have more (the classic ``JupyterServer`` and ``KernelGateway``, ``Canvas``, RStudio...), which
    spaces and lifecycle configurations of this library do not take."""

    JUPYTER_LAB = "JupyterLab"
    CODE_EDITOR = "CodeEditor"
