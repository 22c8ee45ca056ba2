"""Benchmark: the perturbation engine against full re-runs, on the same sweep.

    python benchmarks/perturbation_sweep.py --prompt-len 10
    python benchmarks/perturbation_sweep.py --prompt-len 128 --metric kl --device cuda
    python benchmarks/perturbation_sweep.py --prompt-len 128 --memory-scan 64,256,1024

Prints the figures behind the result, then as its last line
`speedup=<full re-run time / engine time> max_abs_diff=<largest |difference| of f(t)>`.
With --memory-scan, instead: the engine's peak memory (each count in a fresh process)
for that many prompts and paths, which stays flat once the prompts' prefix caches
exceed the engine's cache budget (--max-cache-mib).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time

import numpy as np
import torch

from lmclaims.data.corpus import EMBEDDED_CORPUS, load_corpus
from lmclaims.data.prompts import bos_id, sample_windows, tokenize_documents
from lmclaims.models.device import choose_device
from lmclaims.models.depth import block_at_depth
from lmclaims.models.loader import load_model
from lmclaims.models.spec import parse_model
from lmclaims.engine.perturbation import FullRerun, PerturbationEngine, Readout


def arguments(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--prompt-len", type=int, default=10, help="tokens per prompt, BOS included")
    p.add_argument("--device", default="auto", help="auto|cpu|cuda|cuda:N")
    p.add_argument("--model", default="gemma-3-270m")
    p.add_argument("--metric", choices=["kl", "l2"], default="kl")
    p.add_argument("--depth", type=float, default=0.1, help="relative depth of the writing layer")
    p.add_argument("--paths", type=int, default=64, help="perturbation paths (one per prompt)")
    p.add_argument("--steps", type=int, default=8, help="sizes per path")
    p.add_argument("--scale-paths", type=int, default=4,
                   help="the engine is also run on this many times more paths, to show memory stays bounded")
    p.add_argument("--max-cache-mib", type=int, default=None,
                   help="the engine's budget for prefix caches held at once (default: its own)")
    p.add_argument("--memory-scan", default=None, metavar="N1,N2,...",
                   help="print the engine's peak memory for each prompt count, each in a fresh process")
    p.add_argument("--engine-only", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(sweeper, args_, repeats: int = 1) -> tuple[torch.Tensor, float]:
    """The sweep's output and its best wall time over `repeats` runs."""
    best = float("inf")
    for _ in range(repeats):
        if sweeper.device.type == "cuda":
            torch.cuda.synchronize(sweeper.device)
        start = time.perf_counter()
        out = sweeper.path_changes(*args_)
        if sweeper.device.type == "cuda":
            torch.cuda.synchronize(sweeper.device)
        best = min(best, time.perf_counter() - start)
    return out, best


def sweep_inputs(engine: PerturbationEngine, n: int, steps: int, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    base = engine.clean_acts[torch.arange(n) % len(engine.clean_acts)].cpu()
    direction = torch.randn(base.shape, generator=gen)
    direction /= direction.norm(dim=-1, keepdim=True)
    sizes = torch.linspace(0, 0.3, steps) * float(base.norm(dim=-1).median())
    return torch.arange(n) % len(engine.clean_acts), base, direction, sizes


def memory_scan(args) -> int:
    """One fresh process per prompt count, so each peak RSS is that count's own."""
    common = ["--prompt-len", str(args.prompt_len), "--device", args.device, "--model", args.model,
              "--metric", args.metric, "--depth", str(args.depth), "--steps", str(args.steps),
              *(["--max-cache-mib", str(args.max_cache_mib)] if args.max_cache_mib else [])]
    print(f"prompt_len={args.prompt_len} metric={args.metric} steps={args.steps} "
          f"max_cache_mib={args.max_cache_mib or 'engine default'}")
    for count in args.memory_scan.split(","):
        done = subprocess.run([sys.executable, __file__, *common, "--engine-only", "--paths", count,
                               "--scale-paths", "1"], capture_output=True, text=True, check=True)
        print(done.stdout.strip().splitlines()[-1], flush=True)
    return 0


def engine_only(args, model, prompts, layer, readout) -> int:
    cache_bytes = args.max_cache_mib << 20 if args.max_cache_mib else None
    start = time.perf_counter()
    engine = PerturbationEngine(model.bridge, prompts, layer, readout, max_cache_bytes=cache_bytes)
    engine.path_changes(*sweep_inputs(engine, args.paths, args.steps))
    print(f"prompts={args.paths} peak_rss_mib={peak_rss_mib():.0f} seconds={time.perf_counter() - start:.1f} "
          f"prompt_groups={engine.stats['prompt_groups']} prefix_passes={engine.stats['prefix_passes']}")
    return 0


def main(argv=None) -> int:
    args = arguments(argv)
    if args.memory_scan:
        return memory_scan(args)
    device = choose_device(args.device, None)
    model = load_model(parse_model(args.model), device)
    corpus = load_corpus(EMBEDDED_CORPUS)
    tokens = tokenize_documents(model.tokenizer, corpus.documents[:600])
    prompts = sample_windows(tokens, args.paths * args.scale_paths, args.prompt_len,
                             np.random.default_rng(0), prepend=bos_id(model.tokenizer))
    layer = block_at_depth(args.depth, model.n_layers)
    readout = Readout(args.metric, model.n_layers - 1)
    if args.engine_only:
        return engine_only(args, model, prompts, layer, readout)
    engine = PerturbationEngine(model.bridge, prompts, layer, readout)
    small = sweep_inputs(engine, args.paths, args.steps)
    engine.path_changes(*small)  # warm-up: allocations of this size
    fast, t_engine = timed(engine, small, repeats=3)
    rss_small = peak_rss_mib()
    _, t_large = timed(engine, sweep_inputs(engine, args.paths * args.scale_paths, args.steps))
    rss_large = peak_rss_mib()
    every_block = PerturbationEngine(model.bridge, prompts, layer, readout, start_at_write_layer=False)
    every_block.path_changes(*small)  # warm-up
    _, t_every_block = timed(every_block, small, repeats=3)
    reference = FullRerun(model.bridge, prompts, layer, readout)
    reference.path_changes(*sweep_inputs(engine, 1, args.steps))  # warm-up
    slow, t_full = timed(reference, small)
    rows = args.paths * args.steps
    print(f"model={model.spec.label} device={device} threads={torch.get_num_threads()} "
          f"metric={args.metric} write_layer={layer} read={'logits' if args.metric == 'kl' else f'blocks.{readout.read_layer}.hook_resid_post'}")
    print(f"prompt_len={args.prompt_len} perturbations={rows} ({args.paths} paths x {args.steps} sizes)")
    print(f"full_rerun_s={t_full:.3f} ({rows / t_full:.1f} perturbations/s)")
    print(f"engine_s={t_engine:.3f}, best of 3 ({rows / t_engine:.1f} perturbations/s); "
          f"{args.scale_paths}x the paths: {t_large:.3f} s")
    print(f"engine running every block from 0 (no skip below the write layer): {t_every_block:.3f} s "
          f"({rows / t_every_block:.1f} perturbations/s); start_at_write_layer: "
          f"{engine.stats.get('start_at_write_layer')}")
    print(f"peak_rss_mib after engine={rss_small:.0f}, after {args.scale_paths}x paths={rss_large:.0f}"
          + (f", cuda_peak_mib={torch.cuda.max_memory_allocated(device) / 2**20:.0f}" if device.type == "cuda" else ""))
    print(f"speedup={t_full / t_engine:.2f} max_abs_diff={float((fast - slow).abs().max()):.3g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
