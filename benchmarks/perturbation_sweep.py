"""Benchmark: three ways of sweeping a perturbation, on the same sweep, in one run.

    python benchmarks/perturbation_sweep.py --prompt-len 10
    python benchmarks/perturbation_sweep.py --prompt-len 10 --metric l2 --depth 0.85
    python benchmarks/perturbation_sweep.py --prompt-len 128
    python benchmarks/perturbation_sweep.py --prompt-len 128 --memory-scan 64,256,1024

The ways: the published code's (every perturbed prompt whole through `run_with_cache`: all
blocks, all logits at every position, every activation stored), the full re-run with a
hook (`FullRerun`), and the engine (`PerturbationEngine`: the prompt's prefix cached, the
last position from the write layer to the read-out). Each is timed on the same paths and
sizes, with this process's measured float32 matmul rate and each way's share of the
limit it sets (`roofline`), and the peak resident memory of each phase (`memory_watch`)
beside its prediction (`memory_model`); --profile adds where the engine's time goes. The
published way runs in batches sized to a share of free memory, as the other two do. The
last line is
`speedup=<published way's time / engine's time> max_abs_diff=<largest |engine - full re-run| of f(t)>`
(f in nats for kl, relative L2 for l2).
With --memory-scan, instead: the engine's peak memory for each prompt count (each in a
fresh process), which stops growing once the prefix caches fill the engine's cache budget
(--max-cache-mib; 1 GiB by default, 229 prompts of 128 tokens on Gemma 3 270M); the engine
hands each group's freed cache back to the system when it moves to the next group
(`release_freed_memory`), so the peak does not creep up with the number of groups. What is
left varies with the engine's rows per forward pass, sized from the free memory at the time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import memory_model  # noqa: E402
import sweep_report  # noqa: E402
from memory_watch import MIB, MemoryWatch  # noqa: E402
from published_way import PublishedWay  # noqa: E402
from roofline import last_position_cost, model_shapes, probe_rates, whole_prompt_cost  # noqa: E402

from lmclaims.data.corpus import EMBEDDED_CORPUS, load_corpus  # noqa: E402
from lmclaims.data.prompts import bos_id, sample_windows, tokenize_documents  # noqa: E402
from lmclaims.engine.chunking import MAX_ROWS, release_freed_memory, rows_per_chunk  # noqa: E402
from lmclaims.engine.perturbation import FullRerun, PerturbationEngine, Readout  # noqa: E402
from lmclaims.models.depth import block_at_depth  # noqa: E402
from lmclaims.models.device import choose_device  # noqa: E402
from lmclaims.models.loader import load_model  # noqa: E402
from lmclaims.models.spec import parse_model  # noqa: E402


PROBE_ROWS = MAX_ROWS  # rows of the matmul probe: the engine's largest batch


def arguments(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--prompt-len", type=int, default=10, help="tokens per prompt, BOS included")
    p.add_argument("--device", default="auto", help="auto|cpu|cuda|cuda:N")
    p.add_argument("--model", default="gemma-3-270m")
    p.add_argument("--metric", choices=["kl", "l2"], default="kl")
    p.add_argument("--depth", type=float, default=0.1, help="relative depth of the writing layer")
    p.add_argument("--paths", type=int, default=None,
                   help="paths (one prompt each) swept by all three ways (default: 32, or 8 above 32 tokens)")
    p.add_argument("--steps", type=int, default=8, help="sizes per path")
    p.add_argument("--scale-paths", type=int, default=4,
                   help="the engine alone also sweeps this many times the paths (its rows/s at full batches)")
    p.add_argument("--max-cache-mib", type=int, default=None,
                   help="the engine's budget for prefix caches held at once (default: its own)")
    p.add_argument("--memory-scan", default=None, metavar="N1,N2,...",
                   help="print the engine's peak memory for each prompt count, each in a fresh process")
    p.add_argument("--profile", action="store_true",
                   help="also print where the engine's time goes on the sweep (torch.profiler)")
    p.add_argument("--engine-only", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.paths is None:
        args.paths = 32 if args.prompt_len <= 32 else 8
    return args


def load_average() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(sweeper, inputs, repeats: int = 1) -> tuple[torch.Tensor, float]:
    """The sweep's output [paths, sizes] and its best wall time in seconds over `repeats` runs."""
    best = float("inf")
    for _ in range(repeats):
        synchronize(sweeper.device)
        start = time.perf_counter()
        out = sweeper.path_changes(*inputs)
        synchronize(sweeper.device)
        best = min(best, time.perf_counter() - start)
    return out, best


def sweep_inputs(engine: PerturbationEngine, n: int, steps: int, seed: int = 0):
    """n paths (prompt i for path i) from each prompt's clean activation along a random unit
    direction, sizes 0 to 0.3 x the median activation norm."""
    gen = torch.Generator().manual_seed(seed)
    idx = torch.arange(n) % len(engine.clean_acts)
    base = engine.clean_acts[idx].cpu()
    direction = torch.randn(base.shape, generator=gen)
    direction /= direction.norm(dim=-1, keepdim=True)
    sizes = torch.linspace(0, 0.3, steps) * float(base.norm(dim=-1).median())
    return idx, base, direction, sizes


