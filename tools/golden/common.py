"""Shared plumbing for the golden-vector generators: fixed seeds, output folders, saving.

Every generator writes under tests/golden/<part>/ and is rerun by tools/golden/make_all.
Weights and tensors go to safetensors (never pickle), settings to JSON.
"""
import json
import os
import random
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden"


def seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def out_dir(part: str) -> Path:
    path = GOLDEN / part
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_tensors(path: Path, tensors: dict) -> None:
    """fp32/int64 contiguous tensors, keyed by name, plus the versions that made them."""
    clean = {k: v.detach().contiguous().cpu() for k, v in tensors.items()}
    save_file(clean, str(path), metadata=versions())


def save_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def versions() -> dict:
    import diffusers
    import transformers
    return {"torch": torch.__version__, "transformers": transformers.__version__,
            "diffusers": diffusers.__version__, "generator": os.path.basename(__file__)}


def max_relative_error(actual: torch.Tensor, expected: torch.Tensor) -> float:
    """The metric the engine's tests use: max |a - e| / max(|e|) over the tensor."""
    return float((actual - expected).abs().max() / expected.abs().max().clamp_min(1e-12))
