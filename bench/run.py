"""`make bench`: synth and test timings of this library, as ratios to what aws-cdk-lib itself costs.

Measures, on one machine in one run, medians of several runs after a warm-up, each figure's runs
interleaved with its floor's so that the machine's drift hits both alike:
1. the empty-app floor: a Python process synthesizing an empty app with one empty stack;
2. the replay floor: the app's own synthesized templates rebuilt as raw L1 resources (one
   ``cdk.CfnResource`` with literal properties per resource, same stacks, same settings), against
   the whole app without the compliance packs (budget 2x), and the whole app with them (the packs'
   share reported); also the replay importing aws-cdk-lib's modules of its L1 classes
   (``aws_cdk.aws_s3`` for a bucket), as an L1 app written by hand must (reported);
3. scaling: 1, 10 and 50 real-time endpoints with autoscaling and monitors, and the replay of each:
   the marginal cost of a model against the replay of its own resources (budget 2x);
4. ``import constructs_lib`` and the README app's names against ``import aws_cdk`` plus the submodules
   that app uses (1.5x);
5. the whole test suite's wall time, its test count and slowest tests (under 60 s);
6. the peak memory (RSS of Python plus its jsii Node process) of the whole-app synth (no growth
   against the previous ``bench/results.json``).
Prints a table, says which budgets are missed, and writes bench/results.json. Standard library only.

The project's Python is byte-compiled first (``compileall``), as pip does for an installed package
and as Python does itself on every synth after the first: where ``PYTHONDONTWRITEBYTECODE`` is set
(as on some CI machines), every program would otherwise compile the library's source each run, which
aws-cdk-lib's installed modules never do.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.json"
BUDGET = {
    "whole_app_vs_replay": 2.0,
    "per_model_vs_replay": 2.0,
    "import_vs_floor": 1.5,
    "suite_seconds": 60.0,
    "suite_min_tests": 150,
    "peak_memory_growth": 0.05,
}


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` and its descendants, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        ppid = int(fields.get("PPid", "0").strip())
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = int(fields.get("VmRSS", "0 kB").split()[0]) if "VmRSS" in fields else 0
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += rss.get(current, 0)
        stack.extend(children.get(current, []))
    return total


def run_program(args: list[str], *, sample_memory: bool = False) -> tuple[float, float]:
    """Wall seconds of ``python -m bench.programs <args>`` and, if asked, its peak tree RSS in MiB."""
    env = dict(os.environ, JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION="1")
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.programs", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    peak = 0
    if sample_memory:
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _tree_rss_kib(process.pid))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
    _, stderr = process.communicate()
    elapsed = time.perf_counter() - start
    if sample_memory:
        done.set()
        sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"bench program {args} failed:\n{stderr.decode()[-3000:]}")
    return elapsed, peak / 1024


def compile_sources() -> None:
    """Byte-compile the library, the app and the bench programs into ``__pycache__`` (git ignores it)."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "constructs_lib", "stacks", "app.py", "bench"], cwd=ROOT, check=True
    )


def interleaved(programs: dict[str, list[str]], runs: int) -> dict[str, float]:
    """Median wall seconds of each program, one run of each in turn (after one warm-up of each)."""
    for args in programs.values():
        run_program(args)
    times: dict[str, list[float]] = {name: [] for name in programs}
    for _ in range(runs):
        for name, args in programs.items():
            times[name].append(run_program(args)[0])
    return {name: statistics.median(values) for name, values in times.items()}


def slope(points: dict[int, float]) -> float:
    """Least-squares slope of seconds over model count."""
    mean_n, mean_t = statistics.mean(points), statistics.mean(points.values())
    return sum((n - mean_n) * (points[n] - mean_t) for n in points) / sum((n - mean_n) ** 2 for n in points)


