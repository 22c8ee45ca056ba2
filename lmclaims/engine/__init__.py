"""The perturbation engine: perturb one activation along many paths, read how the output changes."""
