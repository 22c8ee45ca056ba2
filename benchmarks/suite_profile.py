"""Where the time of a whole claim run goes: pytest's per-phase durations, summed by phase.

    python benchmarks/suite_profile.py                       # pytest claims/ -n 4, standard profile
    python benchmarks/suite_profile.py -- -k plateau -n 2    # any pytest arguments after --

Runs the suite once with `--durations=0` and prints, per claim module, the seconds spent in
fixture set-up (model loading, plateau sweeps, SAE and model training: whatever the module's
first tests instantiate) and in the tests' bodies (statistics, resampling, figures), summed
over workers, beside the run's wall time and the machine's load; then the ten slowest phases.
The set-up of a session fixture lands on the first test of each worker that asks for it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import defaultdict

LINE = re.compile(r"^\s*([\d.]+)s (setup|call|teardown)\s+(\S+)")


def run(pytest_args: list[str]) -> tuple[str, float]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", *pytest_args, "--durations=0", "--durations-min=0",
                           "-p", "no:cacheprovider"], capture_output=True, text=True)
    return done.stdout, time.perf_counter() - start


def phases(output: str) -> list[tuple[float, str, str]]:
    """(seconds, phase, node id) for every line of pytest's durations table."""
    return [(float(m[1]), m[2], m[3]) for line in output.splitlines() if (m := LINE.match(line))]


def main(argv: list[str]) -> int:
    pytest_args = argv[argv.index("--") + 1:] if "--" in argv else ["claims/", "-n", "4"]
    load = os.getloadavg()[0]
    output, wall = run(pytest_args)
    rows = phases(output)
    if not rows:
        print(output[-3000:])
        print("no durations table in pytest's output (did the run start?)")
        return 1
    by_module: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for seconds, phase, nodeid in rows:
        by_module[nodeid.split("::")[0]][phase] += seconds
    total = sum(s for s, _, _ in rows)
    print(f"pytest {' '.join(pytest_args)}: wall {wall:.0f} s; summed over workers {total:.0f} s; "
          f"load average at start {load:.1f} on {os.cpu_count()} cores")
    print(f"{'module':44s} {'set-up s':>9s} {'tests s':>8s} {'share':>6s}")
    for module, t in sorted(by_module.items(), key=lambda kv: -sum(kv[1].values())):
        spent = sum(t.values())
        print(f"{module:44s} {t['setup']:9.0f} {t['call']:8.0f} {spent / total:6.0%}")
    print("slowest phases:")
    for seconds, phase, nodeid in sorted(rows, reverse=True)[:10]:
        print(f"  {seconds:7.1f} s {phase:8s} {nodeid}")
    print(output.strip().splitlines()[-1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
