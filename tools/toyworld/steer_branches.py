"""Steers a diffusers model's mid-block output in both classifier-free-guidance branches or in
the conditional branch alone, to tell whether guidance is what keeps h-space steering weak.

Usage: steer_branches.py MODEL "FROM PROMPT" "TO PROMPT" OUT [--seeds 12] [--steps 10]
       [--guidance 3] [--alphas 0,0.5,1,2,4]
The direction is taken per step, d_t = mean h_t(TO) - mean h_t(FROM) over the seeds (conditional
branch), rescaled to the mean norm of h_t(FROM); alpha * d_t is added at every step. Writes
OUT/{both,cond}_a{alpha}/s{seed}.png; read them with `hspace toyworld read OUT/cond_a4`.
"""

import argparse
from pathlib import Path

import torch
from diffusers import StableDiffusionPipeline


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("source")
    p.add_argument("target")
    p.add_argument("out", type=Path)
    p.add_argument("--seeds", type=int, default=12)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--guidance", type=float, default=3.0)
    p.add_argument("--alphas", default="0,0.5,1,2,4")
    args = p.parse_args()
    pipe = StableDiffusionPipeline.from_pretrained(args.model, torch_dtype=torch.float32, safety_checker=None,
                                                   requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    size = pipe.unet.config.sample_size * pipe.vae_scale_factor
    seeds = list(range(args.seeds))
    hook_state = {"captured": [], "shift": None, "branch": None}

    def hook(module, inputs, output):
        step = len(hook_state["captured"])
        hook_state["captured"].append(output[output.shape[0] // 2:].detach().clone())  # conditional half
        if hook_state["shift"] is None:
            return None
        shifted = output.clone()
        rows = slice(None) if hook_state["branch"] == "both" else slice(output.shape[0] // 2, None)
        shifted[rows] += hook_state["shift"][step]
        return shifted

    pipe.unet.mid_block.register_forward_hook(hook)

    def sample(prompt, shift=None, branch=None):
        hook_state.update(captured=[], shift=shift, branch=branch)
        images = pipe([prompt] * len(seeds), num_inference_steps=args.steps, guidance_scale=args.guidance,
                      generator=[torch.Generator().manual_seed(s) for s in seeds], height=size, width=size).images
        return images, torch.stack(hook_state["captured"])  # [steps, seeds, C, H, W]

    _, h_from = sample(args.source)
    _, h_to = sample(args.target)
    d = h_to.mean(1) - h_from.mean(1)                                                   # [steps, C, H, W]
    norm = h_from.flatten(2).norm(dim=2).mean(1)                                        # [steps]
    d = d / d.flatten(1).norm(dim=1).view(-1, 1, 1, 1) * norm.view(-1, 1, 1, 1)
    for branch in ("both", "cond"):
        for alpha in (float(a) for a in args.alphas.split(",")):
            images, _ = sample(args.source, alpha * d, branch)
            folder = args.out / f"{branch}_a{alpha:g}"
            folder.mkdir(parents=True, exist_ok=True)
            for s, image in zip(seeds, images):
                image.save(folder / f"s{s}.png")
    print(f"images in {args.out}/{{both,cond}}_a*")


if __name__ == "__main__":
    main()
