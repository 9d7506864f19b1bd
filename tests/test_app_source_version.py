"""``app.source_version``: the code version the app records as pipeline lineage."""

from __future__ import annotations

import subprocess

import pytest

import app as app_module
from tests.conftest import new_app


@pytest.fixture(autouse=True)
def _no_codebuild(monkeypatch):
    monkeypatch.delenv("CODEBUILD_RESOLVED_SOURCE_VERSION", raising=False)


def test_context_value_overrides_git():
    app = new_app()
    app.node.set_context("source_version", "release-1.2.3")
    assert app_module.source_version(app) == "release-1.2.3"


def test_the_delivery_pipelines_commit_is_used_in_codebuild(monkeypatch):
    monkeypatch.setenv("CODEBUILD_RESOLVED_SOURCE_VERSION", "feedface" * 5)
    assert app_module.source_version(new_app()) == "feedface" * 5


def test_git_commit_of_the_checkout(monkeypatch):
    outputs = {"rev-parse": "abc123\n", "status": ""}

    def run(args, **kwargs):
        return subprocess.CompletedProcess(args, 0, stdout=outputs[args[1]], stderr="")

    monkeypatch.setattr(app_module.subprocess, "run", run)
    assert app_module.source_version(new_app()) == "abc123"
    outputs["status"] = " M stacks/training_stack.py\n"
    assert app_module.source_version(new_app()) == "abc123-dirty"


def test_unknown_without_git(monkeypatch):
    def run(args, **kwargs):
        raise FileNotFoundError("git")

    monkeypatch.setattr(app_module.subprocess, "run", run)
    assert app_module.source_version(new_app()) == "unknown"
