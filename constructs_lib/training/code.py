"""``Code`` and ``ScriptSource``: the code a SageMaker job runs, from a local file or folder (a CDK
asset) or from an object already in S3.

A local file or folder is uploaded by ``cdk deploy`` (CDK's file assets, into the environment's
bootstrap bucket); a folder is packaged first as a deterministic ``.tar.gz`` (``_core.packaging``),
so its asset hash, and the pipeline definition that names it, change only when a file does. The
role that runs the step may read exactly that object (``s3:GetObject`` on its key, ``s3:ListBucket``
of that one key, which SageMaker lists for an ``S3Prefix`` input); code in a bucket of yours is
granted as SageMaker reads such an input: the keys that start with its key. The bootstrap bucket's objects
are encrypted with its own key (or the AWS-managed ``aws/s3`` key), whose policy lets principals of
the account use it through S3: no KMS grant is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from constructs_lib._core.grants import KMS_DECRYPT, S3_READ
from constructs_lib._core.packaging import archive_members, staged_asset_file
from constructs_lib._core.s3_access import grant_objects, list_prefix_statement
from constructs_lib._core.validation import Problems, given, is_unresolved
from constructs_lib.foundation.s3_location import S3Location

#: The file name SageMaker's framework containers and the SageMaker Python SDK give a source folder.
SOURCE_ARCHIVE = "sourcedir.tar.gz"
#: The hyperparameters script mode sets (SageMaker training toolkit, ``sagemaker_training.params``);
#: a job with a ``ScriptSource`` refuses them from the user.
SCRIPT_MODE_HYPERPARAMETERS = (
    "sagemaker_program",
    "sagemaker_submit_directory",
    "sagemaker_region",
    "sagemaker_container_log_level",
)
#: Python's ``logging.INFO``: the SageMaker Python SDK's default ``container_log_level``.
DEFAULT_LOG_LEVEL = 20
_LOG_LEVELS = (0, 10, 20, 30, 40, 50)


class Code:
    """Code a job runs: a local file or folder uploaded at deploy (``from_asset``), or an object in S3
    (``from_bucket``). Steps take it wherever they take code (``ProcessingStep(code=...)``,
    ``ScriptSource(source_dir=...)``) and let the role that runs them read it."""

    def __init__(
        self,
        *,
        path: Path | None = None,
        exclude: Sequence[str] = (),
        location: S3Location | None = None,
    ) -> None:
        """Use ``from_asset`` or ``from_bucket``."""
        self._path = path
        self._exclude = tuple(exclude)
        self._location = location

    @staticmethod
    def from_asset(path: str, *, exclude: Sequence[str] = ()) -> Code:
        """A local file (uploaded as it is) or folder (uploaded as a deterministic ``.tar.gz``).

        :param path: the file or folder, absolute or relative to the working directory of ``cdk synth``.
        :param exclude: default none; glob patterns of a folder's files and folders to leave out,
            besides caches and version control (``__pycache__``, ``*.pyc``, ``.git``...).
        """
        resolved = Path(path).expanduser().resolve()
        problems = Problems("Code.from_asset", "Code")
        problems.check(resolved.exists(), "path", path, "must be an existing local file or folder")
        problems.check(not exclude or resolved.is_dir(), "exclude", list(exclude), "applies to folders only")
        problems.raise_if_any()
        if resolved.is_dir():
            problems.check(
                bool(archive_members(resolved, exclude)),
                "path",
                path,
                "must hold at least one file (after excludes)",
            )
            problems.raise_if_any()
        return Code(path=resolved, exclude=exclude)

    @staticmethod
    def from_bucket(bucket: s3.IBucket, key: str) -> Code:
        """An object already in S3 (a script, or a ``.tar.gz`` of a source folder); the role that runs
        the step may read it (and decrypt it with the bucket's key)."""
        problems = Problems("Code.from_bucket", "Code")
        if not is_unresolved(key):
            problems.check(
                bool(key) and not key.startswith("/") and not key.endswith("/"),
                "key",
                key,
                "must be an object key (no leading '/', not a prefix ending in '/')",
            )
        problems.raise_if_any()
        return Code(location=S3Location(bucket, key))

    # --- attributes ---------------------------------------------------------------------------------

    @property
    def local_path(self) -> Path | None:
        """The local file or folder (``from_asset``); None for code in S3."""
        return self._path

    @property
    def is_folder(self) -> bool:
        """True for a local folder (uploaded as a ``.tar.gz``)."""
        return self._path is not None and self._path.is_dir()

    @property
    def location(self) -> S3Location | None:
        """Where the code is in S3: known for ``from_bucket``, and for an asset once a step bound it."""
        return self._location

    @property
    def file_name(self) -> str | None:
        """The object's file name, as a job's input directory holds it (None while unknown)."""
        if self._location is None or is_unresolved(self._location.prefix):
            return None
        return PurePosixPath(self._location.prefix).name

    def has_file(self, relative: str) -> bool | None:
        """Whether a local folder holds ``relative`` (after excludes); None when not a local folder."""
        if self._path is None or not self._path.is_dir():
            return None
        return relative in archive_members(self._path, self._exclude)

    def read_file(self, relative: str) -> str | None:
        """The text of ``relative`` in a local folder, or None."""
        if not self.has_file(relative):
            return None
        assert self._path is not None
        return (self._path / relative).read_text(errors="replace")

    def __repr__(self) -> str:
        if self._path is not None:
            return f"Code.from_asset({str(self._path)!r})"
        assert self._location is not None
        return f"Code.from_bucket({self._location.prefix!r})"

    # --- binding ------------------------------------------------------------------------------------

    def bind(self, scope: Construct, grantee: iam.IGrantable) -> S3Location:
        """Upload a local file or folder as an asset of ``scope``'s stack (once per scope), let
        ``grantee`` read the object, and return where it is."""
        if self._path is not None:
            asset = self._asset(scope)
            self._location = S3Location(asset.bucket, asset.s3_object_key)
        assert self._location is not None
        bucket, key = self._location.bucket, self._location.prefix
        # SageMaker reads an S3Prefix input as every key that starts with it: an asset's key is its
        # content hash (one object); an object of yours is granted as SageMaker reads it.
        grant_objects(
            grantee,
            bucket,
            key if self._path is not None else f"{key}*",
            S3_READ,
            key=bucket.encryption_key,
            kms_actions=KMS_DECRYPT,
            why="the code object, which a job input names as an S3 prefix",
        )
        # SageMaker lists an S3Prefix input before downloading it: that one key only.
        grantee.grant_principal.add_to_principal_policy(list_prefix_statement(bucket.bucket_arn, key))
        return self._location

    def _asset(self, scope: Construct) -> s3_assets.Asset:
        assert self._path is not None
        path, digest = staged_asset_file(self._path, SOURCE_ARCHIVE, self._exclude)
        existing = scope.node.try_find_child(f"Code{digest}")
        if isinstance(existing, s3_assets.Asset):
            return existing
        return s3_assets.Asset(scope, f"Code{digest}", path=str(path))


class ScriptSource:
    """Script mode: your entry point and its source folder, run by a framework image (PyTorch,
    TensorFlow, scikit-learn, XGBoost, Hugging Face).

    The folder is uploaded as ``sourcedir.tar.gz`` and given to the job as its ``code`` input. A
    training job gets the hyperparameters SageMaker's training toolkit reads (``sagemaker_program``,
    ``sagemaker_submit_directory``, ``sagemaker_region``, ``sagemaker_container_log_level``) and
    installs the folder's ``requirements.txt`` itself; a processing job unpacks the folder, installs
    ``requirements.txt`` with pip and runs the entry point, as the SDK's ``FrameworkProcessor`` does.
    """

    def __init__(
        self,
        *,
        entry_point: str,
        source_dir: str | Code,
        exclude: Sequence[str] = (),
        container_log_level: int = DEFAULT_LOG_LEVEL,
    ) -> None:
        """
        :param entry_point: the script to run, relative to ``source_dir`` (``train.py``, ``src/train.py``).
        :param source_dir: a local folder (a path, or ``Code.from_asset(folder)``), or a ``.tar.gz`` of
            one already in S3 (``Code.from_bucket(bucket, "code/sourcedir.tar.gz")``).
        :param exclude: default none; with a folder path: glob patterns to leave out of the archive.
        :param container_log_level: default 20 (``logging.INFO``); the training toolkit's log level
            (``sagemaker_container_log_level``: 0, 10, 20, 30, 40 or 50).
        """
        problems = Problems("ScriptSource", "ScriptSource")
        entry = PurePosixPath(entry_point) if isinstance(given(entry_point), str) else None
        problems.check(
            entry is not None and bool(entry_point) and not entry.is_absolute() and ".." not in entry.parts,
            "entry_point",
            entry_point,
            "must be a file path relative to source_dir, without '..' (e.g. 'train.py')",
        )
        problems.check(
            container_log_level in _LOG_LEVELS,
            "container_log_level",
            container_log_level,
            f"must be one of {list(_LOG_LEVELS)} (Python logging levels)",
        )
        problems.raise_if_any()
        if isinstance(source_dir, Code):
            problems.check(not exclude, "exclude", list(exclude), "give exclude to Code.from_asset instead")
            code = source_dir
        else:
            code = Code.from_asset(source_dir, exclude=exclude)
        problems.check(
            code.local_path is None or code.is_folder,
            "source_dir",
            str(code.local_path),
            "must be a folder (the entry point and the files it imports)",
        )
        location = code.location
        problems.check(
            location is None or is_unresolved(location.prefix) or location.prefix.endswith(".tar.gz"),
            "source_dir",
            location.prefix if location is not None else None,
            "in S3 must be a gzip-compressed tar of the source folder (key ending in '.tar.gz')",
        )
        problems.check(
            code.has_file(entry_point) is not False,
            "entry_point",
            entry_point,
            f"must be a file of source_dir {str(code.local_path)!r}",
        )
        problems.raise_if_any()
        self.entry_point = entry_point
        self.code = code
        self.container_log_level = container_log_level

    @property
    def has_requirements(self) -> bool | None:
        """Whether the folder holds ``requirements.txt`` (None for a folder in S3: unknown at synth)."""
        return self.code.has_file("requirements.txt")

    @property
    def installs_offline(self) -> bool:
        """True when ``requirements.txt`` installs from files in the folder (``--no-index``), which
        works without network access."""
        text = self.code.read_file("requirements.txt") or ""
        return any(line.split("#", 1)[0].strip().startswith("--no-index") for line in text.splitlines())

    def require_bound(self, step_name: str) -> str:
        """The archive's file name in the job's ``code`` input; raises while the asset is unbound."""
        name = self.code.file_name
        if name is None:
            raise unbound_error(self.code, step_name)
        return name

    def __repr__(self) -> str:
        return f"ScriptSource(entry_point={self.entry_point!r}, source_dir={self.code!r})"


def unbound_error(code: Code, step_name: str) -> TypeError:
    """The error of a step rendered before its asset code was bound (outside an ``MlPipeline``)."""
    return TypeError(
        f"{code!r} is uploaded by the MlPipeline that defines step {step_name!r}: render the definition "
        "through MlPipeline(definition=...), and give S3 keys known at synth"
    )


__all__ = ["Code", "ScriptSource"]
