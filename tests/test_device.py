"""`--device`: how workers are spread over GPUs, tested without a GPU (cuda_count is given)."""

from __future__ import annotations

import os

import pytest
import torch

from lmclaims.errors import UserInputError
from lmclaims.models.device import choose_device, cpu_threads, worker_index


def test_auto_without_a_gpu_is_the_cpu():
    assert choose_device("auto", "gw3", cuda_count=0) == torch.device("cpu")
    assert choose_device("auto", None, cuda_count=0) == torch.device("cpu")


def test_auto_spreads_workers_over_the_gpus_round_robin():
    got = [choose_device("auto", f"gw{k}", cuda_count=4) for k in range(6)]
    assert [str(d) for d in got] == ["cuda:0", "cuda:1", "cuda:2", "cuda:3", "cuda:0", "cuda:1"]


@pytest.mark.parametrize("worker_id", [None, "master", ""])
def test_auto_without_xdist_uses_the_first_gpu(worker_id):
    assert choose_device("auto", worker_id, cuda_count=2) == torch.device("cuda:0")


def test_worker_index():
    assert [worker_index(w) for w in ("gw0", "gw12", "master", None)] == [0, 12, 0, 0]


def test_cuda_is_gpu_zero_for_every_worker():
    assert choose_device("cuda", "gw5", cuda_count=2) == torch.device("cuda:0")
    assert choose_device("cuda:1", "gw0", cuda_count=2) == torch.device("cuda:1")


def test_cuda_without_a_gpu_says_what_to_do():
    with pytest.raises(UserInputError, match=r"--device cuda asked for CUDA, but no GPU is visible; "
                                             r"use --device cpu \(or auto\)"):
        choose_device("cuda", "gw0", cuda_count=0)


def test_a_gpu_index_beyond_those_visible():
    with pytest.raises(UserInputError, match=r"--device cuda:3: only 2 GPU\(s\) visible \(cuda:0..cuda:1\)"):
        choose_device("cuda:3", None, cuda_count=2)


def test_cpu_is_the_cpu_whatever_the_gpus():
    assert choose_device("cpu", "gw1", cuda_count=4) == torch.device("cpu")


def test_cpu_threads_split_the_cores():
    assert cpu_threads(4, cores=2) == 1
    assert cpu_threads(1, cores=2) == 2
    assert cpu_threads(2, cores=16) == 8
    assert cpu_threads(0, cores=4) == 4


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="Linux only")
def test_cpu_threads_counts_the_cores_this_process_may_use():
    assert cpu_threads(1) == len(os.sched_getaffinity(0))


def test_cpu_threads_honours_cores_where_affinity_is_unknown(monkeypatch):
    """macOS and Windows have no os.sched_getaffinity; the cores argument must still count."""
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert cpu_threads(4, cores=2) == 1
    assert cpu_threads(4) == 16
