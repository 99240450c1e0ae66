"""The upper bound of h-space steering on a model: sample FROM PROMPT while the mid-block output
of every step is replaced by what TO PROMPT gives on the same latent (an oracle direction, exact
per seed and step), and see how often the images take on the target. The same swap of the
other two routes into the U-Net's up path (the skip connections, the up blocks' cross-attention
to the text) tells which route carries the attribute instead.

Usage: transplant_h.py MODEL "FROM PROMPT" "TO PROMPT" OUT [--seeds 24] [--steps 10] [--guidance 3]

Writes folders of images, to read with `hspace toyworld read OUT/NAME`:
  from/        FROM PROMPT sampled plainly
  to/          TO PROMPT sampled plainly (what full adherence looks like)
  h/           FROM PROMPT with the conditional branch's h replaced by TO PROMPT's h on the same
               latent, and the unconditional branch's h moved by the same difference (as steering
               moves both branches); the skips and the up path's text still come from FROM PROMPT.
  h_cond/      the conditional branch's h replaced, the unconditional branch's left alone
  skips/       the conditional branch's skip connections taken from TO PROMPT instead
  text/        the up blocks' cross-attention reading TO PROMPT instead
  h_text/      h and the up blocks' text both from TO PROMPT (only the skips from FROM PROMPT)
If h/ leaves the images as FROM PROMPT makes them, no direction in h can steer that attribute
on this model: the up path takes it from the other routes.
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
    p.add_argument("--seeds", type=int, default=24)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--guidance", type=float, default=3.0)
    args = p.parse_args()
    torch.set_num_threads(1)
    pipe = StableDiffusionPipeline.from_pretrained(args.model, torch_dtype=torch.float32, safety_checker=None,
                                                   requires_safety_checker=False)
    unet, scheduler = pipe.unet, pipe.scheduler
    n = args.seeds

    def embed(text):
        ids = pipe.tokenizer([text], padding="max_length", max_length=pipe.tokenizer.model_max_length,
                             return_tensors="pt").input_ids
        return pipe.text_encoder(ids)[0].expand(n, -1, -1)

    state = {"swap": ()}

    def swap_h(module, inputs, output):
        uncond, source, target = output.chunk(3)
        if "h" in state["swap"]:
            return torch.cat([uncond + (target - source), target, target])
        if "h_cond" in state["swap"]:
            return torch.cat([uncond, target, target])
        return None

    def swap_up_inputs(module, args, kwargs):
        if "skips" in state["swap"]:
            kwargs["res_hidden_states_tuple"] = tuple(
                torch.cat([r.chunk(3)[0], r.chunk(3)[2], r.chunk(3)[2]]) for r in kwargs["res_hidden_states_tuple"])
        if "text" in state["swap"] and kwargs.get("encoder_hidden_states") is not None:
            e = kwargs["encoder_hidden_states"].chunk(3)
            kwargs["encoder_hidden_states"] = torch.cat([e[0], e[2], e[2]])
        return args, kwargs

    unet.mid_block.register_forward_hook(swap_h)
    for block in unet.up_blocks:
        block.register_forward_pre_hook(swap_up_inputs, with_kwargs=True)

    @torch.no_grad()
    def sample(prompt, swap):
        state["swap"] = swap
        empty, cond, target = embed(""), embed(prompt), embed(args.target)
        shape = (unet.config.in_channels, unet.config.sample_size, unet.config.sample_size)
        x = torch.stack([torch.randn(shape, generator=torch.Generator().manual_seed(s)) for s in range(n)])
        scheduler.set_timesteps(args.steps)
        x = x * scheduler.init_noise_sigma
        for t in scheduler.timesteps:
            xin = scheduler.scale_model_input(x, t)
            out = unet(torch.cat([xin] * 3), t, encoder_hidden_states=torch.cat([empty, cond, target])).sample
            uncond_out, cond_out, _ = out.chunk(3)
            x = scheduler.step(uncond_out + args.guidance * (cond_out - uncond_out), t, x).prev_sample
        return pipe.image_processor.postprocess(pipe.vae.decode(x / pipe.vae.config.scaling_factor).sample)

    for name, prompt, swap in (("from", args.source, ()), ("to", args.target, ()), ("h", args.source, ("h",)),
                               ("h_cond", args.source, ("h_cond",)),
                               ("skips", args.source, ("skips",)), ("text", args.source, ("text",)),
                               ("h_text", args.source, ("h", "text"))):
        folder = args.out / name
        folder.mkdir(parents=True, exist_ok=True)
        for s, image in enumerate(sample(prompt, swap)):
            image.save(folder / f"s{s:03d}.png")
        print(f"wrote {n} images to {folder}")


if __name__ == "__main__":
    main()
