"""A tiny safetensors file written by the Python `safetensors` package, for the native reader.

Writes tests/golden/safetensors/mixed.safetensors (F32, F16, BF16, I64 tensors + metadata) and
mixed_expected.json: every tensor's dtype, shape and values (as float64 / int), so the C++
test checks the bytes it maps against what Python meant to store.
"""
import torch
from safetensors.torch import save_file

from common import out_dir, save_json, seed_all

seed_all(1234)
tensors = {
    "encoder.weight": torch.randn(3, 4, dtype=torch.float32),
    "encoder.bias": torch.randn(4, dtype=torch.float16),
    "decoder.proj.weight": (torch.randn(2, 3, 2) * 100).to(torch.bfloat16),
    "position_ids": torch.arange(-3, 5, dtype=torch.int64).reshape(1, 8) * 1_000_000_007,
    "scalar": torch.tensor(0.1, dtype=torch.float32),
}
metadata = {"format": "pt", "note": "hspace golden: tools/golden/gen_safetensors.py"}

folder = out_dir("safetensors")
save_file(tensors, str(folder / "mixed.safetensors"), metadata=metadata)
save_json(folder / "mixed_expected.json", {
    "metadata": metadata,
    "tensors": {
        name: {
            "dtype": {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}[t.dtype],
            "shape": list(t.shape),
            # float64 holds F32/F16/BF16 values exactly; ints stay ints.
            "values": t.flatten().tolist() if t.dtype == torch.int64 else t.double().flatten().tolist(),
        }
        for name, t in tensors.items()
    },
})
print("wrote", folder)
