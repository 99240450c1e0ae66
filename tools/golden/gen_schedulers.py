"""Golden timesteps, step outputs and initial noise for the native schedulers.

For each scheduler config below (as the pipelines ship them, plus the from_config overrides
users apply), writes tests/golden/schedulers/<name>.safetensors holding:
  alphas_cumprod, timesteps_<n> for several step counts (Euler also sigmas_<n>,
  init_noise_sigma_<n>), and a 4-step run on [2, 4, 8, 8] tensors: the initial sample drawn
  from per-item CPU generators (seeds 7 and 1234, as the pipelines do), model outputs
  model_output_<i> from a fixed generator, and scaled_<i>, prev_sample_<i>, pred_x0_<i>;
  add_noise_x0 / add_noise_noise / add_noise_<t>; for DDIM configs the DDIMInverseScheduler
  run inverse_*.
noise.safetensors holds initial latents for seeds 0, 1, 1234 ([1, 4, 8, 8]), a batch drawn
with a generator list, a half-precision draw and a larger latent.
manifest.json lists the configs, overrides and step counts.
"""
import copy

import torch
from diffusers import (DDIMInverseScheduler, DDIMScheduler, EulerDiscreteScheduler, LCMScheduler,
                       PNDMScheduler)
from diffusers.utils.torch_utils import randn_tensor

from common import out_dir, save_json, save_tensors

SD15 = {"_class_name": "PNDMScheduler", "_diffusers_version": "0.6.0", "beta_end": 0.012,
        "beta_schedule": "scaled_linear", "beta_start": 0.00085, "num_train_timesteps": 1000,
        "set_alpha_to_one": False, "skip_prk_steps": True, "steps_offset": 1, "trained_betas": None,
        "clip_sample": False}
SD21 = {"_class_name": "DDIMScheduler", "_diffusers_version": "0.8.0", "beta_end": 0.012,
        "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": False,
        "num_train_timesteps": 1000, "prediction_type": "v_prediction", "set_alpha_to_one": False,
        "skip_prk_steps": True, "steps_offset": 1, "trained_betas": None}
ZERO_SNR = {"_class_name": "DDIMScheduler", "_diffusers_version": "0.35.2", "beta_end": 0.012,
            "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": False,
            "num_train_timesteps": 1000, "prediction_type": "v_prediction", "rescale_betas_zero_snr": True,
            "set_alpha_to_one": False, "steps_offset": 0, "timestep_spacing": "trailing"}
COSINE_SAMPLE = {"_class_name": "DDIMScheduler", "beta_schedule": "squaredcos_cap_v2",
                 "num_train_timesteps": 1000, "prediction_type": "sample", "clip_sample": True,
                 "clip_sample_range": 0.5, "timestep_spacing": "linspace", "set_alpha_to_one": True}
LINEAR_EPS = {"_class_name": "DDIMScheduler", "beta_schedule": "linear", "beta_start": 0.0001,
              "beta_end": 0.02, "num_train_timesteps": 1000, "clip_sample": False,
              "timestep_spacing": "leading", "steps_offset": 1}
SDXL_EULER = {"_class_name": "EulerDiscreteScheduler", "_diffusers_version": "0.19.0.dev0", "beta_end": 0.012,
              "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": False,
              "interpolation_type": "linear", "num_train_timesteps": 1000, "prediction_type": "epsilon",
              "sample_max_value": 1.0, "set_alpha_to_one": False, "skip_prk_steps": True, "steps_offset": 1,
              "timestep_spacing": "leading", "trained_betas": None, "use_karras_sigmas": False}
EULER_ZERO_SNR = {"_class_name": "EulerDiscreteScheduler", "beta_schedule": "scaled_linear",
                  "beta_start": 0.00085, "beta_end": 0.012, "prediction_type": "v_prediction",
                  "rescale_betas_zero_snr": True, "timestep_spacing": "trailing",
                  "final_sigmas_type": "sigma_min"}
LCM_SD15 = {"_class_name": "LCMScheduler", "_diffusers_version": "0.22.0.dev0", "beta_end": 0.012,
            "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": False,
            "clip_sample_range": 1.0, "dynamic_thresholding_ratio": 0.995, "num_train_timesteps": 1000,
            "original_inference_steps": 50, "prediction_type": "epsilon", "rescale_betas_zero_snr": False,
            "sample_max_value": 1.0, "set_alpha_to_one": True, "steps_offset": 1, "thresholding": False,
            "timestep_scaling": 10.0, "timestep_spacing": "leading", "trained_betas": None}

CLASSES = {"DDIMScheduler": DDIMScheduler, "EulerDiscreteScheduler": EulerDiscreteScheduler,
           "LCMScheduler": LCMScheduler, "PNDMScheduler": PNDMScheduler}
TARGETS = {"ddim": DDIMScheduler, "euler": EulerDiscreteScheduler, "lcm": LCMScheduler}

# name, config file, --scheduler override ("" = the config's own class; PNDM -> DDIM).
CASES = [
    ("sd15_ddim", SD15, ""),
    ("sd21_ddim_vpred", SD21, ""),
    ("zero_snr_trailing_ddim", ZERO_SNR, ""),
    ("cosine_linspace_sample_ddim", COSINE_SAMPLE, ""),
    ("linear_leading_ddim", LINEAR_EPS, ""),
    ("sd15_euler", SD15, "euler"),
    ("sdxl_euler_leading", SDXL_EULER, ""),
    ("sd21_euler_vpred", SD21, "euler"),
    ("zero_snr_euler_sigma_min", EULER_ZERO_SNR, ""),
    ("lcm_sd15", LCM_SD15, ""),
    ("sd15_lcm", SD15, "lcm"),
    ("sdxl_ddim", SDXL_EULER, "ddim"),
]
STEP_COUNTS = [1, 3, 4, 7, 10, 25, 50]
RUN_STEPS = 4
ITEM_SEEDS = [7, 1234]
SHAPE = (2, 4, 8, 8)


