"""Sparse autoencoders trained on the model under test (issue 15).

Why a trainer of our own (about one module, `sae.py` + `train.py`): no maintained SAE library
installs cleanly beside TransformerLens 4 and torch 2.13 (November 2026, see ../shared/SAE.md):
`sae-lens` needs `transformer-lens<4` or imports the removed `HookedTransformer`;
`dictionary-learning` pulls `nnsight` 0.3, which pulls a CUDA `torchvision` that breaks
`transformers`' imports; `overcomplete` has no gated SAE and also pulls torchvision. Revisit
when `sae-lens` supports TransformerLens 4.

Modules: `sizes` (per-profile sizes), `activations` (cached residual activations), `sae` (the
ReLU+L1 and gated architectures), `train` (training and the trained-SAE cache), `metrics`
(FVU, L0, dead latents, shrinkage, frontier matching), `splice` (CE/KL with the reconstruction
spliced in, ablation and equal-distance random baselines), `features` (decoder directions on the
perturbation engine), `figures`.
"""
