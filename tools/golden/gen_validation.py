"""Golden runs for the validation tools: steering during sampling, and image conditioning.

Uses the tiny SD 1.5-like folder gen_pipelines.py writes (tests/golden/pipelines/sd15, loaded
with its load() and FixedTokenizer), so it must run after it (make_all runs gen_*.py in name
order).

Steering: StableDiffusionPipeline with DDIM, CFG 7.5, 4 steps, three items (prompt row, seed,
alpha), alpha 0 among them; a forward hook on unet.mid_block returns output + alpha_i * d for
the steered CFG halves (both, or the conditional one) at the steered steps, and a second hook
after it records what the up path sees, both halves. Three runs: d of one item's h shape
[C, H', W'] at steps 1 and 2, both halves; d of C values broadcast over positions at every step,
both halves; and the first run's setting on the conditional half only.

Conditioning: three fixed 16x16 images, VAE-encoded (latent_dist.mean x scaling_factor), then
(a) noise: DDIMScheduler / EulerDiscreteScheduler add_noise at step k with
torch.Generator("cpu").manual_seed(seed) noise [1, C, h, w] per image, scale_model_input, or
(b) invert: DDIMInverseScheduler from the same config, the U-Net conditional only, up to the
timestep of step k; then one U-Net pass at that timestep whose mid-block output is h.

Written: tests/golden/validation/golden.safetensors and settings.json.
"""
import torch
from diffusers import DDIMInverseScheduler, DDIMScheduler, EulerDiscreteScheduler

from common import GOLDEN, out_dir, save_json, save_tensors, seed_all
from gen_pipelines import GUIDANCE, LENGTH, PROMPTS, STEPS, load

ITEM_PROMPTS = [0, 0, 1]
ITEM_SEEDS = [7, 7, 1234]
# name -> (alphas per item, steered steps (None: all), direction per channel only, steered branch)
STEER_RUNS = {
    "steer_full": ([0.0, 3.0, -2.0], [1, 2], False, "both"),
    "steer_channel": ([0.0, 1.5, 4.0], None, True, "both"),
    "steer_cond": ([0.0, 3.0, -2.0], [1, 2], False, "cond"),
}
SIZE = 16
CONDITION_SEEDS = [7, 1234, 99]
CONDITION_STEP = 2
# name -> (mode, scheduler name as the engine takes it, diffusers class)
CONDITION_RUNS = {
    "noise_ddim": ("noise", "ddim", DDIMScheduler),
    "noise_euler": ("noise", "euler", EulerDiscreteScheduler),
    "invert": ("invert", "ddim", DDIMInverseScheduler),
}


def steer(pipe, prompt_ids, direction, alphas, steps, branch="both"):
    """One pipeline call over the items; h (what the up path saw) of the conditional and the
    unconditional half, each [N, STEPS, C, h, w], and the images."""
    n = len(ITEM_PROMPTS)
    call = {"step": 0}
    cond_shift = torch.tensor(alphas, dtype=torch.float32).view(-1, 1, 1, 1) * direction
    uncond_shift = cond_shift if branch == "both" else torch.zeros_like(cond_shift)
    shift = torch.cat([uncond_shift, cond_shift])  # the pipeline batches [uncond; cond]
    captured = []

    def add(module, args, output):
        steered = steps is None or call["step"] in steps
        call["step"] += 1
        return output + shift if steered else output

    def record(module, args, output):
        captured.append(output.clone())

    hooks = [pipe.unet.mid_block.register_forward_hook(add), pipe.unet.mid_block.register_forward_hook(record)]
    generators = [torch.Generator("cpu").manual_seed(s) for s in ITEM_SEEDS]
    with torch.no_grad():
        images = pipe([PROMPTS[p] for p in ITEM_PROMPTS], num_inference_steps=STEPS, guidance_scale=GUIDANCE,
                      width=SIZE, height=SIZE, generator=generators, output_type="pt").images
    for hook in hooks:
        hook.remove()
    assert len(captured) == STEPS and captured[0].shape[0] == 2 * n
    h = torch.stack(captured, 1)
    return h[n:], h[:n], images


def fixed_images() -> torch.Tensor:
    """Three 16x16 RGB images in [0, 1]: a gradient, a disc, seeded noise."""
    y, x = torch.meshgrid(torch.linspace(0, 1, SIZE), torch.linspace(0, 1, SIZE), indexing="ij")
    gradient = torch.stack([x, y, 1 - x * y])
    disc = ((x - 0.5) ** 2 + (y - 0.4) ** 2 < 0.1).float()
    disc = torch.stack([disc, 0.2 + 0.5 * disc, 1 - disc])
    generator = torch.Generator("cpu").manual_seed(5)
    noise = torch.rand(3, SIZE, SIZE, generator=generator)
    return torch.stack([gradient, disc, noise]).contiguous()