def setup(args):
    """(model, prompts [paths x scale, prompt_len], write layer, read-out)."""
    model = load_model(parse_model(args.model), choose_device(args.device, None))
    tokens = tokenize_documents(model.tokenizer, load_corpus(EMBEDDED_CORPUS).documents[:600])
    prompts = sample_windows(tokens, args.paths * args.scale_paths, args.prompt_len,
                             np.random.default_rng(0), prepend=bos_id(model.tokenizer))
    with torch.inference_mode():  # the weights are memory-mapped: a first forward pages them all in
        model.bridge(prompts[:1, :2].to(model.device), return_type="logits")
    layer = block_at_depth(args.depth, model.n_layers)
    return model, prompts, layer, Readout(args.metric, model.n_layers - 1)


def memory_scan(args) -> int:
    """One fresh process per prompt count, so each peak RSS is that count's own."""
    common = ["--prompt-len", str(args.prompt_len), "--device", args.device, "--model", args.model,
              "--metric", args.metric, "--depth", str(args.depth), "--steps", str(args.steps),
              *(["--max-cache-mib", str(args.max_cache_mib)] if args.max_cache_mib else [])]
    print(f"memory scan: load_average={load_average()} prompt_len={args.prompt_len} metric={args.metric} "
          f"steps={args.steps} max_cache_mib={args.max_cache_mib or 'engine default'}", flush=True)
    for count in args.memory_scan.split(","):
        done = subprocess.run([sys.executable, __file__, *common, "--engine-only", "--paths", count,
                               "--scale-paths", "1"], capture_output=True, text=True)
        lines = done.stdout.strip().splitlines()
        print(lines[-1] if done.returncode == 0 and lines else
              f"prompts={count} FAILED (exit {done.returncode}): {done.stderr.strip().splitlines()[-1:]}",
              flush=True)
    return 0


def engine_only(args) -> int:
    """The engine alone on `paths` prompts: the peak RSS of its setup (prefix passes) and of its
    sweep beside their estimates, MiB."""
    watch = MemoryWatch()
    model, prompts, layer, readout = setup(args)
    cache_bytes = args.max_cache_mib << 20 if args.max_cache_mib else None
    base = watch.rss_now()
    start = time.perf_counter()
    with watch.phase("engine setup"):
        engine = PerturbationEngine(model.bridge, prompts, layer, readout, max_cache_bytes=cache_bytes)
    per_forward = chunk_rows(engine, args.paths, args.steps)
    with watch.phase("engine"):
        engine.path_changes(*sweep_inputs(engine, args.paths, args.steps))
    est = memory_estimates(engine, args.paths, args.steps, per_forward)
    phases = "; ".join(f"{name} {watch.phases[name].peak / MIB:.0f} (predicted {(base + est[name]) / MIB:.0f})"
                       for name in ("engine setup", "engine"))
    print(f"prompts={args.paths} peak_rss_mib={watch.overall_peak() / MIB:.0f}: model loaded {base / MIB:.0f}; "
          f"{phases}; {engine.group_size} prompts per group ({engine.group_size * engine.kv_bytes_per_prompt / MIB:.0f} "
          f"MiB of prefix cache), {engine.stats['prompt_groups']} groups, {per_forward} rows per forward, "
          f"{time.perf_counter() - start:.0f} s")
    return 0


def memory_estimates(engine: PerturbationEngine, paths: int, steps: int,
                     rows_per_forward: int | None = None) -> dict[str, int]:
    """Predicted bytes the engine's phases add to the loaded model (`memory_model`), for its
    sweeps at `rows_per_forward` (default: as it would size them now)."""
    prefix_len = engine.prompts.shape[1] - 1
    per_pass = rows_per_chunk(engine.device, engine.activation_bytes(prefix_len))  # as the engine sizes it
    return {"engine setup": memory_model.engine_setup_bytes(engine, per_pass),
            "engine": memory_model.engine_sweep_bytes(engine, rows_per_forward or chunk_rows(engine, paths, steps))}


@dataclass
class Timing:
    """One way's sweep: its output [paths, sizes], best wall time (s), rows, rows per forward pass."""

    out: torch.Tensor
    seconds: float
    rows: int
    rows_per_forward: int
    sweeper: object


def time_way(sweeper, inputs, repeats: int = 1) -> Timing:
    """Time `sweeper` on `inputs` (see `sweep_inputs`); its rows per forward pass as it sizes them now."""
    n_paths, n_sizes = len(inputs[1]), len(inputs[3])
    per_forward = chunk_rows(sweeper, n_paths, n_sizes)
    out, seconds = timed(sweeper, inputs, repeats)
    return Timing(out, seconds, n_paths * n_sizes, per_forward, sweeper)