def test_suite() -> dict:
    # The README's test command (make test): pytest on every core, writing byte code as make test does
    # (PYTHONDONTWRITEBYTECODE emptied), after a warm-up that collects the tests once: as on every run
    # of make test after the first, pytest then reads the test modules it rewrote before.
    env = dict(os.environ, JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION="1", PYTHONDONTWRITEBYTECODE="")
    pytest = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]
    subprocess.run([*pytest, "--collect-only", "-q"], cwd=ROOT, capture_output=True, env=env, check=False)
    start = time.perf_counter()
    result = subprocess.run([*pytest, "-n", "auto", "--durations=5"], cwd=ROOT, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    passed = re.search(r"(\d+) passed", result.stdout)
    slowest = re.findall(r"^(\d+\.\d+)s (call|setup|teardown)\s+(\S+)", result.stdout, re.MULTILINE)
    return {
        "wall_seconds": round(wall, 2),
        "passed": int(passed.group(1)) if passed else 0,
        "exit_code": result.returncode,
        "slowest": [{"seconds": float(s), "phase": phase, "test": test} for s, phase, test in slowest],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure (after one warm-up)")
    parser.add_argument("--models", default="1,10,50", help="model counts for the scaling figure")
    parser.add_argument("--skip-tests", action="store_true", help="do not time the test suite")
    options = parser.parse_args()
    counts = [int(n) for n in options.models.split(",")]
    compile_sources()
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}

    with tempfile.TemporaryDirectory() as scratch:
        dumps = {"app": f"{scratch}/app.json", **{n: f"{scratch}/scaling-{n}.json" for n in counts}}
        run_program(["dump", dumps["app"], "whole_app", "bare"])
        for n in counts:
            run_program(["dump", dumps[n], "scaling", str(n)])
        app = interleaved(
            {
                "floor": ["floor"],
                "replay": ["replay", dumps["app"]],
                "replay_modules": ["replay", dumps["app"], "modules"],
                "bare": ["whole_app", "bare"],
                "packs": ["whole_app", "packs"],
            },
            options.runs,
        )
        scaling_runs = max(3, options.runs // 2)
        scaling: dict[int, float] = {}
        replayed: dict[int, float] = {}
        for n in counts:
            pair = interleaved({"library": ["scaling", str(n)], "replay": ["replay", dumps[n]]}, scaling_runs)
            scaling[n], replayed[n] = pair["library"], pair["replay"]
        resources = _resource_counts(dumps)
    imports = interleaved({"library": ["imports", "library"], "floor": ["imports", "floor"]}, options.runs)
    _, peak_mib = run_program(["whole_app", "packs"], sample_memory=True)
    per_model, per_model_replay = slope(scaling), slope(replayed)
    suite = None if options.skip_tests else test_suite()

    floor = app["floor"]
    rows: list[tuple[str, float, str, str]] = [
        ("floor: empty app, one empty stack", floor, "", ""),
        (f"replay floor: the app's {resources['app']} resources as raw L1", app["replay"], "", ""),
        (
            "  the same, importing the L1 classes' modules",
            app["replay_modules"],
            f"{app['bare'] / app['replay_modules']:.2f}x of it",
            "reported",
        ),
        (
            "whole app, no compliance packs",
            app["bare"],
            f"{app['bare'] / app['replay']:.2f}x replay",
            _verdict(app["bare"] / app["replay"] <= BUDGET["whole_app_vs_replay"], "<= 2x replay"),
        ),
        (
            "whole app, with the three cdk-nag packs",
            app["packs"],
            f"packs {app['packs'] - app['bare']:.2f} s ({(app['packs'] - app['bare']) / app['packs']:.0%})",
            "reported",
        ),
    ]
    for n in counts:
        rows.append((f"scaling: {n} model(s) / its replay", scaling[n], f"replay {replayed[n]:.3f} s", ""))
    rows.append(
        (
            "  one more model (slope) / its replay's",
            per_model,
            f"{per_model / per_model_replay:.2f}x replay",
            _verdict(per_model / per_model_replay <= BUDGET["per_model_vs_replay"], "<= 2x replay"),
        )
    )
    rows.append(
        (
            "import constructs_lib (README app) / aws_cdk + its submodules",
            imports["library"],
            f"{imports['library'] / imports['floor']:.2f}x",
            _verdict(imports["library"] / imports["floor"] <= BUDGET["import_vs_floor"], "<= 1.5x"),
        )
    )
    if suite:
        rows.append(
            (
                f"test suite ({suite['passed']} tests)",
                suite["wall_seconds"],
                "",
                _verdict(
                    suite["wall_seconds"] < BUDGET["suite_seconds"] and suite["passed"] >= BUDGET["suite_min_tests"],
                    f"< {BUDGET['suite_seconds']:g}s, >= {BUDGET['suite_min_tests']} tests",
                ),
            )
        )
    before = previous.get("peak_memory_mib")
    growth_ok = before is None or peak_mib <= before * (1 + BUDGET["peak_memory_growth"])
    memory_budget = f"<= {before * (1 + BUDGET['peak_memory_growth']):.0f} MiB" if before else "first figure"
    rows.append(("peak memory, whole-app synth (MiB)", peak_mib, "", _verdict(growth_ok, memory_budget)))

    print(f"\n{'figure':<52} {'seconds':>8}  {'ratio':<24} budget")
    for name, seconds, ratio, verdict in rows:
        print(f"{name:<52} {seconds:>8.3f}  {ratio:<24} {verdict}")
    missed = [name.strip() for name, _, _, verdict in rows if verdict.startswith("MISSED")]
    print("missed budgets: " + ("; ".join(missed) if missed else "none"))
    if suite:
        print("slowest tests:")
        for test in suite["slowest"]:
            print(f"  {test['seconds']:6.2f}s {test['phase']:<8} {test['test']}")

    results = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "processor": platform.machine(),
        },
        "runs": options.runs,
        "floor_seconds": floor,
        "replay_seconds": app["replay"],
        "replay_resources": resources["app"],
        "replay_with_l1_modules_seconds": app["replay_modules"],
        "whole_app_vs_replay_with_l1_modules": app["bare"] / app["replay_modules"],
        "whole_app_bare_seconds": app["bare"],
        "whole_app_seconds": app["packs"],
        "whole_app_vs_replay": app["bare"] / app["replay"],
        "compliance_packs_seconds": app["packs"] - app["bare"],
        "scaling_seconds": {str(n): scaling[n] for n in counts},
        "scaling_replay_seconds": {str(n): replayed[n] for n in counts},
        "per_model_seconds": per_model,
        "per_model_replay_seconds": per_model_replay,
        "per_model_vs_replay": per_model / per_model_replay,
        "import_seconds": imports["library"],
        "import_floor_seconds": imports["floor"],
        "import_vs_floor": imports["library"] / imports["floor"],
        "peak_memory_mib": peak_mib,
        "previous_peak_memory_mib": before,
        "test_suite": suite,
        "budget": BUDGET,
        "missed": missed,
    }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    return 0


def _resource_counts(dumps: dict[Any, str]) -> dict[Any, int]:
    return {
        key: sum(len(stack["template"].get("Resources", {})) for stack in json.loads(Path(path).read_text()))
        for key, path in dumps.items()
    }


def _verdict(ok: bool, budget: str) -> str:
    return f"{'ok' if ok else 'MISSED'} ({budget})"


if __name__ == "__main__":
    sys.exit(main())