def condition(pipe, images, prompt_ids, mode, scheduler_class):
    """h [N, C, h, w] of each image at step CONDITION_STEP, and that timestep [1]."""
    context = pipe.text_encoder(prompt_ids)[0].expand(images.shape[0], -1, -1)
    vae = pipe.vae
    with torch.no_grad():
        latents = vae.encode(images * 2 - 1).latent_dist.mean * vae.config.scaling_factor
        if mode == "noise":
            scheduler = scheduler_class.from_config(pipe.scheduler.config)
            scheduler.set_timesteps(STEPS)
            t = scheduler.timesteps[CONDITION_STEP]
            noise = torch.cat([torch.randn((1, *latents.shape[1:]), generator=torch.Generator("cpu").manual_seed(s))
                               for s in CONDITION_SEEDS])
            latents = scheduler.add_noise(latents, noise, t.reshape(1))
            latents = scheduler.scale_model_input(latents, t)
        else:
            inverse = DDIMInverseScheduler.from_config(pipe.scheduler.config)
            inverse.set_timesteps(STEPS)
            count = STEPS - CONDITION_STEP
            for tj in inverse.timesteps[:count]:
                noise_pred = pipe.unet(latents, tj, encoder_hidden_states=context).sample
                latents = inverse.step(noise_pred, tj, latents).prev_sample
            t = inverse.timesteps[count - 1]
        captured = []
        hook = pipe.unet.mid_block.register_forward_hook(lambda m, a, o: captured.append(o.clone()))
        pipe.unet(latents, t, encoder_hidden_states=context)
        hook.remove()
    return captured[0], t.to(torch.float32).reshape(1)


def main() -> None:
    seed_all(6000)
    pipe = load("sd15", GOLDEN / "pipelines" / "sd15")
    pipe.scheduler = DDIMScheduler.from_config(pipe.scheduler.config)
    tok = pipe.tokenizer
    prompt_ids = tok(PROMPTS, padding="max_length", max_length=LENGTH).input_ids
    tensors = {"prompt_ids": prompt_ids, "negative_ids": tok([""], padding="max_length", max_length=LENGTH).input_ids}
    mid_channels = pipe.unet.config.block_out_channels[-1]
    mid_size = SIZE // pipe.vae_scale_factor // 2 ** (len(pipe.unet.config.block_out_channels) - 1)
    settings = {"prompts": PROMPTS, "item_prompts": ITEM_PROMPTS, "item_seeds": ITEM_SEEDS, "steps": STEPS,
                "guidance": GUIDANCE, "width": SIZE, "height": SIZE, "scheduler": "ddim", "token_length": LENGTH,
                "steer_runs": [], "condition_runs": [], "condition_seeds": CONDITION_SEEDS,
                "condition_step": CONDITION_STEP, "condition_prompt": 0}
    for name, (alphas, steps, per_channel, branch) in STEER_RUNS.items():
        shape = (1, mid_channels, 1, 1) if per_channel else (1, mid_channels, mid_size, mid_size)
        direction = torch.randn(shape)
        h, h_uncond, images = steer(pipe, prompt_ids, direction, alphas, steps, branch)
        tensors[f"{name}.direction"] = direction.flatten()
        tensors[f"{name}.h"] = h
        tensors[f"{name}.h_uncond"] = h_uncond
        tensors[f"{name}.images"] = images
        settings["steer_runs"].append({"name": name, "alphas": alphas, "steps": steps, "branch": branch})
        print(f"{name}: h {tuple(h.shape)} images {tuple(images.shape)}")
    # Alpha 0 must leave the item as the unsteered pipeline makes it (item 0 vs. a plain run).
    plain, _, plain_images = steer(pipe, prompt_ids, torch.zeros(1), [0.0] * len(ITEM_PROMPTS), [])
    assert torch.equal(plain[0], tensors["steer_full.h"][0]) and torch.equal(plain_images[0], tensors["steer_full.images"][0])

    images = fixed_images()
    tensors["condition.images"] = images
    for name, (mode, engine_scheduler, scheduler_class) in CONDITION_RUNS.items():
        h, t = condition(pipe, images, prompt_ids[:1], mode, scheduler_class)
        tensors[f"{name}.h"] = h
        tensors[f"{name}.timesteps"] = t
        settings["condition_runs"].append({"name": name, "mode": mode, "scheduler": engine_scheduler})
        print(f"{name}: h {tuple(h.shape)} t {t.tolist()}")
    folder = out_dir("validation")
    save_tensors(folder / "golden.safetensors", tensors)
    save_json(folder / "settings.json", settings)
    print(f"validation: {(folder / 'golden.safetensors').stat().st_size / 1e3:.0f} KB")


if __name__ == "__main__":
    main()
