"""Samples Toy World prompts from a diffusers folder (or a training checkpoint) for scoring.

Writes OUT/NNNNNN.png and OUT/prompts.jsonl ({"file", "prompt"} per image), the input of
`hspace toyworld score --priors FILE --samples OUT` (the Java reader + quality gates).

Prompt set: every fully specified tuple (216) --full-seeds times, and for the left-out
gates "a {shape}" for each shape (color and size given the shape, background through the
color) and "a {color} shape" for each color (shape and background given the color),
--leftout-seeds times each.
"""

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import torch
from diffusers import DDIMScheduler, StableDiffusionPipeline

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train  # noqa: E402  (model builders and checkpoint format)

SHAPES = ["circle", "square", "triangle", "star", "cross", "ring"]
COLORS = ["red", "green", "blue", "yellow", "purple", "orange"]
SIZES = ["small", "large"]
BACKGROUNDS = ["white", "black", "gray"]


def prompts(full_seeds, leftout_seeds):
    out = []
    for size, color, shape, bg in itertools.product(SIZES, COLORS, SHAPES, BACKGROUNDS):
        out += [f"a {size} {color} {shape} on a {bg} background"] * full_seeds
    for shape in SHAPES:
        out += [f"a {shape}"] * leftout_seeds
    for color in COLORS:
        out += [f"a {color} shape"] * leftout_seeds
    return out


def load(args):
    if args.checkpoint is None:
        return StableDiffusionPipeline.from_pretrained(str(args.model), torch_dtype=torch.float32, local_files_only=True)
    t, _ = train.load_checkpoint(args.checkpoint / "unet.safetensors")
    v, _ = train.load_checkpoint(args.checkpoint / "vae.safetensors")
    vae_state = train.unpack("model", v)
    if (args.checkpoint / "decoder.safetensors").exists():
        d, _ = train.load_checkpoint(args.checkpoint / "decoder.safetensors")
        vae_state.update(train.unpack("model", d))
    _, meta = train.load_checkpoint(args.checkpoint / "latents.safetensors")
    return train.build_pipeline(vae_state, train.unpack("ema_unet", t), train.unpack("ema_text", t),
                                meta["scaling_factor"], args.tokenizer)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", type=Path, default=train.REPO / "models/toy")
    p.add_argument("--checkpoint", type=Path, help="a --work folder of train.py: sample its latest EMA weights")
    p.add_argument("--tokenizer", type=Path, default=train.REPO / "models/toy/tokenizer")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--full-seeds", type=int, default=1)
    p.add_argument("--leftout-seeds", type=int, default=100)
    p.add_argument("--steps", type=int, default=25)
    p.add_argument("--guidance", type=float, default=5.0)
    p.add_argument("--guidance-rescale", type=float, default=0.0)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    pipe = load(args)
    pipe.set_progress_bar_config(disable=True)
    all_prompts = prompts(args.full_seeds, args.leftout_seeds)
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    with open(args.out / "prompts.jsonl", "w") as manifest:
        for start in range(0, len(all_prompts), args.batch):
            batch = all_prompts[start:start + args.batch]
            gens = [torch.Generator().manual_seed(start + i) for i in range(len(batch))]
            images = pipe(batch, num_inference_steps=args.steps, guidance_scale=args.guidance,
                          guidance_rescale=args.guidance_rescale, generator=gens).images
            for i, (prompt, img) in enumerate(zip(batch, images)):
                name = f"{start + i:06d}.png"
                img.save(args.out / name)
                manifest.write(json.dumps({"file": name, "prompt": prompt}) + "\n")
            print(f"{start + len(batch)}/{len(all_prompts)} images, {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
