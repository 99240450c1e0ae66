"""Golden whole-pipeline runs: h at every step and the final images, from diffusers' own pipelines.

Tiny random-initialised pipelines with the config fields of SD 1.5, SD 2.1, SDXL base and LCM
SD 1.5 (narrow widths, 2-block U-Net and VAE, a 1000-token vocabulary), saved with
save_pretrained (safetensors) as diffusers folders under tests/golden/pipelines/<name>/, and
reloaded from there before running, so the files are exactly what the engine reads.

model_index.json names no tokenizer (null): the engine takes token ids. The pipelines get a
FixedTokenizer that maps each prompt text to fixed ids, so diffusers' own encode_prompt (SDXL
penultimate states, pooled embeds, force_zeros_for_empty_prompt, the empty negative prompt of
SD) builds the conditioning from the very ids saved for the engine. Ids mirror CLIP's layout:
BOS 998, words, EOS 999 (the largest id, where the text encoders' legacy eos_token_id=2 argmax
pools), padded with EOS (tokenizer) or 0 ("!", SDXL's tokenizer_2).

Each run: 2 prompts x 2 seeds x 4 steps, one torch.Generator("cpu").manual_seed(s) per image,
the mid-block output captured with a forward hook on unet.mid_block at every step (with CFG the
hook sees [uncond; cond]), and the final image (output_type="pt", in [0, 1]).

Written per pipeline: golden.safetensors with prompt_ids[_2] [P, L] and per run <run>.h /
<run>.h_uncond [P, S, steps, C, h, w], <run>.timesteps [steps], <run>.images [P, S, 3, H, W] and,
when the unconditional branch encodes a prompt ("" or the negative), <run>.negative_ids[_2]
[1, L]; settings.json with the prompts, seeds and each run's settings.
"""
import shutil

import torch
from diffusers import (AutoencoderKL, DDIMScheduler, EulerDiscreteScheduler, LatentConsistencyModelPipeline,
                       LCMScheduler, PNDMScheduler, StableDiffusionPipeline, StableDiffusionXLPipeline,
                       UNet2DConditionModel)
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

from common import max_relative_error, out_dir, save_json, save_tensors, seed_all
from gen_schedulers import LCM_SD15, SD15, SD21, SDXL_EULER

VOCAB = 1000
BOS, EOS = 998, 999
LENGTH = 16  # the tokenizers' model_max_length = max_position_embeddings
SEEDS = [7, 1234]
STEPS = 4
GUIDANCE = 7.5

# Word ids of each text (BOS/EOS added by the tokenizer); the texts only key the table.
WORDS = {
    "a photo of a doctor": [320, 725, 539, 320, 291],
    "a red circle on a white background with a small shadow": [320, 736, 8, 525, 320, 579, 986, 593, 320, 2, 66],
    "blurry": [12],
}
PROMPTS = ["a photo of a doctor", "a red circle on a white background with a small shadow"]
NEGATIVE = "blurry"


class FixedTokenizer:
    """The slice of CLIPTokenizer's interface encode_prompt uses, over the WORDS table."""

    def __init__(self, pad_id: int):
        self.pad_id = pad_id
        self.model_max_length = LENGTH
        self.added_tokens_encoder = {}  # TextualInversionLoaderMixin looks here

    def tokenize(self, text):
        return text.split()

    def ids(self, text: str) -> list:
        return [BOS] + WORDS[text] + [EOS] if text else [BOS, EOS]

    def __call__(self, texts, padding="longest", max_length=None, truncation=False, return_tensors="pt"):
        texts = [texts] if isinstance(texts, str) else texts
        rows = [self.ids(t) for t in texts]
        if truncation:
            rows = [r[:max_length - 1] + [EOS] if len(r) > max_length else r for r in rows]
        width = max_length if padding == "max_length" else max(len(r) for r in rows)
        ids = torch.tensor([r + [self.pad_id] * (width - len(r)) for r in rows], dtype=torch.int64)

        class Encoding:
            input_ids = ids
            attention_mask = (ids != self.pad_id).long()
        return Encoding()

    def batch_decode(self, ids):
        return [str(r.tolist()) for r in ids]


def text_config(hidden: int, heads: int, act: str, projection: int = 0) -> CLIPTextConfig:
    # eos_token_id stays 2, as in the SD/SDXL text encoder configs: transformers then pools at the
    # argmax id, which is EOS (999).
    return CLIPTextConfig(vocab_size=VOCAB, hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=2,
                          num_attention_heads=heads, max_position_embeddings=LENGTH, hidden_act=act,
                          projection_dim=projection or hidden, bos_token_id=0, eos_token_id=2, pad_token_id=1)


def vae(scaling_factor: float, force_upcast: bool = True) -> AutoencoderKL:
    return AutoencoderKL(in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(4, 8),
                         down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2,
                         layers_per_block=1, norm_num_groups=2, sample_size=16, scaling_factor=scaling_factor,
                         force_upcast=force_upcast)


