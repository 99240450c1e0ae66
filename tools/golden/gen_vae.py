"""Golden vectors for the native AutoencoderKL.

Small random-initialised diffusers VAEs with the config fields of the SD 1.5 VAE, the SDXL VAE and
an SD3-style VAE (shift_factor, 16 latent channels, no quant convs), and one whose weights carry
the mid-block attention names of VAE files saved before diffusers 0.14 (query, key, value,
proj_attn, as SD 1.5's own VAE does, renamed by diffusers on load), saved as diffusers folders
under tests/golden/vae/<name>/ next to golden.safetensors: an image, its latent distribution
(mean, clamped logvar), a sample drawn with a fixed noise tensor, and a decoded latent.
"""
import torch
from diffusers import AutoencoderKL

from safetensors.torch import load_file, save_file

from common import max_relative_error, out_dir, save_json, save_tensors, seed_all

COMMON = dict(
    in_channels=3,
    out_channels=3,
    down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
    up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
    block_out_channels=(16, 32),
    layers_per_block=1,
    norm_num_groups=4,
    sample_size=16,
)

CONFIGS = {
    "sd15": dict(COMMON, latent_channels=4, scaling_factor=0.18215),
    "sdxl": dict(COMMON, latent_channels=4, scaling_factor=0.13025, force_upcast=True),
    "sd3": dict(COMMON, latent_channels=16, scaling_factor=1.5305, shift_factor=0.0609,
                use_quant_conv=False, use_post_quant_conv=False),
    "legacy_names": dict(COMMON, block_out_channels=(8, 16), latent_channels=4, scaling_factor=0.18215),
}
LEGACY = {"to_q": "query", "to_k": "key", "to_v": "value", "to_out.0": "proj_attn"}


def rename_to_legacy(weights_file) -> None:
    tensors = load_file(str(weights_file))
    renamed = {}
    for key, value in tensors.items():
        for new, old in LEGACY.items():
            if ".mid_block.attentions.0." + new + "." in key:
                key = key.replace(".attentions.0." + new + ".", ".attentions.0." + old + ".")
        renamed[key] = value
    save_file(renamed, str(weights_file), metadata={"format": "pt"})


def main() -> None:
    root = out_dir("vae")
    for index, (name, config) in enumerate(CONFIGS.items()):
        seed_all(2000 + index)
        vae = AutoencoderKL(**config).eval()
        folder = root / name
        vae.save_pretrained(folder, safe_serialization=True)
        if name == "legacy_names":
            rename_to_legacy(folder / "diffusion_pytorch_model.safetensors")
        image = torch.rand(2, 3, 16, 16) * 2 - 1
        latent_shape = (2, config["latent_channels"], 8, 8)
        noise = torch.randn(latent_shape)
        latents = torch.randn(latent_shape)
        with torch.no_grad():
            dist = vae.encode(image).latent_dist
            sample = dist.mean + dist.std * noise  # DiagonalGaussianDistribution.sample with this noise
            decoded = vae.decode(latents).sample
        reloaded = AutoencoderKL.from_pretrained(folder).eval()
        with torch.no_grad():
            assert max_relative_error(reloaded.decode(latents).sample, decoded) == 0.0, name
        save_tensors(folder / "golden.safetensors", {
            "image": image, "mean": dist.mean, "logvar": dist.logvar, "noise": noise, "sample": sample,
            "latents": latents, "decoded": decoded,
        })
        print(f"{name}: latent {tuple(dist.mean.shape)} decoded {tuple(decoded.shape)} "
              f"params {sum(p.numel() for p in vae.parameters())}")
    save_json(root / "README.json", {"configs": sorted(CONFIGS), "note": "made by tools/golden/gen_vae.py"})


if __name__ == "__main__":
    main()
