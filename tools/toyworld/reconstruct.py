"""Round-trips rendered Toy World images through a model's VAE, for scoring the VAE alone.

Usage: reconstruct.py --vae DIR_OR_WORK --data RENDER_DIR --out DIR
  --vae: a diffusers folder (its vae/ is used) or a train.py --work folder (vae.safetensors, decoder.safetensors).
  --data: output of `hspace toyworld render` (images/ + captions.jsonl).
Writes OUT/NNNNNN.png and OUT/prompts.jsonl with each image's fully specified true caption,
so `hspace toyworld score --samples OUT` gives the reader's accuracy on reconstructions: the
ceiling of the full model's adherence.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from diffusers import AutoencoderKL
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--vae", type=Path, required=True)
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args()
    torch.set_num_threads(2)
    if (args.vae / "vae.safetensors").exists():
        vae = train.make_vae()
        state = train.unpack("model", train.load_checkpoint(args.vae / "vae.safetensors")[0])
        if (args.vae / "decoder.safetensors").exists():
            state.update(train.unpack("model", train.load_checkpoint(args.vae / "decoder.safetensors")[0]))
        vae.load_state_dict(state)
    else:
        vae = AutoencoderKL.from_pretrained(str(args.vae / "vae"), torch_dtype=torch.float32)
    vae.eval()
    lines = [json.loads(l) for l in open(args.data / "captions.jsonl")]
    x = train.to_tensor(np.stack([np.asarray(Image.open(args.data / l["file"]).convert("RGB")) for l in lines]))
    with torch.no_grad():
        rec = vae.decode(vae.encode(x).latent_dist.mean).sample
    rec = ((rec.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "prompts.jsonl", "w") as f:
        for i, l in enumerate(lines):
            a = l["attributes"]
            Image.fromarray(rec[i]).save(args.out / f"{i:06d}.png")
            prompt = f"a {a['size']} {a['color']} {a['shape']} on a {a['background']} background"
            f.write(json.dumps({"file": f"{i:06d}.png", "prompt": prompt}) + "\n")
    print(f"{len(lines)} reconstructions in {args.out}, mse {np.mean((rec / 127.5 - 1 - x.permute(0, 2, 3, 1).numpy()) ** 2):.5f}")


if __name__ == "__main__":
    main()