UNET_SD = dict(sample_size=8, in_channels=4, out_channels=4, block_out_channels=(8, 16), layers_per_block=1,
               norm_num_groups=4, down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
               up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"), cross_attention_dim=32)


def build_sd15(time_cond_proj_dim=None, scheduler=None):
    unet = UNet2DConditionModel(**UNET_SD, attention_head_dim=2, time_cond_proj_dim=time_cond_proj_dim)
    return StableDiffusionPipeline(
        vae=vae(0.18215), text_encoder=CLIPTextModel(text_config(32, 4, "quick_gelu")), tokenizer=None, unet=unet,
        scheduler=scheduler or PNDMScheduler.from_config(SD15), safety_checker=None, feature_extractor=None,
        requires_safety_checker=False)


def build_sd21():
    # SD 2.1: linear projections, per-block head counts, upcast attention, v-prediction.
    unet = UNet2DConditionModel(**UNET_SD, attention_head_dim=[2, 4], use_linear_projection=True,
                                upcast_attention=True)
    return StableDiffusionPipeline(
        vae=vae(0.18215), text_encoder=CLIPTextModel(text_config(32, 4, "gelu")), tokenizer=None, unet=unet,
        scheduler=DDIMScheduler.from_config(SD21), safety_checker=None, feature_extractor=None,
        requires_safety_checker=False)


def build_sdxl():
    # SDXL base: plain first block, 2 transformer layers deeper down and in the mid-block,
    # context = [penultimate of text_encoder (16) | penultimate of text_encoder_2 (24)], pooled
    # projection 20 + 6 time ids x 8 into add_embedding.
    unet = UNet2DConditionModel(
        sample_size=8, in_channels=4, out_channels=4, block_out_channels=(8, 16), layers_per_block=1,
        norm_num_groups=4, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), attention_head_dim=[2, 4], use_linear_projection=True,
        transformer_layers_per_block=[1, 2], cross_attention_dim=16 + 24, addition_embed_type="text_time",
        addition_time_embed_dim=8, projection_class_embeddings_input_dim=20 + 6 * 8)
    return StableDiffusionXLPipeline(
        vae=vae(0.13025, force_upcast=True), text_encoder=CLIPTextModel(text_config(16, 2, "quick_gelu")),
        text_encoder_2=CLIPTextModelWithProjection(text_config(24, 3, "gelu", projection=20)), tokenizer=None,
        tokenizer_2=None, unet=unet, scheduler=EulerDiscreteScheduler.from_config(SDXL_EULER),
        force_zeros_for_empty_prompt=True, add_watermarker=False)


def build_lcm():
    return build_sd15(time_cond_proj_dim=16, scheduler=LCMScheduler.from_config(LCM_SD15))


# name -> (builder, runs); a run: name, engine scheduler name, diffusers scheduler class (None:
# the folder's own), guidance, negative prompt (None: none given), width, height.
PIPELINES = {
    "sd15": (build_sd15, [
        ("ddim", "ddim", DDIMScheduler, GUIDANCE, None, 16, 16),
        ("euler", "euler", EulerDiscreteScheduler, GUIDANCE, None, 16, 16),
    ]),
    "sd21": (build_sd21, [
        ("ddim", "", None, GUIDANCE, None, 24, 16),
        ("euler", "euler", EulerDiscreteScheduler, GUIDANCE, None, 24, 16),
    ]),
    "sdxl": (build_sdxl, [
        ("euler_zero_negative", "", None, GUIDANCE, None, 24, 16),
        ("euler_negative", "", None, GUIDANCE, NEGATIVE, 24, 16),
        ("ddim_negative", "ddim", DDIMScheduler, GUIDANCE, NEGATIVE, 16, 16),
    ]),
    "lcm_sd15": (build_lcm, [
        ("lcm_g1", "", None, 1.0, None, 16, 16),
        ("lcm_g2", "", None, 2.0, None, 16, 16),
    ]),
}


