"""The `lmclaims` command: `compare A.json B.json ... [-o OUT.md]`, `matrix RUN.json ...`,
`merge SHARD.json ... -o OUT.md`, `prepare`, `check-env`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lmclaims.files import atomic_write
from lmclaims.report.compare import ReportError, load_report, render_comparison

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lmclaims", description="Tools for reading claims reports (run the claims with pytest).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    compare = commands.add_parser(
        "compare", help="compare claims.json reports: one row per claim, one column per run",
        description="Write a markdown matrix of verdicts, estimates and intervals; verdicts that "
                    "differ from the first report's are flagged, and so are protocol differences.")
    compare.add_argument("reports", nargs="+", metavar="REPORT.json",
                         help="claims.json files; the first is the reference column")
    compare.add_argument("-o", "--output", metavar="OUT.md",
                         help="write the markdown here instead of to standard output")
    add_run_commands(commands)
    commands.add_parser(
        "prepare", help="convert the embedded default model once for this machine (cached)",
        description="Dequantize the embedded Gemma 3 270M to an fp32 safetensors copy in the user "
                    "cache (LMCLAIMS_CACHE, else ~/.cache/lmclaims), and check the embedded corpus.")
    commands.add_parser(
        "check-env", help="check that the stack imports, matches requirements.lock, and that the "
                          "perturbation engine's prefix reuse agrees with a full re-run",
        description="Exit 1 where part of the stack does not import or the engine's fast path "
                    "disagrees with a plain forward pass; versions that differ from the lock are "
                    "listed, not fatal.")
    return parser


def add_run_commands(commands) -> None:
    """The `matrix` and `merge` subcommands (implemented in lmclaims.report.matrix / .merge)."""
    matrix = commands.add_parser(
        "matrix", help="models x claims: verdicts, estimates, the published reference, a pooled "
                       "random-effects estimate per claim, and a heatmap",
        description="Write a markdown matrix (one column per run, one row per claim and "
                    "parametrisation) and, with -o, a heatmap figure beside it (same name, .png).")
    matrix.add_argument("reports", nargs="+", metavar="RUN.json", help="claims.json files")
    matrix.add_argument("-o", "--output", metavar="OUT.md",
                        help="write the markdown (and OUT.png) here instead of to standard output")
    merge = commands.add_parser(
        "merge", help="join the claims.json of a run's shards (--claims-shard) into one report",
        description="Union of the shards' claims with the run's error-budget plan re-applied over "
                    "the whole family: the verdicts of the same run unsharded.")
    merge.add_argument("reports", nargs="+", metavar="SHARD.json", help="the shards' claims.json")
    merge.add_argument("-o", "--output", metavar="OUT.md", required=True,
                       help="the merged report's path (claims.json goes beside it)")


def run_check_env() -> int:
    """Imports, versions against the lock, the engine's self-check on a tiny model; one line each."""
    from lmclaims.environment import first_import_problem, lock_differences, prefix_reuse_check
    from lmclaims.errors import FastPathMismatch

    problem = first_import_problem()
    if problem:
        print(f"lmclaims check-env: {problem}", file=sys.stderr)
        return 1
    print("stack imports: ok")
    drift = lock_differences()
    if isinstance(drift, str):
        print(f"versions: {drift}")
    else:
        print("versions: " + ("as in requirements.lock" if not drift else "NOT as locked: "
                              + "; ".join(f"{k} {v}" for k, v in drift.items())))
    try:
        print(f"prefix-reuse engine: agrees with a full re-run (max difference {prefix_reuse_check()})")
    except FastPathMismatch as exc:
        print(f"lmclaims check-env: {exc}", file=sys.stderr)
        return 1
    return 0


def run_prepare() -> int:
    """Convert the embedded model if needed and load the embedded corpus; print what is ready."""
    import time

    from lmclaims.data.corpus import EMBEDDED_CORPUS, load_corpus
    from lmclaims.models.embedded import embedded_model_dir

    start = time.perf_counter()
    folder = embedded_model_dir()
    print(f"embedded model ready: {folder} ({time.perf_counter() - start:.0f} s)")
    corpus = load_corpus(EMBEDDED_CORPUS)
    print(f"embedded corpus ready: {corpus.source}, {len(corpus.documents)} documents")
    return 0


def run_compare(paths: list[str], output: str | None) -> int:
    """Load the reports, render the matrix, write it; one-line errors, exit code 2."""
    try:
        reports = [load_report(p) for p in paths]
    except ReportError as exc:
        print(f"lmclaims compare: {exc}", file=sys.stderr)
        return EXIT_USAGE
    text = render_comparison(reports, paths)
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        atomic_write(Path(output), text)
    except OSError as exc:
        print(f"lmclaims compare: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"comparison of {len(reports)} reports written to {output}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `lmclaims` script; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed usage or help
        return int(exc.code or 0)
    if args.command == "prepare":
        return run_prepare()
    if args.command == "check-env":
        return run_check_env()
    if args.command == "merge":
        from lmclaims.report.merge import run_merge

        return run_merge(args.reports, args.output, sys.stderr)
    if args.command == "matrix":
        from lmclaims.report.matrix import run_matrix

        return run_matrix(args.reports, args.output, sys.stdout, sys.stderr)
    return run_compare(args.reports, args.output)


if __name__ == "__main__":
    raise SystemExit(main())
