"""Everything the SAE claims of one run share: prompts, activations, the sparsity sweep, one
reference SAE and its splice run, each computed once per worker and cached on disk.

Prompts are drawn from the run seed (never from the test that asks first), so `-n 0` and `-n 2`
give the same numbers. Training across xdist workers: each worker walks the sweep, trains the
SAEs no one else is training (a per-SAE file lock, tried without waiting), then waits for the
rest, so two workers split the sweep between them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import hashlib

import numpy as np
import torch

from lmclaims.data.prompts import bos_id, sample_windows
from lmclaims.families.sae.activations import ActivationSet, cached_activations, special_ids
from lmclaims.families.sae.features import FeatureSweep, feature_sweep
from lmclaims.families.sae.metrics import SaeQuality, evaluate
from lmclaims.families.sae.sae import ARCHITECTURES
from lmclaims.families.sae.sizes import SaeSizes
from lmclaims.families.sae.splice import READ_POSITIONS, SpliceRun, from_arrays, splice_run, to_arrays
from lmclaims.families.sae.store import cached_arrays
from lmclaims.families.sae.train import TrainConfig, cached_sae
from lmclaims.models.depth import block_at_depth
from lmclaims.models.embedded import cache_root
from lmclaims.seeding import numpy_rng, test_seed, torch_generator

def _digest(tokens: torch.Tensor) -> str:
    return hashlib.sha256(tokens.numpy().astype("int64").tobytes()).hexdigest()[:16]


FEATURE_PROMPT_LEN = 10  # tokens, BOS included: the plateau family's (and the seed report's) prompts


@dataclass
class SaeStudy:
    loaded: object  # LoadedModel
    corpus_tokens: list
    corpus_name: str
    sizes: SaeSizes
    profile_name: str
    run_seed: int
    progress: object = lambda message: None
    _memo: dict = field(default_factory=dict)

    @property
    def layer(self) -> int:
        """Block whose resid_pre sits at the sizes' relative depth."""
        return block_at_depth(self.sizes.depth, self.loaded.n_layers)

    def _once(self, key, make):
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def prompts(self) -> dict[str, torch.Tensor]:
        """Prompt sets {'train', 'eval', 'splice', 'feature'} [n, len], one leading BOS each; train
        and eval are disjoint windows, splice and feature are drawn after them."""
        def draw():
            s, bos = self.sizes, bos_id(self.loaded.tokenizer)
            rng = numpy_rng(test_seed(self.run_seed, f"sae-prompts:{self.profile_name}"))
            n = s.train_prompts + s.eval_prompts
            long = sample_windows(self.corpus_tokens, n, s.prompt_len, rng, prepend=bos)
            splice = sample_windows(self.corpus_tokens, s.splice_prompts, s.splice_len, rng, prepend=bos)
            feature = sample_windows(self.corpus_tokens, s.feature_bases, FEATURE_PROMPT_LEN, rng, prepend=bos)
            return {"train": long[:s.train_prompts], "eval": long[s.train_prompts:], "splice": splice,
                    "feature": feature}
        return self._once("prompts", draw)

    def activations(self, part: str) -> ActivationSet:
        """Cached activations of the 'train' or 'eval' prompts at the SAE's layer."""
        label = f"{self.loaded.spec.label}-{self.corpus_name}-{part}"
        return self._once(("acts", part), lambda: cached_activations(
            self.loaded, self.prompts()[part], self.layer, label, self.progress))

    def config(self, arch: str, l1: float, k: int) -> TrainConfig:
        s = self.sizes
        return TrainConfig(arch, l1, s.expansion * self.loaded.d_model,
                           test_seed(self.run_seed, f"sae-seed:{k}"), s.steps, s.batch)

    def grid(self) -> list[tuple[str, float, int]]:
        """(architecture, sparsity coefficient, seed index) of every SAE in the sweep."""
        l1s = {"relu": self.sizes.relu_l1, "gated": self.sizes.gated_l1}
        return [(a, l1, k) for k in range(self.sizes.seeds) for a in ARCHITECTURES for l1 in l1s[a]]

    def sae(self, arch: str, l1: float, k: int, wait: bool = True):
        """The trained SAE (cached on disk); None if wait=False and another worker trains it."""
        train = self.activations("train")
        folder = cache_root() / "sae-trained"
        return cached_sae(train.acts, self.config(arch, l1, k), train.key, folder, wait)

    def sweep(self) -> dict[tuple[str, float, int], SaeQuality]:
        """Held-out quality of every SAE of the grid."""
        def run():
            evals, grid = self.activations("eval").acts, self.grid()
            out, later = {}, []
            for i, key in enumerate(grid):
                self.progress(f"SAE sweep: {i + 1}/{len(grid)} {key[0]} l1={key[1]:g} seed {key[2]}")
                sae = self.sae(*key, wait=False)
                if sae is None:
                    later.append(key)
                else:
                    out[key] = evaluate(sae, evals)
            for key in later:
                out[key] = evaluate(self.sae(*key), evals)
            return out
        return self._once("sweep", run)

    def reference_key(self, arch: str) -> tuple[str, float, int]:
        """The SAE the splice and feature claims use: the middle sparsity coefficient, seed 0."""
        l1s = self.sizes.relu_l1 if arch == "relu" else self.sizes.gated_l1
        return arch, l1s[len(l1s) // 2], 0

    def splice(self, arch: str) -> tuple[SpliceRun, SaeQuality]:
        """The splice run of the reference SAE on the held-out splice prompts, and its quality."""
        def run():
            key = self.reference_key(arch)
            sae, train = self.sae(*key), self.activations("train")
            quality = evaluate(sae, self.activations("eval").acts)
            seed = test_seed(self.run_seed, f"sae-splice:{arch}")
            def compute():
                run = splice_run(self.loaded.bridge, self.prompts()["splice"], self.layer,
                                 special_ids(self.loaded.tokenizer), sae, train.acts.mean(0),
                                 quality.gamma, torch_generator(seed), progress=self.progress)
                return to_arrays(run), {}
            arrays, _ = cached_arrays("sae-splices", {
                "sae": self.config(*key).key(train.key), "prompts": _digest(self.prompts()["splice"]),
                "seed": seed, "read": READ_POSITIONS}, compute)
            return from_arrays(arrays), quality
        return self._once(("splice", arch), run)

    def features(self, arch: str, data_seed: int, direction_seed: int, reach: float) -> FeatureSweep:
        """The feature-direction sweep of the reference SAE (features.py), cached on disk; the
        latent choice is drawn from data_seed, the covariance directions from direction_seed."""
        key = self.reference_key(arch)
        train = self.activations("train")
        def compute():
            run = feature_sweep(self.loaded.bridge, self.prompts()["feature"], self.layer, self.sae(*key),
                                train.acts, self.sizes.feature_steps, reach, numpy_rng(data_seed),
                                torch_generator(direction_seed), self.progress)
            return {"sizes": run.sizes, "latents": run.latents,
                    **{f"curves/{k}": v for k, v in run.curves.items()}}, run.diagnostics
        arrays, diagnostics = cached_arrays("sae-features", {
            "sae": self.config(*key).key(train.key), "prompts": _digest(self.prompts()["feature"]),
            "seeds": [data_seed, direction_seed], "reach": reach, "steps": self.sizes.feature_steps},
            compute)
        curves = {k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith("curves/")}
        return FeatureSweep(arrays["sizes"], curves, arrays["latents"], diagnostics)

    def norm_profile(self) -> dict:
        """Quantiles of the training activations' norms and the share far above the median."""
        norms = self.activations("train").acts.norm(dim=-1).numpy()
        med = float(np.median(norms))
        return {"median": med, "q99_over_median": float(np.quantile(norms, 0.99) / med),
                "max_over_median": float(norms.max() / med),
                "share_above_5x_median": float((norms > 5 * med).mean())}
