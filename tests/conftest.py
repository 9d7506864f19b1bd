"""Shared fixtures. The whole app is synthesized once per test session (with the cdk-nag packs)."""

from __future__ import annotations

import contextlib
import functools
import gc
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aws_cdk as cdk
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CDK_CONTEXT: dict = json.loads((ROOT / "cdk.json").read_text())["context"]
#: The app's git commit as the tests pass it (a fixed value: snapshots must not change per commit).
TEST_SOURCE_VERSION = "0123456789abcdef0123456789abcdef01234567"


def _share_botocore_data() -> None:
    """One botocore data loader for every session of the test process. moto's ``mock_aws`` drops
    boto3's default session, so without this each client of each test parsed its service model (and
    botocore's endpoint data) again: about a third of a second per client for SageMaker's, and most of
    the handler tests' time. The loader only reads botocore's own files, so sharing it changes nothing."""
    import botocore.loaders
    import botocore.session

    create = botocore.loaders.create_loader

    @functools.cache
    def shared_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
        return create(search_path_string)

    botocore.session.create_loader = shared_loader


_share_botocore_data()


#: The garbage collector's thresholds in a test process (Python 3.11's default: 700, 10, 10; to be
#: measured again on a Python whose collector differs).
GC_THRESHOLDS = (50_000, 20, 100)


def _collect_garbage_less_often() -> None:
    """jsii keeps every object it hands over alive for the whole process, and botocore, cfn-lint and
    moto load large object graphs: with the default thresholds the two workers spent 26 of their
    200 s in collections that freed almost nothing (7 s with ``GC_THRESHOLDS``). What lives for the
    whole run is set aside from later collections (``gc.freeze``): what collection imported
    (``pytest_collection_finish``) and the session's app."""
    gc.set_threshold(*GC_THRESHOLDS)


def pytest_configure(config) -> None:
    """A ``PIPELINE_SCHEMA`` that names no file stops the run before any test: CI sets it to have every
    definition validated against the schema, and must not pass with those checks skipped."""
    _collect_garbage_less_often()
    from tests.sagemaker_contract import SchemaMissing, schema_source

    try:
        schema_source()
    except SchemaMissing as error:
        raise pytest.UsageError(str(error)) from None


#: The xdist work unit of the modules that read the session's app (``synthesized_app``).
APP_GROUP = "synthesized_app"


@pytest.hookimpl(optionalhook=True)  # an xdist hook: no error without xdist (-p no:xdist)
def pytest_xdist_make_scheduler(config, log):
    """With ``-n``, send each module to one worker, and every module that reads the session's app to
    the same one. xdist's default (``load``) hands tests out one by one: both workers then build most
    modules' fixtures (each synthesizes a stack), and both the session's app (about 15 s with the
    compliance packs). ``--dist loadgroup`` would do, but xdist 3.8's groups are lost on pytest 9 (it
    sets a node id attribute pytest no longer reads). An explicit ``--dist`` other than ``load`` is
    left to xdist."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ByModule(LoadScopeScheduling):
        """``loadscope`` (a module at a time, the largest first) with the app's readers as one unit."""

        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return APP_GROUP if _reads_app(module) else module

    return ByModule(config, log)


def pytest_collection_finish(session) -> None:
    """What collection imported (aws-cdk-lib, botocore's models, the test modules) lives as long as the
    process: set aside from every later collection (see ``_collect_garbage_less_often``)."""

    gc.collect()
    gc.freeze()


@functools.cache
def _reads_app(module: str) -> bool:
    """Whether the test module ``module`` (a path from the root) reads ``synthesized_app``. The controller
    collects no tests, so it looks at the source."""
    return "synthesized_app" in (ROOT / module).read_text()


def pytest_terminal_summary(terminalreporter) -> None:
    """Which pipeline definition schema the run validated against, or why none (its checks skipped)."""
    from tests.sagemaker_contract import schema_source

    terminalreporter.write_line(f"pipeline definition schema: {schema_source()[1]}")


def new_app(*, validation: bool = False, outdir: str | None = None) -> cdk.App:
    """An App with the project's feature flags. aws-cdk-lib's built-in template validation costs
    about a second per template set, so unit tests turn it off; the session's app keeps it on."""
    return cdk.App(
        context=dict(CDK_CONTEXT),
        builtin_cloud_formation_validation=validation,
        outdir=outdir,
        analytics_reporting=False,
    )


def new_stack(app: cdk.App | None = None, construct_id: str = "Test", **kwargs) -> cdk.Stack:
    """A stack in eu-west-1 (env-agnostic account) for construct tests."""
    return cdk.Stack(app or new_app(), construct_id, env=cdk.Environment(region="eu-west-1"), **kwargs)


