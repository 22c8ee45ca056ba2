"""What the report says is put before every prompt (the token id, its text and why)."""

import pytest
from tokenizers import Tokenizer
from tokenizers.models import WordLevel
from tokenizers.processors import TemplateProcessing
from transformers import PreTrainedTokenizerFast

from lmclaims.data.prompts import prepended_token

VOCAB = {"<unk>": 0, "<|im_start|>": 1, "hello": 2}


def _tokenizer(adds_bos: bool = False, **kwargs) -> PreTrainedTokenizerFast:
    tok = Tokenizer(WordLevel(VOCAB, unk_token="<unk>"))
    if adds_bos:
        tok.post_processor = TemplateProcessing(single="<|im_start|> $A", special_tokens=[("<|im_start|>", 1)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", **kwargs)


@pytest.mark.parametrize("adds", [False, True])
def test_the_prepended_token_is_named_with_its_id_and_reason(adds):
    """SmolLM2's case: the BOS is the chat-turn marker and the tokenizer does not add it itself."""
    shown = prepended_token(_tokenizer(adds, bos_token="<|im_start|>"))
    assert (shown["id"], shown["text"]) == (1, "<|im_start|>")
    assert ("does not put first by itself" in shown["why"]) is (not adds)


def test_no_bos_token_means_nothing_is_prepended():
    assert prepended_token(_tokenizer()).startswith("none")
