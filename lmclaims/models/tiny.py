"""Tiny random-weight models built from a config: real architectures, nothing downloaded.

For the library's own fast tests and for the engine's equality checks: a word-level
tokenizer made in memory, and a Hugging Face model of a few layers wrapped in a
TransformerBridge exactly as the real models are.
"""

from __future__ import annotations

import torch

from lmclaims.models.loader import LoadedModel
from lmclaims.models.spec import ModelSpec

TL_NAMES = {"gpt2": "gpt2", "gemma3": "google/gemma-3-270m", "llama": "meta-llama/Llama-3.2-1B"}


def tiny_tokenizer(vocab_size: int):
    """A word-level tokenizer over 'w0 w1 ...' with <bos>, <eos> and <unk>."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"<bos>": 0, "<eos>": 1, "<unk>": 2, **{f"w{i}": i + 3 for i in range(vocab_size - 3)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<bos>", eos_token="<eos>",
                                   unk_token="<unk>", pad_token="<eos>", add_bos_token=True,
                                   name_or_path="tiny-word-level")


def tiny_config(architecture: str, vocab_size: int, layers: int):
    from transformers import Gemma3TextConfig, GPT2Config, LlamaConfig

    if architecture == "gpt2":
        return GPT2Config(vocab_size=vocab_size, n_positions=256, n_embd=64, n_layer=layers, n_head=4,
                          bos_token_id=0, eos_token_id=1, architectures=["GPT2LMHeadModel"])
    if architecture == "gemma3":
        return Gemma3TextConfig(vocab_size=vocab_size, hidden_size=64, intermediate_size=128,
                                num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=1,
                                head_dim=16, sliding_window=8, max_position_embeddings=256,
                                bos_token_id=0, eos_token_id=1, pad_token_id=1,
                                architectures=["Gemma3ForCausalLM"])
    if architecture == "llama":
        return LlamaConfig(vocab_size=vocab_size, hidden_size=64, intermediate_size=128,
                           num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=2,
                           max_position_embeddings=256, bos_token_id=0, eos_token_id=1,
                           architectures=["LlamaForCausalLM"])
    raise ValueError(f"unknown tiny architecture {architecture!r}; choose from {sorted(TL_NAMES)}")


def tiny_model(architecture: str = "gpt2", vocab_size: int = 512, layers: int = 4,
               seed: int = 0) -> LoadedModel:
    """A random-weight model of `architecture` with a few layers, booted into a bridge on CPU."""
    from transformer_lens.model_bridge import TransformerBridge
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    config = tiny_config(architecture, vocab_size, layers)
    hf = AutoModelForCausalLM.from_config(config, dtype=torch.float32, attn_implementation="eager").eval()
    tokenizer = tiny_tokenizer(vocab_size)
    bridge = TransformerBridge.boot_transformers(TL_NAMES[architecture], hf_model=hf,
                                                 tokenizer=tokenizer, device="cpu")
    bridge.eval()
    spec = ModelSpec(f"tiny-{architecture}", "named", f"tiny-{architecture}", True)
    return LoadedModel(bridge, tokenizer, spec, torch.device("cpu"),
                       {"label": spec.label, "architecture": config.architectures[0]})