def run_ways(args, watch: MemoryWatch, model, prompts, layer, readout) -> tuple[dict[str, Timing], float]:
    """Each way on the same sweep, each in its own memory phase (named as the way); and the
    engine's setup time (its prefix passes and clean activations), s."""
    ways = {}
    with watch.phase("engine setup"):
        start = time.perf_counter()
        engine = PerturbationEngine(model.bridge, prompts, layer, readout,
                                    max_cache_bytes=args.max_cache_mib << 20 if args.max_cache_mib else None)
        setup_s = time.perf_counter() - start
    sweep = sweep_inputs(engine, args.paths, args.steps)
    with watch.phase("engine"):
        engine.path_changes(*sweep)  # self-check against a full re-run, and warm-up at this size
        ways["engine"] = time_way(engine, sweep, repeats=3)
    with watch.phase(f"engine, {args.scale_paths}x paths"):
        ways[f"engine, {args.scale_paths}x paths"] = time_way(
            engine, sweep_inputs(engine, args.paths * args.scale_paths, args.steps, seed=1))
    release_freed_memory(engine.device)
    with watch.phase("full re-run"):
        reference = FullRerun(model.bridge, prompts, layer, readout)
        reference.path_changes(*sweep_inputs(engine, 1, args.steps))  # warm-up
        ways["full re-run"] = time_way(reference, sweep)
    release_freed_memory(engine.device)
    with watch.phase("published way"):
        published = PublishedWay(model.bridge, prompts, layer, readout)  # warm-up: one prompt
        ways["published way"] = time_way(published, sweep)
    release_freed_memory(engine.device)
    return ways, setup_s


def chunk_rows(sweeper, paths: int, steps: int) -> int:
    """Rows per forward pass of `sweeper` on a sweep of `paths` x `steps` (whole paths per chunk;
    the engine sweeps one group of prompts at a time, and these sweeps have one path per prompt)."""
    paths = min(paths, getattr(sweeper, "group_size", paths))
    return min(paths * steps, max(1, sweeper.row_budget() // steps) * steps)


def main(argv=None) -> int:
    args = arguments(argv)
    if args.memory_scan:
        return memory_scan(args)
    if args.engine_only:
        return engine_only(args)
    load_before = load_average()
    watch = MemoryWatch()
    with watch.phase("load model"):
        model, prompts, layer, readout = setup(args)
    ways, setup_s = run_ways(args, watch, model, prompts, layer, readout)
    shapes = model_shapes(model.bridge)
    last_block = model.n_layers - 1 if readout.needs_logits else readout.read_layer
    costs = {"published way": whole_prompt_cost(shapes, args.prompt_len, args.prompt_len),
             "full re-run": whole_prompt_cost(shapes, args.prompt_len, 1),
             "engine": last_position_cost(shapes, layer, last_block, args.prompt_len, readout.needs_logits)}
    rates = probe_rates(shapes, PROBE_ROWS)
    engine, full, published = ways["engine"], ways["full re-run"], ways["published way"]
    print(f"model={model.spec.label} device={model.device} threads={torch.get_num_threads()} "
          f"load_average(1/5/15 min)={load_before} at start, {load_average()} at end")
    print(f"sweep: prompt_len={args.prompt_len} metric={args.metric} write=blocks.{layer}.hook_resid_pre "
          f"read={'logits' if readout.needs_logits else readout.hook}; {args.paths} paths x {args.steps} "
          f"sizes = {engine.rows} rows, the same rows for the three ways")
    sweep_report.print_limits(rates, shapes, costs, args.prompt_len, layer, last_block)
    sweep_report.print_table(ways, costs, rates, setup_s, len(prompts))
    scaled = ways[f"engine, {args.scale_paths}x paths"]
    sweep_report.print_memory(watch, ways, memory_estimates(engine.sweeper, args.paths, args.steps,
                                                            engine.rows_per_forward)
                              | {f"engine, {args.scale_paths}x paths": memory_estimates(
                                  engine.sweeper, args.paths * args.scale_paths, args.steps,
                                  scaled.rows_per_forward)["engine"]},
                              args.prompt_len)
    if args.profile:
        sweep_report.print_profile(engine.sweeper, sweep_inputs(engine.sweeper, args.paths, args.steps))
    at_zero = ", ".join(f"{name} {float(ways[name].out[:, 0].abs().max()):.2g}"
                        for name in ("engine", "full re-run", "published way"))
    print(f"check: max |published way - full re-run| = {float((published.out - full.out).abs().max()):.3g}; "
          f"max |f(0)| (0 but for float32 rounding of the read-out): {at_zero}; engine self-check max diff "
          f"{engine.sweeper.stats.get('self_check_max_diff', float('nan')):.3g}, start_at_write_layer "
          f"{engine.sweeper.stats.get('start_at_write_layer')}")
    print(f"speedup={published.seconds / engine.seconds:.2f} "
          f"max_abs_diff={float((engine.out - full.out).abs().max()):.3g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
