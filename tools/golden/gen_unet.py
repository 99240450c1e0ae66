"""Golden vectors for the native UNet2DConditionModel.

Small random-initialised diffusers U-Nets with the config fields of SD 1.5, SD 2.1, SDXL base and
LCM SD 1.5 (narrow channels, one layer per block), saved as diffusers folders under
tests/golden/unet/<name>/ next to golden.safetensors: fixed inputs (latents, timestep,
encoder_hidden_states, added conditioning), the U-Net output and the mid-block output captured
with a forward hook on unet.mid_block, the way an h-space study would capture it with diffusers.
"""
import torch
from diffusers import UNet2DConditionModel

from common import max_relative_error, out_dir, save_json, save_tensors, seed_all

COMMON = dict(
    sample_size=8,
    in_channels=4,
    out_channels=4,
    block_out_channels=(16, 32),
    layers_per_block=1,
    norm_num_groups=4,
    cross_attention_dim=16,
)

CONFIGS = {
    # SD 1.5: conv projections, attention_head_dim an int that really counts heads.
    "sd15": dict(
        COMMON,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        attention_head_dim=4,
    ),
    # SD 2.1 (and SD-Turbo): linear projections, per-block head counts, upcast_attention.
    "sd21": dict(
        COMMON,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        attention_head_dim=[2, 4],
        use_linear_projection=True,
        upcast_attention=True,
    ),
    # SDXL base: plain first block, 2 transformer layers deeper down (and in the mid-block),
    # text_time addition embedding from pooled text embeds (16) and 6 time ids x 8 = 64.
    "sdxl": dict(
        COMMON,
        block_out_channels=(16, 24),
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=[2, 4],
        use_linear_projection=True,
        transformer_layers_per_block=[1, 2],
        addition_embed_type="text_time",
        addition_time_embed_dim=8,
        projection_class_embeddings_input_dim=16 + 6 * 8,
    ),
    # LCM-distilled SD 1.5: guidance embedding through time_embedding.cond_proj.
    "lcm_sd15": dict(
        COMMON,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        attention_head_dim=4,
        time_cond_proj_dim=16,
    ),
}


def make_inputs(name: str, config: dict) -> dict:
    batch, seq = 2, 7
    inputs = {
        "latents": torch.randn(batch, config["in_channels"], 8, 8),
        "encoder_hidden_states": torch.randn(batch, seq, config["cross_attention_dim"]),
    }
    if name == "sdxl":
        # Euler-style fractional timesteps, one per batch item.
        inputs["timestep"] = torch.tensor([999.0, 412.5])
        inputs["text_embeds"] = torch.randn(batch, 16)
        inputs["time_ids"] = torch.tensor([[64.0, 64.0, 0.0, 0.0, 64.0, 64.0], [48.0, 32.0, 4.0, 2.0, 64.0, 64.0]])
    elif name == "sd21":
        inputs["timestep"] = torch.tensor([981, 1], dtype=torch.int64)
    else:
        inputs["timestep"] = torch.tensor(761, dtype=torch.int64)  # a scalar, broadcast over the batch
    if name == "lcm_sd15":
        inputs["timestep_cond"] = torch.randn(batch, config["time_cond_proj_dim"])
    if name == "sd15":
        # A latent size no power of two divides: diffusers then passes the skip sizes to the
        # upsamplers (forward_upsample_size), which the engine must reproduce.
        inputs["latents_odd"] = torch.randn(batch, config["in_channels"], 9, 7)
    return inputs


def run(unet, inputs: dict, latents: torch.Tensor):
    captured = {}
    handle = unet.mid_block.register_forward_hook(lambda module, args, output: captured.update(mid=output))
    added = {k: inputs[k] for k in ("text_embeds", "time_ids") if k in inputs}
    with torch.no_grad():
        out = unet(latents, inputs["timestep"], inputs["encoder_hidden_states"],
                   timestep_cond=inputs.get("timestep_cond"),
                   added_cond_kwargs=added or None).sample
    handle.remove()
    return out, captured["mid"]


def main() -> None:
    root = out_dir("unet")
    for index, (name, config) in enumerate(CONFIGS.items()):
        seed_all(1000 + index)
        unet = UNet2DConditionModel(**config).eval()
        folder = root / name
        unet.save_pretrained(folder, safe_serialization=True)
        inputs = make_inputs(name, config)
        out, mid = run(unet, inputs, inputs["latents"])
        tensors = dict(inputs, out=out, mid=mid)
        if "latents_odd" in inputs:
            tensors["out_odd"], tensors["mid_odd"] = run(unet, inputs, inputs["latents_odd"])
        # Reloading the saved folder must reproduce the outputs: the files are what the engine reads.
        reloaded = UNet2DConditionModel.from_pretrained(folder).eval()
        again, _ = run(reloaded, inputs, inputs["latents"])
        assert max_relative_error(again, out) == 0.0, name
        save_tensors(folder / "golden.safetensors", tensors)
        print(f"{name}: out {tuple(out.shape)} mid {tuple(mid.shape)} "
              f"params {sum(p.numel() for p in unet.parameters())}")
    save_json(root / "README.json", {"configs": sorted(CONFIGS), "note": "made by tools/golden/gen_unet.py"})


if __name__ == "__main__":
    main()
