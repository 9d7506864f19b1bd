"""``StudioLifecycleConfig``: a script Studio runs when a JupyterLab or Code Editor app starts."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import jsii
from aws_cdk import IStableStringProducer, Lazy
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from constructs_lib._core.stack_facts import stack_of
from constructs_lib._core.validation import Problems
from constructs_lib.studio.app_type import StudioAppType

#: StudioLifecycleConfigContent is base64 and at most 16384 characters long.
MAX_CONTENT_CHARACTERS = 16384
_NAME_MAX = 54  # room for "-" and an 8-character content hash within SageMaker's 63


class StudioLifecycleConfig(Construct):
    """Defines a Studio lifecycle configuration from script text or a script file.

    The configuration's name ends with a hash of its script and tags: CloudFormation replaces a
    configuration whose content or tags change, so each version needs a name of its own
    (CloudFormation creates the new one, switches the domain over, then deletes the old one).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        app_type: StudioAppType,
        script: str | None = None,
        script_file: str | Path | None = None,
        name: str | None = None,
        run_by_default: bool = False,
    ) -> None:
        """
        :param app_type: the app the script runs in (``StudioAppType.JUPYTER_LAB`` or ``CODE_EDITOR``).
        :param script: the script (a shell script starting with ``#!``); give this or ``script_file``.
        :param script_file: path of the script file, read at synth time.
        :param name: default, the construct id; prefix of the configuration's name (letters, digits, '-').
        :param run_by_default: default False (users pick it when they start an app); True makes it
            the app's default configuration.
        """
        super().__init__(scope, construct_id)
        problems = Problems(self, "StudioLifecycleConfig")
        problems.check_one_of("app_type", app_type, StudioAppType)
        problems.check(
            (script is None) != (script_file is None),
            "script/script_file",
            (script is not None, script_file is not None),
            "give exactly one of script or script_file",
        )
        text = script
        if script_file is not None:
            path = Path(script_file)
            if problems.check(path.is_file(), "script_file", str(path), "must be an existing file"):
                text = path.read_text()
        name = name or construct_id
        problems.check_sagemaker_name("name", name)
        problems.check(len(name) <= _NAME_MAX, "name", name, f"must be at most {_NAME_MAX} characters")
        content = base64.b64encode(text.encode()).decode() if text is not None else ""
        if text is not None:
            problems.check(bool(text.strip()), "script", text, "must not be empty")
            problems.check(
                len(content) <= MAX_CONTENT_CHARACTERS,
                "script (base64 characters)",
                len(content),
                f"must be at most {MAX_CONTENT_CHARACTERS} characters once base64-encoded",
            )
        problems.raise_if_any()

        self.app_type = app_type
        self.run_by_default = run_by_default
        self.resource = sagemaker.CfnStudioLifecycleConfig(
            self,
            "Resource",
            studio_lifecycle_config_app_type=str(app_type),
            studio_lifecycle_config_content=content,
            studio_lifecycle_config_name=Lazy.string(_VersionedName(self, name, content)),
        )
        #: ``<name>-<8 hex digits>``, resolved at synth time (once tags are known).
        self.lifecycle_config_name: str = self.resource.studio_lifecycle_config_name

    @property
    def lifecycle_config_arn(self) -> str:
        return self.resource.attr_studio_lifecycle_config_arn


@jsii.implements(IStableStringProducer)
class _VersionedName:
    def __init__(self, config: StudioLifecycleConfig, name: str, content: str) -> None:
        self._config, self._name, self._content = config, name, content

    def produce(self) -> str:
        tags = stack_of(self._config).resolve(self._config.resource.cdk_tag_manager.render_tags())
        digest = hashlib.sha256(json.dumps([self._content, tags], sort_keys=True).encode()).hexdigest()
        return f"{self._name}-{digest[:8]}"
