"""A full-size SD 1.5 architecture with random weights, as a diffusers folder, for benchmarks.

    .venv/bin/python tools/bench/random_pipeline.py [--out .cache/bench/sd15]

U-Net from the SD 1.5 config fields (tools/golden/full_size_parity.py), the ViT-L/14 text tower
and the SD 1.5 VAE, all seeded and saved as fp16 safetensors (about 2.1 GB); the tokenizer is the
real CLIP BPE in models/toy/tokenizer; the scheduler is SD 1.5's DDIM configuration. Weights
are random, so images are noise, but every forward costs what the real model's does.
"""
import argparse
import sys
import time
from pathlib import Path

import torch
from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools" / "golden"))
from full_size_parity import SD15  # noqa: E402

TEXT = dict(vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
            num_attention_heads=12, max_position_embeddings=77, hidden_act="quick_gelu", projection_dim=768)
VAE = dict(in_channels=3, out_channels=3, latent_channels=4, layers_per_block=2, sample_size=512,
           block_out_channels=(128, 256, 512, 512), norm_num_groups=32,
           down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4)
SCHEDULER = dict(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                 clip_sample=False, set_alpha_to_one=False, steps_offset=1, prediction_type="epsilon",
                 timestep_spacing="leading")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=REPO / ".cache" / "bench" / "sd15")
    args = ap.parse_args()
    if (args.out / "model_index.json").exists():
        print(f"{args.out} exists; delete it to rebuild")
        return
    start = time.time()
    torch.manual_seed(1500)
    pipe = StableDiffusionPipeline(
        vae=AutoencoderKL(**VAE, scaling_factor=0.18215), text_encoder=CLIPTextModel(CLIPTextConfig(**TEXT)),
        tokenizer=CLIPTokenizer.from_pretrained(REPO / "models" / "toy" / "tokenizer"),
        unet=UNet2DConditionModel(**SD15), scheduler=DDIMScheduler(**SCHEDULER),
        safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    pipe.to(torch.float16).save_pretrained(args.out, safe_serialization=True)
    print(f"random SD 1.5 architecture in {args.out} ({time.time() - start:.0f} s)")


if __name__ == "__main__":
    main()