def build(config, override):
    """What a diffusers user gets: the pipeline's scheduler, or X.from_config(pipe.scheduler.config)."""
    own = CLASSES[config["_class_name"]].from_config(copy.deepcopy(config))
    if override:
        return TARGETS[override].from_config(own.config)
    if isinstance(own, PNDMScheduler):
        return DDIMScheduler.from_config(own.config)
    return own


def run(sched, tensors, prefix=""):
    """A 4-step run as a pipeline drives it, with per-item generators."""
    sched.set_timesteps(RUN_STEPS)
    generators = [torch.Generator("cpu").manual_seed(s) for s in ITEM_SEEDS]
    sample = randn_tensor(SHAPE, generator=generators, dtype=torch.float32) * sched.init_noise_sigma
    tensors[prefix + "initial_sample"] = sample
    outputs = torch.Generator("cpu").manual_seed(0)
    for i, t in enumerate(sched.timesteps):
        model_output = torch.randn(SHAPE, generator=outputs)
        scaled = sched.scale_model_input(sample, t)
        kwargs = {"generator": generators} if isinstance(sched, LCMScheduler) else {}
        out = sched.step(model_output, t, sample, return_dict=False, **kwargs)
        tensors[f"{prefix}model_output_{i}"] = model_output
        tensors[f"{prefix}scaled_{i}"] = scaled
        tensors[f"{prefix}prev_sample_{i}"] = out[0]
        tensors[f"{prefix}pred_x0_{i}"] = out[1]
        sample = out[0]


def run_inverse(config, tensors):
    own = CLASSES[config["_class_name"]].from_config(copy.deepcopy(config))
    inverse = DDIMInverseScheduler.from_config(own.config)
    inverse.set_timesteps(RUN_STEPS)
    tensors["inverse_timesteps"] = inverse.timesteps.clone()
    g = torch.Generator("cpu").manual_seed(5)
    sample = torch.randn(SHAPE, generator=g)
    tensors["inverse_initial_sample"] = sample
    for i, t in enumerate(inverse.timesteps):
        model_output = torch.randn(SHAPE, generator=g)
        out = inverse.step(model_output, t, sample, return_dict=False)
        tensors[f"inverse_model_output_{i}"] = model_output
        tensors[f"inverse_prev_sample_{i}"] = out[0]
        tensors[f"inverse_pred_x0_{i}"] = out[1]
        sample = out[0]


def main():
    root = out_dir("schedulers")
    manifest = {"cases": [], "step_counts": STEP_COUNTS, "run_steps": RUN_STEPS, "item_seeds": ITEM_SEEDS}
    for name, config, override in CASES:
        sched = build(config, override)
        tensors = {"alphas_cumprod": sched.alphas_cumprod.clone()}
        for n in STEP_COUNTS:
            sched.set_timesteps(n)
            tensors[f"timesteps_{n}"] = sched.timesteps.clone()
            if isinstance(sched, EulerDiscreteScheduler):
                tensors[f"sigmas_{n}"] = sched.sigmas.clone()
                tensors[f"init_noise_sigma_{n}"] = torch.tensor([float(sched.init_noise_sigma)], dtype=torch.float64)
        run(sched, tensors)
        # Forward noising at the second timestep of the 4-step schedule.
        sched.set_timesteps(RUN_STEPS)
        g = torch.Generator("cpu").manual_seed(3)
        x0, noise = torch.randn(SHAPE, generator=g), torch.randn(SHAPE, generator=g)
        t = sched.timesteps[1]
        tensors["add_noise_x0"], tensors["add_noise_noise"] = x0, noise
        tensors["add_noise_t"] = torch.tensor([int(t)], dtype=torch.int64)
        tensors["add_noise"] = sched.add_noise(x0, noise, t.reshape(1))
        # DDIMInverseScheduler has no linspace spacing.
        has_inverse = isinstance(sched, DDIMScheduler) and sched.config.timestep_spacing != "linspace"
        if has_inverse:
            run_inverse(config, tensors)
        save_tensors(root / f"{name}.safetensors", {k: v.clone() for k, v in tensors.items()})
        manifest["cases"].append({"name": name, "config": config, "override": override,
                                  "class": type(sched).__name__, "inverse": has_inverse})
        print(f"{name}: {type(sched).__name__}, 4-step timesteps {tensors['timesteps_4'].tolist()}")

    noise = {}
    for seed in [0, 1, 1234]:
        noise[f"seed_{seed}"] = torch.randn((1, 4, 8, 8), generator=torch.Generator("cpu").manual_seed(seed))
    gens = [torch.Generator("cpu").manual_seed(s) for s in [0, 1, 1234]]
    noise["batch_0_1_1234"] = randn_tensor((3, 4, 8, 8), generator=gens, dtype=torch.float32)
    noise["seed_0_half"] = torch.randn((1, 4, 8, 8), generator=torch.Generator("cpu").manual_seed(0),
                                       dtype=torch.float16).float()
    noise["seed_42_4x64x64"] = torch.randn((1, 4, 64, 64), generator=torch.Generator("cpu").manual_seed(42))
    # A seed above 2^63 as a Python int (torch takes it modulo 2^64).
    noise["seed_big"] = torch.randn((1, 4, 8, 8), generator=torch.Generator("cpu").manual_seed(2**64 - 5))
    save_tensors(root / "noise.safetensors", noise)
    save_json(root / "manifest.json", manifest)


if __name__ == "__main__":
    main()
