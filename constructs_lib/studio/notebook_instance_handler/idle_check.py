"""Stop this SageMaker notebook instance once Jupyter has been idle long enough.

Installed by ``constructs_lib.NotebookInstance``'s lifecycle configuration and run every few minutes
by a systemd timer: ``python3 idle_check.py <idle minutes>``. Idle means that no kernel is busy and
that the latest activity of every kernel and terminal (or the boot, when there are none) is older
than the limit. Runs on the instance's system Python (3.7 or later), standard library only: the
annotations are never evaluated (``from __future__ import annotations``), so they may use newer syntax.
"""

from __future__ import annotations

import datetime
import json
import os
import ssl
import subprocess
import sys
import urllib.request
from typing import Any, Sequence

JUPYTER_URL = "https://localhost:8443"
METADATA_FILE = "/opt/ml/metadata/resource-metadata.json"
UTC = datetime.timezone.utc  # noqa: UP017 - runs on the instance's system Python, 3.7 or later


def parse_time(text: str) -> datetime.datetime:
    """Jupyter's ISO 8601 timestamps ('2024-05-01T10:00:00.123456Z') as aware datetimes."""
    text = text.replace("Z", "+00:00")
    if "." in text:  # Python 3.7 wants exactly six fractional digits
        head, tail = text.split(".", 1)
        digits = tail[: len(tail) - len(tail.lstrip("0123456789"))]
        text = head + "." + digits[:6].ljust(6, "0") + tail[len(digits) :]
    return datetime.datetime.fromisoformat(text)


def is_idle(
    kernels: Sequence[dict[str, Any]],
    terminals: Sequence[dict[str, Any]],
    now: datetime.datetime,
    booted_at: datetime.datetime,
    idle_minutes: int,
) -> bool:
    """True when nothing ran for ``idle_minutes``: no busy kernel, no recent kernel or terminal use."""
    if any(kernel.get("execution_state") == "busy" for kernel in kernels):
        return False
    activity = [
        parse_time(item["last_activity"]) for item in list(kernels) + list(terminals) if item.get("last_activity")
    ]
    latest = max(activity) if activity else booted_at
    return now - latest >= datetime.timedelta(minutes=idle_minutes)


def _get(path: str) -> Any:
    context = ssl.create_default_context()
    context.check_hostname = False  # Jupyter's certificate on localhost is self-signed
    context.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(JUPYTER_URL + path, context=context, timeout=30) as response:
        return json.loads(response.read().decode())


def _booted_at(now: datetime.datetime) -> datetime.datetime:
    with open("/proc/uptime") as uptime:
        return now - datetime.timedelta(seconds=float(uptime.read().split()[0]))


def main(argv: Sequence[str]) -> int:
    idle_minutes = int(argv[1])
    now = datetime.datetime.now(UTC)
    kernels = _get("/api/kernels")
    try:
        terminals = _get("/api/terminals")
    except OSError:  # terminals disabled
        terminals: list[dict[str, Any]] = []
    if not is_idle(kernels, terminals, now, _booted_at(now), idle_minutes):
        return 0
    with open(METADATA_FILE) as metadata_file:
        metadata = json.load(metadata_file)
    region = metadata["ResourceArn"].split(":")[3]
    print("idle for %d minutes: stopping %s" % (idle_minutes, metadata["ResourceName"]), flush=True)
    subprocess.run(
        [
            os.environ.get("AWS_CLI", "aws"),
            "sagemaker",
            "stop-notebook-instance",
            "--notebook-instance-name",
            metadata["ResourceName"],
            "--region",
            region,
        ],
        check=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
