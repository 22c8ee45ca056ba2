"""Real text: the embedded corpus, local files and hub datasets, and prompts drawn from them."""