def load(name: str, folder):
    # The null components of model_index.json must be passed explicitly.
    if name == "sdxl":
        pipe = StableDiffusionXLPipeline.from_pretrained(folder, add_watermarker=False, tokenizer=None,
                                                         tokenizer_2=None, image_encoder=None, feature_extractor=None)
        pipe.tokenizer, pipe.tokenizer_2 = FixedTokenizer(EOS), FixedTokenizer(0)
    else:
        pipe = StableDiffusionPipeline.from_pretrained(folder, tokenizer=None, safety_checker=None,
                                                       feature_extractor=None, image_encoder=None)
        pipe.tokenizer = FixedTokenizer(EOS)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def run(pipe, scheduler_class, guidance, negative, width, height, pipeline_class=None):
    """One pipeline call over PROMPTS x SEEDS; returns h, h_uncond (or None), timesteps, images."""
    base = pipe.scheduler
    if scheduler_class is not None:
        pipe.scheduler = scheduler_class.from_config(base.config)
    if pipeline_class is not None:
        pipe = pipeline_class(**pipe.components)
        pipe.set_progress_bar_config(disable=True)
    captured = []
    handle = pipe.unet.mid_block.register_forward_hook(lambda module, args, output: captured.append(output.clone()))
    generators = [torch.Generator("cpu").manual_seed(s) for _ in PROMPTS for s in SEEDS]
    kwargs = {} if negative is None else {"negative_prompt": [negative] * len(PROMPTS)}
    with torch.no_grad():
        images = pipe(PROMPTS, num_inference_steps=STEPS, guidance_scale=guidance, width=width, height=height,
                      num_images_per_prompt=len(SEEDS), generator=generators, output_type="pt", **kwargs).images
    handle.remove()
    timesteps = pipe.scheduler.timesteps.clone().to(torch.float32)
    pipe.scheduler = base
    n = len(PROMPTS) * len(SEEDS)
    assert len(captured) == STEPS and all(c.shape[0] in (n, 2 * n) for c in captured)
    cfg = captured[0].shape[0] == 2 * n

    def per_item(rows):  # [steps, n, C, h, w] -> [P, S, steps, C, h, w]
        h = torch.stack(rows, 1)
        return h.view(len(PROMPTS), len(SEEDS), *h.shape[1:])
    h = per_item([c[n:] if cfg else c for c in captured])
    h_uncond = per_item([c[:n] for c in captured]) if cfg else None
    images = images.view(len(PROMPTS), len(SEEDS), *images.shape[1:])
    return h, h_uncond, timesteps, images


def folder_size(folder) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def main() -> None:
    root = out_dir("pipelines")
    for index, (name, (build, runs)) in enumerate(PIPELINES.items()):
        seed_all(3000 + index)
        folder = root / name
        shutil.rmtree(folder, ignore_errors=True)
        build().save_pretrained(folder, safe_serialization=True)
        pipe = load(name, folder)
        sdxl = name == "sdxl"
        tok = pipe.tokenizer
        tensors = {"prompt_ids": tok(PROMPTS, padding="max_length", max_length=LENGTH).input_ids}
        if sdxl:
            tok2 = pipe.tokenizer_2
            tensors["prompt_ids_2"] = tok2(PROMPTS, padding="max_length", max_length=LENGTH).input_ids
        settings = {"pipeline": name, "prompts": PROMPTS, "seeds": SEEDS, "steps": STEPS, "token_length": LENGTH,
                    "runs": []}
        for run_name, engine_scheduler, scheduler_class, guidance, negative, width, height in runs:
            h, h_uncond, timesteps, images = run(pipe, scheduler_class, guidance, negative, width, height)
            cfg = h_uncond is not None
            # What encode_prompt encoded for the unconditional branch: the negative prompt, else ""
            # unless SDXL zeroes it (force_zeros_for_empty_prompt).
            zeroed = negative is None and pipe.config.get("force_zeros_for_empty_prompt", False)
            if cfg and not zeroed:
                tensors[f"{run_name}.negative_ids"] = tok([negative or ""], padding="max_length",
                                                          max_length=LENGTH).input_ids
                if sdxl:
                    tensors[f"{run_name}.negative_ids_2"] = tok2([negative or ""], padding="max_length",
                                                                 max_length=LENGTH).input_ids
            if name == "lcm_sd15":
                # LCM checkpoints ship LatentConsistencyModelPipeline; it must agree with the SD pipeline.
                h_lcm, _, _, images_lcm = run(pipe, scheduler_class, guidance, negative, width, height,
                                              pipeline_class=LatentConsistencyModelPipeline)
                assert max_relative_error(h_lcm, h) < 1e-6 and max_relative_error(images_lcm, images) < 1e-6, run_name
            tensors[f"{run_name}.h"] = h
            if cfg:
                tensors[f"{run_name}.h_uncond"] = h_uncond
            tensors[f"{run_name}.timesteps"] = timesteps
            tensors[f"{run_name}.images"] = images
            settings["runs"].append({"name": run_name, "scheduler": engine_scheduler, "guidance": guidance,
                                     "negative": negative, "width": width, "height": height,
                                     "cfg": cfg, "negative_zeroed": cfg and zeroed})
            print(f"{name}/{run_name}: h {tuple(h.shape)} cfg {cfg} "
                  f"timesteps {timesteps.tolist()} images {tuple(images.shape)}")
        save_tensors(folder / "golden.safetensors", tensors)
        save_json(folder / "settings.json", settings)
        print(f"{name}: {folder_size(folder) / 1e3:.0f} KB")


if __name__ == "__main__":
    main()
