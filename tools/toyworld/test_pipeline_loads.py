"""The shipped Toy World folder loads in diffusers' StableDiffusionPipeline and samples.

Usage: .venv/bin/python tools/toyworld/test_pipeline_loads.py [MODEL_DIR]   (default models/toy)
Exits non-zero when loading fails, the components are not the expected fp16 classes, the
scheduler is not the zero-terminal-SNR v-prediction DDIM config, or 2 sampling steps give
anything but a finite 32x32 RGB image.
"""

import sys
from pathlib import Path

import numpy as np
import torch
from diffusers import DDIMScheduler, StableDiffusionPipeline

REPO = Path(__file__).resolve().parents[2]


def main():
    model = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "models/toy"
    torch.set_num_threads(2)
    pipe = StableDiffusionPipeline.from_pretrained(str(model), torch_dtype=torch.float32, local_files_only=True)
    sched = pipe.scheduler
    assert isinstance(sched, DDIMScheduler), type(sched)
    cfg = sched.config
    assert cfg.prediction_type == "v_prediction" and cfg.rescale_betas_zero_snr and not cfg.clip_sample, cfg
    assert cfg.timestep_spacing == "trailing", cfg.timestep_spacing
    assert pipe.safety_checker is None and pipe.feature_extractor is None
    size = sum(f.stat().st_size for f in model.rglob("*.safetensors"))
    assert size < 30 * 2**20, f"weights {size} bytes, over 30 MiB"
    from safetensors import safe_open
    for f in model.rglob("*.safetensors"):
        with safe_open(str(f), "pt") as st:
            dtypes = {st.get_slice(k).get_dtype() for k in st.keys()}
        assert dtypes == {"F16"}, f"{f}: dtypes {dtypes}, expected F16 only"
    out = pipe("a large red circle on a white background", num_inference_steps=2, guidance_scale=5.0,
               generator=torch.Generator().manual_seed(0), output_type="np").images
    assert out.shape == (1, 32, 32, 3), out.shape
    assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1
    print(f"ok: {model} loads in StableDiffusionPipeline ({size / 2**20:.1f} MiB fp16), 2 steps -> {out.shape}")


if __name__ == "__main__":
    main()
