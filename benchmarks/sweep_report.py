"""The lines the sweep benchmark prints: limits, the three-way table, memory by phase."""

from __future__ import annotations

import memory_model
from memory_watch import MIB, MemoryWatch
from roofline import MatmulRates, RowCost, Shapes


def gflops(mac_rate: float) -> float:
    """GFLOP/s of a rate in MAC/s (1 MAC = 2 FLOP)."""
    return 2 * mac_rate / 1e9


def print_limits(rates: MatmulRates, shapes: Shapes, costs: dict[str, RowCost], prompt_len: int,
                 layer: int, last_block: int) -> None:
    """The probe's rates and each way's MACs per row, with what they are made of."""
    vocab, d_model = shapes.unembed
    per_block = shapes.block_macs_per_position
    attention = sum(shapes.attention_macs(b, prompt_len) for b in range(layer, last_block + 1))
    engine = costs["engine"]
    print(f"matmul probe (float32 F.linear, {rates.rows} rows x each weight, this process, just now): "
          f"blocks' weights {gflops(rates.blocks):.1f} GFLOP/s (time-weighted over the "
          f"{len(shapes.block_weights)} matrices of a block), unembedding {d_model}->{vocab} "
          f"{gflops(rates.unembed):.1f} GFLOP/s")
    print(f"MACs per row: engine {engine.total:.4g} = the last position through blocks {layer}..{last_block} "
          f"({last_block - layer + 1} x {per_block:.4g} linear + attention over {prompt_len} keys "
          f"{attention:.3g})" + (f" + unembedding {d_model}x{vocab} = {engine.unembed:.4g}" if engine.unembed
                                 else ", no logits (L2 read at the last block's output)"))
    print(f"  full re-run {costs['full re-run'].total:.4g} = {prompt_len} positions x {len(shapes.windows)} blocks "
          f"+ causal attention + the last position's unembedding; published way "
          f"{costs['published way'].total:.4g} = the same + the unembedding at all {prompt_len} positions")


def print_table(ways: dict, costs: dict[str, RowCost], rates: MatmulRates, setup_s: float,
                n_prompts: int) -> None:
    """Seconds, rows/s, the matmul limit's rows/s, each way's share of it and its speed-up."""
    published = ways["published way"]
    engine = ways["engine"]
    prefix_share = setup_s * (engine.rows / max(t.rows for t in ways.values()))
    lines = [(name, t.rows, t.rows_per_forward, t.seconds, costs[name.split(",")[0]])
             for name, t in ways.items()]
    lines.append(("engine, with its prefix pass", engine.rows, engine.rows_per_forward,
                  engine.seconds + prefix_share, costs["engine"]))
    print(f"{'way':<30}{'rows':>6}{'/fwd':>6}{'seconds':>10}{'rows/s':>10}{'MACs/row':>11}"
          f"{'limit rows/s':>14}{'share':>8}{'x published':>13}")
    for name, rows, per_forward, seconds, cost in lines:
        limit = rates.limit_rows_per_s(cost)
        rate = rows / seconds
        print(f"{name:<30}{rows:>6}{per_forward:>6}{seconds:>10.3f}{rate:>10.1f}{cost.total:>11.3g}"
              f"{limit:>14.1f}{rate / limit:>8.1%}{rate / (published.rows / published.seconds):>13.1f}")
    print(f"  limit rows/s = 1 / (block MACs / block rate + unembedding MACs / unembedding rate); share = "
          f"rows/s / limit; /fwd = rows per forward pass. The engine's setup (prefix passes and clean "
          f"activations of its {n_prompts} prompts, {setup_s:.2f} s) is outside its timed sweeps; the last "
          f"line adds the share of it for the sweep's prompts.")


def print_memory(watch: MemoryWatch, ways: dict, engine_estimates: dict[str, int], prompt_len: int) -> None:
    """Each phase's RSS at its start and its peak, MiB, beside the predicted peak: the RSS with
    the model loaded, plus what `memory_model` predicts the phase holds at once (the engine's
    held prefix cache stays alive through the later phases)."""
    engine, full, published = ways["engine"], ways["full re-run"], ways["published way"]
    held = engine.sweeper.group_size * engine.sweeper.kv_bytes_per_prompt
    bridge = engine.sweeper.bridge
    predicted = dict(engine_estimates)
    predicted["full re-run"] = held + full.rows_per_forward * memory_model.whole_prompt_row_bytes(
        bridge, prompt_len, 1)
    predicted["published way"] = held + published.rows_per_forward * memory_model.cached_run_row_bytes(
        bridge, prompt_len, published.sweeper.cached_bytes_per_prompt)
    base = watch.phases["load model"].peak
    print(f"memory (resident set, MiB), phase: start -> peak (predicted peak); rows per forward as in the "
          f"table; run_with_cache returns {published.sweeper.cached_bytes_per_prompt / MIB:.0f} MiB per "
          f"{prompt_len}-token prompt (logits at every position and {published.sweeper.cached_hooks} hooks' "
          f"activations); the engine holds {held / MIB:.0f} MiB of prefix cache")
    for name, p in watch.phases.items():
        est = predicted.get(name)
        print(f"  {name}: {p.start / MIB:.0f} -> {p.peak / MIB:.0f}"
              + (f" ({(base + est) / MIB:.0f})" if est is not None else ""))


GEMM_OPS = ("aten::mm", "aten::addmm")  # the blocks' linear maps and the unembedding


def print_profile(engine, inputs, top: int = 12) -> None:
    """Where the engine's time goes on one sweep of `inputs`: the share of its self CPU time in
    the GEMMs (the limit's work), then the `top` operators by self time with their input shapes."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        engine.path_changes(*inputs)
    events = prof.key_averages(group_by_input_shape=True)
    total = sum(e.self_cpu_time_total for e in events)
    gemm = sum(e.self_cpu_time_total for e in events if e.key in GEMM_OPS)
    print(f"profile of the engine's sweep (torch.profiler, self CPU time, {total / 1e6:.3f} s in operators): "
          f"GEMMs {gemm / total:.0%}; top {top} operators:")
    for e in sorted(events, key=lambda e: -e.self_cpu_time_total)[:top]:
        shapes = str(e.input_shapes)[:70]
        print(f"  {e.self_cpu_time_total / total:>6.1%} {e.self_cpu_time_total / 1e6:>8.3f} s {e.count:>5}x "
              f"{e.key:<16} {shapes}")
