"""Loading models: the embedded default, named, local and GGUF models, and random controls."""
