"""Every bad input we tried, and the one line a user sees (the README's table comes from here).

Each case runs the suite as a user would; the message must be there, on one line, with
no traceback, and where the run got as far as running claims the report is still written.
"""

import json
from pathlib import Path

import pytest
import torch

pytestmark = pytest.mark.real_model


def _tiny_folder(root: Path, *, pickled=False, remote_code=False, architecture="gpt2") -> Path:
    """A local Hugging Face folder of a tiny random model (nothing downloaded)."""
    from lmclaims.models.tiny import tiny_config

    from transformers import AutoModelForCausalLM, T5Config

    folder = root / f"model-{architecture}-{pickled}-{remote_code}"
    if architecture == "t5":
        from safetensors.torch import save_file

        T5Config(d_model=16, num_layers=1, num_heads=1, d_ff=16, vocab_size=32).save_pretrained(folder)
        save_file({"shared.weight": torch.zeros(32, 16)}, str(folder / "model.safetensors"))
        return folder
    model = AutoModelForCausalLM.from_config(tiny_config(architecture, 64, 1))
    model.save_pretrained(folder, safe_serialization=not pickled)
    if pickled:
        for f in folder.glob("*.safetensors"):
            f.unlink()
        torch.save(model.state_dict(), folder / "pytorch_model.bin")
    if remote_code:
        config = json.loads((folder / "config.json").read_text())
        config["auto_map"] = {"AutoModelForCausalLM": "modeling_evil.EvilModel"}
        (folder / "config.json").write_text(json.dumps(config))
    return folder


def _text(root: Path, name: str, data: bytes) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _short_folder(root: Path) -> Path:
    """Enough documents for every claim, each shorter than a prompt."""
    for i in range(80):
        _text(root, f"short/{i}.txt", f"Too short {i}.".encode())
    return root / "short"


# (id, how to make the arguments from a tmp folder, what the user sees)
BAD_INPUTS = [
    ("unknown model", lambda t: ["--model", "not-a-real-model"], "is not a model TransformerLens knows"),
    ("missing path", lambda t: ["--model", "./no/such/folder"], "no such file or directory"),
    ("unsupported architecture", lambda t: ["--model", str(_tiny_folder(t, architecture="t5"))],
     "cannot be loaded as a causal language model"),
    ("pickled weights", lambda t: ["--model", str(_tiny_folder(t, pickled=True))],
     "pass --allow-pickle"),
    ("remote code", lambda t: ["--model", str(_tiny_folder(t, remote_code=True))],
     "it is not run unless you pass --trust-remote-code"),
    ("empty corpus folder", lambda t: ["--dataset", str((t / "empty").resolve())], "no text files"),
    ("empty corpus file", lambda t: ["--dataset", str(_text(t, "c/empty.txt", b"  \n"))], "holds no text"),
    ("non-UTF-8 corpus", lambda t: ["--dataset", str(_text(t, "c/latin1.txt", "café".encode("latin-1")))],
     "is not valid UTF-8"),
    ("NUL bytes", lambda t: ["--dataset", str(_text(t, "c/zeros.txt", b"\0" * 256))],
     "zeros.txt holds NUL bytes, so it is binary"),
    ("fewer documents than a claim needs", lambda t: ["--dataset", str(_text(t, "c/few.txt", b"One.\n\nTwo."))],
     "model.beats_unigram needs at least 65 documents at --claims-profile smoke"),
    ("prompts shorter than a claim needs", lambda t: ["--dataset", str(_short_folder(t))],
     "no document has the"),
    ("CUDA requested without a GPU", lambda t: ["--device", "cuda"], "no GPU is visible"),
]
USAGE_ERRORS = [
    ("unknown profile", ["--claims-profile", "huge"], "unknown --claims-profile 'huge'"),
    ("unknown device", ["--device", "tpu"], "unknown --device 'tpu'"),
]


@pytest.mark.parametrize("make_args, message", [pytest.param(a, m, id=i) for i, a, m in BAD_INPUTS])
def test_bad_input_gives_one_clear_line_and_a_report(run_suite, tmp_path, make_args, message):
    """The claim is an error whose reason is the message; no traceback; the report is written."""
    if message == "no GPU is visible" and torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    (tmp_path / "empty").mkdir()
    run = run_suite("claims/test_sanity.py", "--claims-profile", "smoke", "-n", "0", *make_args(tmp_path))
    assert run.returncode == 1, run.output[-2000:]
    assert message in run.output, run.output[-2000:]
    assert "Traceback" not in run.output
    (record,) = run.claims("model.beats_unigram")
    assert record["verdict"] == "error" and message in record["reason"]


@pytest.mark.parametrize("args, message", [pytest.param(a, m, id=i) for i, a, m in USAGE_ERRORS])
def test_bad_option_is_refused_before_anything_runs(run_suite, args, message):
    """An unknown option value stops pytest at start-up with one line (usage error, exit 4)."""
    run = run_suite("claims/test_sanity.py", *args)
    assert run.returncode == 4 and message in run.output and "Traceback" not in run.output


def test_other_claims_still_run_when_the_model_fails(run_suite):
    """A model that cannot load errors its claims; the toy claim still runs and is reported."""
    run = run_suite("claims/test_sanity.py", "claims/test_toy_superposition.py", "-n", "0",
                    "--claims-profile", "smoke", "--model", "not-a-real-model", "-k", "unigram or 0.9")
    verdicts = {c["id"]: c["verdict"] for c in run.report["claims"]}
    assert verdicts["model.beats_unigram"] == "error"
    assert verdicts["toy.superposition_when_sparse"] in ("holds", "contradicted", "inconclusive")
