"""`make bench`: synth and test timings of this library, as ratios to what aws-cdk-lib itself costs.

Measures, on one machine in one run, medians of several runs after a warm-up:
1. the floor: a Python process synthesizing an empty app with one empty stack;
2. the whole app (every environment and stack, with cdk-nag), same settings;
3. scaling: one stack with 1, 10 and 50 real-time endpoints with autoscaling and monitors;
4. the whole test suite's wall time and its slowest tests;
5. the peak memory (RSS of Python plus its jsii Node process) of the whole-app synth.
Prints a table and writes bench/results.json. Only the standard library is used.
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
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.json"
BUDGET = {
    "whole_app_ratio": 3.0,
    "per_model_ratio": 0.03,
    "suite_seconds": 60.0,
    "suite_min_tests": 150,
    "peak_memory_mib": 1024.0,
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


def median_time(args: list[str], runs: int) -> float:
    run_program(args)  # warm-up: file caches, .pyc files
    return statistics.median(run_program(args)[0] for _ in range(runs))


def test_suite() -> dict:
    start = time.perf_counter()
    # The README's test command (make test): pytest on every core.
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "auto", "-p", "no:cacheprovider", "--durations=5"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=dict(os.environ, JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION="1"),
    )
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

    floor = median_time(["floor"], options.runs)
    whole = median_time(["whole_app"], options.runs)
    _, peak_mib = run_program(["whole_app"], sample_memory=True)
    scaling = {n: median_time(["scaling", str(n)], max(3, options.runs // 2)) for n in counts}
    # Cost per model: slope of a least-squares line through (models, seconds).
    mean_n, mean_t = statistics.mean(counts), statistics.mean(scaling.values())
    slope = sum((n - mean_n) * (scaling[n] - mean_t) for n in counts) / sum((n - mean_n) ** 2 for n in counts)
    linear = {n: mean_t + slope * (n - mean_n) for n in counts}
    worst_fit = max(abs(scaling[n] - linear[n]) / scaling[n] for n in counts)
    suite = None if options.skip_tests else test_suite()

    rows = [("floor: empty app, one empty stack", floor, 1.0, "")]
    rows.append(
        (
            "whole app (all environments, cdk-nag)",
            whole,
            whole / floor,
            _verdict(whole / floor <= BUDGET["whole_app_ratio"], f"<= {BUDGET['whole_app_ratio']:g}x"),
        )
    )
    for n in counts:
        rows.append((f"scaling: {n} endpoint(s) + autoscaling + monitors", scaling[n], scaling[n] / floor, ""))
    rows.append(
        (
            "  cost per extra model (slope)",
            slope,
            slope / floor,
            _verdict(slope / floor <= BUDGET["per_model_ratio"], f"<= {BUDGET['per_model_ratio']:.0%}"),
        )
    )
    if suite:
        rows.append(
            (
                f"test suite ({suite['passed']} tests)",
                suite["wall_seconds"],
                suite["wall_seconds"] / floor,
                _verdict(
                    suite["wall_seconds"] < BUDGET["suite_seconds"] and suite["passed"] >= BUDGET["suite_min_tests"],
                    f"< {BUDGET['suite_seconds']:g}s, >= {BUDGET['suite_min_tests']} tests",
                ),
            )
        )

    print(f"\n{'figure':<48} {'seconds':>8} {'x floor':>8}  budget")
    for name, seconds, ratio, verdict in rows:
        print(f"{name:<48} {seconds:>8.3f} {ratio:>8.2f}  {verdict}")
    print(
        f"{'peak memory, whole-app synth (MiB)':<48} {peak_mib:>8.0f} {'':>8}  "
        f"{_verdict(peak_mib < BUDGET['peak_memory_mib'], '< 1024 MiB')}"
    )
    print(f"scaling fit: worst deviation from a straight line {worst_fit:.1%}")
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
        "whole_app_seconds": whole,
        "whole_app_ratio": whole / floor,
        "scaling_seconds": {str(n): scaling[n] for n in counts},
        "per_model_seconds": slope,
        "per_model_ratio": slope / floor,
        "scaling_worst_linear_deviation": worst_fit,
        "peak_memory_mib": peak_mib,
        "test_suite": suite,
        "budget": BUDGET,
    }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    return 0


def _verdict(ok: bool, budget: str) -> str:
    return f"{'ok' if ok else 'MISSED'} ({budget})"


if __name__ == "__main__":
    sys.exit(main())
