"""Benchmark-suite parity check (outside CI): full-size SD 1.5 and SDXL U-Nets.

Builds each architecture from its released config fields with random weights (diffusers, seeded),
rounds the weights to fp16 so the saved folder stays half the size, runs one fp32 forward at a
small latent size with a forward hook on unet.mid_block, and saves under .cache/full_size/<name>/:
config.json, diffusion_pytorch_model.safetensors (fp16 weights) and golden.safetensors (inputs,
output, mid-block). Then run the native check on each folder:

    .venv/bin/python tools/golden/full_size_parity.py [sd15|sdxl ...]
    /tmp/build-$BRANCH/parity_check .cache/full_size/sd15 .cache/full_size/sdxl

Memory: SDXL needs about 11 GB in fp32 on each side (run one side at a time).
"""
import sys
import time

import torch
from diffusers import UNet2DConditionModel

from common import REPO, save_tensors, seed_all

SD15 = dict(
    sample_size=64, in_channels=4, out_channels=4, layers_per_block=2,
    block_out_channels=(320, 640, 1280, 1280),
    down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
    up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
    cross_attention_dim=768, attention_head_dim=8, norm_num_groups=32,
)
SDXL = dict(
    sample_size=128, in_channels=4, out_channels=4, layers_per_block=2,
    block_out_channels=(320, 640, 1280),
    down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
    up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
    cross_attention_dim=2048, attention_head_dim=[5, 10, 20], transformer_layers_per_block=[1, 2, 10],
    use_linear_projection=True, addition_embed_type="text_time", addition_time_embed_dim=256,
    projection_class_embeddings_input_dim=2816, norm_num_groups=32,
)
CONFIGS = {"sd15": SD15, "sdxl": SDXL}
LATENT = 16  # 16x16 latents: 128x128 pixels


def build(name: str) -> None:
    start = time.time()
    seed_all(3000)
    config = CONFIGS[name]
    unet = UNet2DConditionModel(**config).eval().to(torch.float16)
    folder = REPO / ".cache" / "full_size" / name
    unet.save_pretrained(folder, safe_serialization=True)
    unet = unet.to(torch.float32)  # exactly the fp16 values the native side loads
    inputs = {
        "latents": torch.randn(1, 4, LATENT, LATENT),
        "timestep": torch.tensor([601], dtype=torch.int64),
        "encoder_hidden_states": torch.randn(1, 77, config["cross_attention_dim"]),
    }
    added = None
    if name == "sdxl":
        inputs["text_embeds"] = torch.randn(1, 1280)
        inputs["time_ids"] = torch.tensor([[1024.0, 1024.0, 0.0, 0.0, 1024.0, 1024.0]])
        added = {"text_embeds": inputs["text_embeds"], "time_ids": inputs["time_ids"]}
    captured = {}
    unet.mid_block.register_forward_hook(lambda module, args, output: captured.update(mid=output))
    with torch.no_grad():
        out = unet(inputs["latents"], inputs["timestep"], inputs["encoder_hidden_states"],
                   added_cond_kwargs=added).sample
    save_tensors(folder / "golden.safetensors", dict(inputs, out=out, mid=captured["mid"]))
    params = sum(p.numel() for p in unet.parameters())
    print(f"{name}: {params / 1e6:.0f}M parameters, output {tuple(out.shape)}, mid {tuple(captured['mid'].shape)}, "
          f"{time.time() - start:.0f} s -> {folder}")


def main() -> None:
    names = sys.argv[1:] or list(CONFIGS)
    for name in names:
        if name not in CONFIGS:
            sys.exit(f"unknown architecture {name!r}; choose from {', '.join(CONFIGS)}")
        build(name)


if __name__ == "__main__":
    main()