@dataclass
class SynthesizedApp:
    app: cdk.App
    assembly: cdk.cx_api.CloudAssembly
    stages: dict
    outdir: Path
    #: Whether aws-cdk-lib validated every template against CloudFormation's schemas at synth.
    builtin_validation: bool = False
    #: The templates as JSON text, read once (see ``templates``).
    _template_texts: list[tuple[str, str]] | None = field(default=None, init=False, repr=False)

    def templates(self) -> Iterator[tuple[str, dict]]:
        """(``env/Stack``, template) for every stack of every environment, and (``env/Stack/Nested``,
        template) for each nested stack (the serving stack's models): every scan covers them too.

        Reading them costs about 0.3 s of jsii calls (every template over the pipe, every construct of
        every stack visited for its nested stacks), and about a hundred tests read them: they are read
        once and kept as text; each call parses fresh dicts, so a test that changes one changes no other's.
        """
        if self._template_texts is None:
            self._template_texts = [(stack_id, json.dumps(template)) for stack_id, template in self._read_templates()]
        for stack_id, text in self._template_texts:
            yield stack_id, json.loads(text)

    def _read_templates(self) -> Iterator[tuple[str, dict]]:
        from aws_cdk import NestedStack

        for env_name, stage in self.stages.items():
            stage_assembly = self.assembly.get_nested_assembly(f"assembly-{env_name}")
            for stack in stage_assembly.stacks:
                yield stack.hierarchical_id, stack.template
            for stack in stage.stacks:
                for nested in (c for c in stack.node.find_all() if isinstance(c, NestedStack)):
                    path = Path(stage_assembly.directory) / nested.template_file
                    yield f"{env_name}/{nested.node.path.split('/', 1)[1]}", json.loads(path.read_text())


@pytest.fixture(scope="session")
def synthesized_app(tmp_path_factory) -> SynthesizedApp:
    """Every environment of ``app.py``, synthesized once with the compliance packs attached and
    aws-cdk-lib's built-in template validation on (``cdk synth``'s default): the one app of the suite
    that pays for it, about a second per environment."""
    from app import build_app

    outdir = tmp_path_factory.mktemp("cdk.out")
    app = new_app(validation=True, outdir=str(outdir))
    stages = build_app(app, source_version=TEST_SOURCE_VERSION)
    assembly = app.synth()
    gc.freeze()  # it lives as long as the session (see _collect_garbage_less_often)
    return SynthesizedApp(app=app, assembly=assembly, stages=stages, outdir=outdir, builtin_validation=True)


@contextlib.contextmanager
def jsii_requests() -> Iterator[list[tuple[str, str]]]:
    """Record the requests this process sends to jsii's Node process while the block runs, as
    (kind, name): ``("invoke", method)``, ``("static", "Class.method")``, ``("create", fqn)``,
    ``("get", property)``. For tests that show a call is not made; not for counting them all (the
    totals change with aws-cdk-lib's versions)."""
    from jsii._kernel.providers import process

    recorded: list[tuple[str, str]] = []
    send = process._NodeProcess.send

    def recording_send(self, request, response_type):
        kind = type(request).__name__
        if kind == "InvokeRequest":
            recorded.append(("invoke", request.method))
        elif kind == "StaticInvokeRequest":
            recorded.append(("static", f"{request.fqn.rsplit('.', 1)[-1]}.{request.method}"))
        elif kind == "CreateRequest":
            recorded.append(("create", request.fqn))
        elif kind == "GetRequest":
            recorded.append(("get", request.property))
        return send(self, request, response_type)

    process._NodeProcess.send = recording_send
    try:
        yield recorded
    finally:
        process._NodeProcess.send = send


def nag_findings(app: cdk.App) -> list[str]:
    """Synthesize ``app`` (which must have the compliance packs) and list unacknowledged findings
    as ``"<rule> at <construct path>"``; empty when compliant."""
    try:
        app.synth(force=True)
    except RuntimeError as error:
        if "ValidationFailed" not in str(error):
            raise
        report = json.loads((Path(app.outdir) / "validation-report.json").read_text())
        return sorted(
            f"{violation['ruleName']} at {construct['constructPath']}"
            for plugin in report["pluginReports"]
            for violation in plugin["violations"]
            for construct in violation["violatingConstructs"]
        )
    return []


def compliance_app() -> cdk.App:
    """An app with the three compliance packs attached (``constructs_lib.add_compliance_checks``)."""
    from constructs_lib import add_compliance_checks

    app = new_app()
    add_compliance_checks(app)
    return app


#: cfn-lint's findings by (template JSON, region): the same template is linted once per process.
_CFN_LINT_FINDINGS: dict[tuple[str, str], list[str]] = {}


@functools.cache
def _cfn_lint_runner(region: str):
    """cfn-lint's runner for ``region``, built once per process: ``cfnlint.api.lint`` builds its rules
    anew for every template (about a second: each rule loads its data files), while cfn-lint's own
    command line checks every template it is given with one set of rules. Only the error rules run:
    the tests report errors alone, and the warning and informational rules (a fifth of the time)
    change no error finding (CI's cfn-lint run over ``cdk.out`` still prints the warnings)."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    return Runner(ConfigMixIn(regions=[region], ignore_checks=["W", "I"]))


def cfn_lint_errors(template, region: str = "eu-west-1") -> list[str]:
    """cfn-lint's error (E) findings on ``template`` (a dict or an ``assertions.Template``);
    warnings are left out. cfn-lint takes seconds on a large template: a template linted before in
    this process (``test_app`` lints every template of the app, nested ones too, and another module
    lints the models' nested stack again) gets the findings of the first run."""
    from cfnlint.decode.decode import decode_str

    body = json.dumps(template if isinstance(template, dict) else template.to_json())
    if (body, region) not in _CFN_LINT_FINDINGS:
        decoded, matches = decode_str(body)
        if decoded is not None and not matches:
            matches = list(_cfn_lint_runner(region).validate_template(decoded))
        _CFN_LINT_FINDINGS[body, region] = [
            f"{m.rule.id} {m.message} ({m.path_string})" for m in matches if m.rule.id.startswith("E")
        ]
    return list(_CFN_LINT_FINDINGS[body, region])
