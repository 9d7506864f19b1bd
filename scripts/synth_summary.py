"""Print what `cdk synth` produced: each stack, its resource count, and the compliance result."""

from __future__ import annotations

import json
import sys
from pathlib import Path

PACKS = ("AwsSolutions", "HIPAA.Security", "NIST.800.53.R5")


def stacks(assembly: Path):
    manifest = json.loads((assembly / "manifest.json").read_text())
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        kind = artifact.get("type")
        if kind == "cdk:cloud-assembly":
            yield from stacks(assembly / artifact["properties"]["directoryName"])
        elif kind == "aws:cloudformation:stack":
            template = json.loads((assembly / artifact["properties"]["templateFile"]).read_text())
            yield artifact.get("displayName", artifact_id), artifact["properties"].get("stackName", ""), template


def main(outdir: str) -> int:
    root = Path(outdir)
    rows = [(name, stack_name, len(t.get("Resources", {}))) for name, stack_name, t in stacks(root)]
    width = max(len(r[0]) for r in rows)
    print(f"\n{'stack'.ljust(width)}  {'resources':>9}  CloudFormation name")
    for name, stack_name, count in rows:
        print(f"{name.ljust(width)}  {count:>9}  {stack_name}")
    print(f"{len(rows)} stacks, {sum(r[2] for r in rows)} resources")

    report_file = root / "validation-report.json"
    if not report_file.exists():
        print("compliance: no validation report found (were the cdk-nag packs attached?)")
        return 1
    report = json.loads(report_file.read_text())
    failed = False
    for plugin in report.get("pluginReports", []):
        violations = sum(len(v.get("violatingConstructs", [])) for v in plugin.get("violations", []))
        if plugin.get("conclusion") != "success":
            failed = True
            print(f"compliance {plugin['pluginName']}: {violations} unacknowledged findings")
    if not failed:
        # CDK lists a plugin in the report only when it has findings: an empty report is a pass.
        print(f"compliance ({', '.join(PACKS)}): passed, 0 unacknowledged findings")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "cdk.out"))
