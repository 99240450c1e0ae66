"""Trains the Toy World model (DESIGN.md, "Toy World") and writes it as a diffusers folder.

Stages, each resumable from --work: render the captioned images with the Java renderer,
train a small AutoencoderKL, encode the data set once, train a small UNet2DConditionModel
jointly with a small CLIPTextModel (zero-terminal-SNR betas, v-prediction, 10% empty
captions for classifier-free guidance), export fp16 safetensors to --out.

Checkpoints are safetensors (never pickle), written to a temporary name and renamed, so an
interrupted run resumes from the last complete one. Batches are drawn from generators seeded
by (seed, step), so a resumed run draws the same batches an uninterrupted one would.
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from safetensors.torch import load_file, save_file

from diffusers import AutoencoderKL, DDIMScheduler, DDPMScheduler, StableDiffusionPipeline, UNet2DConditionModel
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

REPO = Path(__file__).resolve().parents[2]

# Noise schedule shared by training and the shipped sampler (SD1's scaled-linear betas,
# rescaled to zero terminal SNR: Lin et al. 2023).
SCHEDULE = dict(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                rescale_betas_zero_snr=True, prediction_type="v_prediction", clip_sample=False)


def log(msg):
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--priors", type=Path, required=True, help="prior table JSON (models/toy/priors.json)")
    p.add_argument("--out", type=Path, default=REPO / "models/toy", help="diffusers folder to write")
    p.add_argument("--work", type=Path, default=REPO / ".cache/toyworld", help="data and checkpoints")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tokenizer", type=Path, default=REPO / "models/toy/tokenizer", help="CLIP tokenizer files")
    p.add_argument("--images", type=int, default=60000, help="training images to render")
    # The defaults are the from-scratch recipe for the shipped architecture: about 2.5 hours on
    # 2 idle CPU cores (VAE ~1 s/step, decoder ~0.8, U-Net ~0.37).
    p.add_argument("--vae-steps", type=int, default=1600)
    p.add_argument("--vae-batch", type=int, default=32)
    p.add_argument("--decoder-steps", type=int, default=1200,
                   help="extra VAE-decoder-only steps on the cached latents (leaves latents and U-Net valid)")
    p.add_argument("--unet-steps", type=int, default=16000)
    p.add_argument("--unet-batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--checkpoint-every", type=int, default=250)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--export-only", action="store_true", help="export the latest checkpoint and stop")
    p.add_argument("--init-from", type=Path, default=None,
                   help="continue a trained diffusers folder (e.g. a previous models/toy): the VAE, decoder, U-Net "
                        "and text encoder start from its weights and train --vae-steps, --decoder-steps and "
                        "--unet-steps more (use a fresh --work)")
    return p.parse_args(argv)


# ---------------------------------------------------------------------------------------
# Models


def make_vae():
    return AutoencoderKL(in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 3,
                         up_block_types=("UpDecoderBlock2D",) * 3, block_out_channels=(32, 64, 64),
                         layers_per_block=1, latent_channels=4, norm_num_groups=16, sample_size=32)


def make_unet():
    # Only the mid-block attends to the text, so everything the prompt decides reaches the up path
    # through the mid-block output h. With cross-attention in the up path (stages 1 and 2) the up
    # path read color, size and shape from the text directly; with it in the down path only, the
    # skip connections carried color past h (tools/toyworld/transplant_h.py). Either defeats a model
    # meant as ground truth for h-space analyses.
    return UNet2DConditionModel(sample_size=8, in_channels=4, out_channels=4, block_out_channels=(32, 64, 64),
                                down_block_types=("DownBlock2D", "DownBlock2D", "DownBlock2D"),
                                up_block_types=("UpBlock2D", "UpBlock2D", "UpBlock2D"),
                                layers_per_block=1, cross_attention_dim=64, attention_head_dim=4, norm_num_groups=16)


def make_text_encoder():
    return CLIPTextModel(CLIPTextConfig(vocab_size=49408, hidden_size=64, intermediate_size=256, num_hidden_layers=2,
                                        num_attention_heads=4, max_position_embeddings=77, hidden_act="quick_gelu",
                                        projection_dim=64, bos_token_id=49406, eos_token_id=49407, pad_token_id=49407))


# ---------------------------------------------------------------------------------------
# Checkpoints: one safetensors file per stage holding model, EMA and optimizer state.


def atomic_save(tensors, meta, path):
    tmp = path.with_suffix(".tmp")
    save_file({k: v.detach().contiguous().cpu() for k, v in tensors.items()}, str(tmp),
              metadata={k: json.dumps(v) for k, v in meta.items()})
    os.replace(tmp, path)


def load_checkpoint(path):
    from safetensors import safe_open
    with safe_open(str(path), "pt") as f:
        meta = {k: json.loads(v) for k, v in (f.metadata() or {}).items()}
    return load_file(str(path)), meta


def pack(prefix, module):
    return {f"{prefix}.{k}": v for k, v in module.state_dict().items()}


def unpack(prefix, tensors):
    n = len(prefix) + 1
    return {k[n:]: v for k, v in tensors.items() if k.startswith(prefix + ".")}


def pack_optimizer(opt):
    out = {}
    for i, (p, st) in enumerate(((p, opt.state[p]) for g in opt.param_groups for p in g["params"])):
        for k, v in st.items():
            out[f"opt.{i}.{k}"] = v if torch.is_tensor(v) else torch.tensor(v)
    return out


def unpack_optimizer(opt, tensors):
    for i, p in enumerate(p for g in opt.param_groups for p in g["params"]):
        st = {k.split(".", 2)[2]: v for k, v in tensors.items() if k.startswith(f"opt.{i}.")}
        if st:
            opt.state[p] = st


class Ema:
    """Exponential moving average of a module's parameters (what gets exported)."""

    def __init__(self, module, decay):
        self.decay = decay
        self.shadow = {k: v.detach().clone() for k, v in module.state_dict().items()}

    @torch.no_grad()
    def update(self, module, step):
        d = min(self.decay, (1 + step) / (10 + step))
        for k, v in module.state_dict().items():
            if v.dtype.is_floating_point:
                self.shadow[k].mul_(d).add_(v.detach(), alpha=1 - d)
            else:
                self.shadow[k].copy_(v)


def cosine_lr(step, total, base, warmup=200, floor=0.1):
    if step < warmup:
        return base * (step + 1) / warmup
    t = min(1.0, (step - warmup) / max(1, total - warmup))
    return base * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * t)))


# ---------------------------------------------------------------------------------------
# Stage 1: data


def hspace_command():
    launcher = REPO / "tools/hspace"
    if launcher.exists() and os.access(launcher, os.X_OK):
        return [str(launcher), "toyworld"]
    classes = REPO / "target/classes/io/hspace/cli/ToyWorldCommand.class"
    if not classes.exists() or not (REPO / "target/lib").is_dir():
        log("building the Java renderer with Maven")
        subprocess.run(["mvn", "-q", "-Dnative.skip=true", "-Dnative.skipTests=true", "-DskipTests", "package"],
                       cwd=REPO, check=True)
    cp = f"{REPO}/target/classes:{REPO}/target/lib/*"
    return ["java", "-cp", cp, "io.hspace.cli.ToyWorldCommand"]


def render_data(args):
    """Renders the images once and caches them as one array (fast to reload on resume)."""
    cache = args.work / "data.npz"
    if cache.exists():
        z = np.load(cache, allow_pickle=False)
        return z["images"], [str(c) for c in z["captions"]]
    raw = args.work / "render"
    if not (raw / "captions.jsonl").exists() or sum(1 for _ in open(raw / "captions.jsonl")) != args.images:
        shutil.rmtree(raw, ignore_errors=True)
        cmd = hspace_command() + ["render", "--n", str(args.images), "--priors", str(args.priors),
                                  "--seed", str(args.seed), "--out", str(raw)]
        log("rendering: " + " ".join(cmd))
        subprocess.run(cmd, check=True)
    lines = [json.loads(l) for l in open(raw / "captions.jsonl")]
    images = np.stack([np.asarray(Image.open(raw / l["file"]).convert("RGB")) for l in lines])
    captions = np.array([l["caption"] for l in lines])
    tmp = args.work / "data.tmp.npz"
    np.savez(tmp, images=images, captions=captions)
    os.replace(tmp, cache)
    shutil.rmtree(raw)
    log(f"data: {len(lines)} images cached in {cache}")
    return images, list(captions)


def to_tensor(images_u8):
    return torch.from_numpy(images_u8).permute(0, 3, 1, 2).float().div(127.5).sub(1)


# ---------------------------------------------------------------------------------------
# Stage 2: autoencoder


def vae_source(args):
    start = f"init:{args.init_from.resolve()}+" if args.init_from is not None else ""
    return f"{start}steps:{args.vae_steps}"


def reconstruction_loss(rec, x):
    """MSE and L1, weighted 5x on the object, plus L1 on the image gradients.

    Small stars and crosses blur into blobs under plain MSE: the object is a few per cent of
    the pixels and its points and arms a few per cent of those. The object (pixels away from
    the border's median colour) and its edges (image gradients) get the weight instead.
    """
    border = torch.cat([x[:, :, 0], x[:, :, -1], x[:, :, :, 0], x[:, :, :, -1]], 2).median(dim=2).values
    on_object = ((x - border[:, :, None, None]).abs().amax(1, keepdim=True) > 0.1).float()
    weight = 1 + 4 * on_object
    err = rec - x
    dx = lambda t: t[..., :, 1:] - t[..., :, :-1]  # noqa: E731
    dy = lambda t: t[..., 1:, :] - t[..., :-1, :]  # noqa: E731
    return ((err ** 2 + err.abs()) * weight).mean() + (dx(rec) - dx(x)).abs().mean() + (dy(rec) - dy(x)).abs().mean()


def train_vae(args, images):
    ckpt = args.work / "vae.safetensors"
    vae = make_vae()
    if args.init_from is not None:
        vae.load_state_dict(AutoencoderKL.from_pretrained(str(args.init_from / "vae"), torch_dtype=torch.float32).state_dict())
        log(f"vae: from {args.init_from / 'vae'}")
    opt = torch.optim.AdamW(vae.parameters(), lr=args.lr, weight_decay=0)
    step = 0
    if ckpt.exists():
        t, meta = load_checkpoint(ckpt)
        vae.load_state_dict(unpack("model", t))
        unpack_optimizer(opt, t)
        step = meta["step"]
    if step >= args.vae_steps:
        return vae.eval()
    log(f"vae: {sum(p.numel() for p in vae.parameters()):,} parameters, steps {step}..{args.vae_steps}")
    vae.train()
    t0, running = time.time(), 0.0
    while step < args.vae_steps:
        g = torch.Generator().manual_seed(args.seed * 1_000_003 + step)
        idx = torch.randint(len(images), (args.vae_batch,), generator=g)
        x = to_tensor(images[idx.numpy()])
        for group in opt.param_groups:
            group["lr"] = cosine_lr(step, args.vae_steps, args.lr)
        posterior = vae.encode(x).latent_dist
        z = posterior.mean + posterior.std * torch.randn(posterior.mean.shape, generator=g)
        rec = vae.decode(z).sample
        # The KL term only keeps the latent space tame; its weight is small (SD uses 1e-6).
        loss = reconstruction_loss(rec, x) + 1e-6 * posterior.kl().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        running += loss.item()
        if step % 50 == 0:
            log(f"vae step {step}/{args.vae_steps} loss {running / 50:.5f} ({(time.time() - t0) / 50:.2f} s/step)")
            running, t0 = 0.0, time.time()
        if step % args.checkpoint_every == 0 or step == args.vae_steps:
            atomic_save({**pack("model", vae), **pack_optimizer(opt)}, {"step": step}, ckpt)
    return vae.eval()


@torch.no_grad()
def encode_all(args, vae, images):
    """Latent means and stds of the whole data set, and the scaling factor 1/std."""
    path = args.work / "latents.safetensors"
    if path.exists():
        t, meta = load_checkpoint(path)
        if meta.get("vae") == vae_source(args):
            return t["mean"], t["std"], meta["scaling_factor"]
        log(f"latents were encoded by another VAE ({meta.get('vae')}, not {vae_source(args)}): re-encoding")
    means, stds = [], []
    for i in range(0, len(images), 512):
        d = vae.encode(to_tensor(images[i:i + 512])).latent_dist
        means.append(d.mean)
        stds.append(d.std)
    mean, std = torch.cat(means), torch.cat(stds)
    g = torch.Generator().manual_seed(args.seed)
    sampled = mean + std * torch.randn(mean.shape, generator=g)
    scaling = float(1.0 / sampled.std())
    x = to_tensor(images[:256])
    rec = vae.decode(mean[:256]).sample
    log(f"latents: {tuple(mean.shape)}, std {sampled.std():.4f}, scaling_factor {scaling:.5f}, "
        f"reconstruction mse {F.mse_loss(rec, x):.5f}")
    atomic_save({"mean": mean, "std": std}, {"scaling_factor": scaling, "vae": vae_source(args)}, path)
    return mean, std, scaling


def train_decoder(args, vae, images, lat_mean, lat_std):
    """Sharpens the decoder alone: the encoder, hence the latents the U-Net learns, stay fixed."""
    ckpt = args.work / "decoder.safetensors"
    if args.decoder_steps <= 0:
        return vae
    decoder = torch.nn.ModuleDict({"decoder": vae.decoder, "post_quant_conv": vae.post_quant_conv})
    opt = torch.optim.AdamW(decoder.parameters(), lr=args.lr / 2, weight_decay=0)
    step = 0
    if ckpt.exists():
        t, meta = load_checkpoint(ckpt)
        decoder.load_state_dict(unpack("model", t))
        unpack_optimizer(opt, t)
        step = meta["step"]
    if step >= args.decoder_steps:
        return vae.eval()
    log(f"decoder: steps {step}..{args.decoder_steps}")
    vae.train()
    t0, running = time.time(), 0.0
    while step < args.decoder_steps:
        g = torch.Generator().manual_seed(args.seed * 1_000_003 + 3_333_333 + step)
        idx = torch.randint(len(images), (args.vae_batch,), generator=g)
        x = to_tensor(images[idx.numpy()])
        z = lat_mean[idx] + lat_std[idx] * torch.randn(lat_mean[idx].shape, generator=g)
        for group in opt.param_groups:
            group["lr"] = cosine_lr(step, args.decoder_steps, args.lr / 2, warmup=50)
        loss = reconstruction_loss(vae.decode(z).sample, x)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        running += loss.item()
        if step % 50 == 0:
            log(f"decoder step {step}/{args.decoder_steps} loss {running / 50:.5f} ({(time.time() - t0) / 50:.2f} s/step)")
            running, t0 = 0.0, time.time()
        if step % args.checkpoint_every == 0 or step == args.decoder_steps:
            atomic_save({**pack("model", decoder), **pack_optimizer(opt)}, {"step": step}, ckpt)
    return vae.eval()


# ---------------------------------------------------------------------------------------
# Stage 3: U-Net + text encoder


def train_unet(args, captions, lat_mean, lat_std, scaling):
    ckpt = args.work / "unet.safetensors"
    tokenizer = CLIPTokenizer.from_pretrained(str(args.tokenizer))
    torch.manual_seed(args.seed)
    unet, text = make_unet(), make_text_encoder()
    params = list(unet.parameters()) + list(text.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0)
    if args.init_from is not None:
        # A folder trained with cross-attention in the down or up path loads too: those tensors are dropped.
        loaded = unet.load_state_dict(UNet2DConditionModel.from_pretrained(
            str(args.init_from / "unet"), torch_dtype=torch.float32).state_dict(), strict=False)
        foreign = [k for k in loaded.unexpected_keys
                   if not (k.startswith(("down_blocks.", "up_blocks.")) and ".attentions." in k)]
        if loaded.missing_keys or foreign:
            raise SystemExit(f"{args.init_from / 'unet'} does not fit this U-Net: missing {loaded.missing_keys[:5]}, "
                             f"unexpected {foreign[:5]}")
        if loaded.unexpected_keys:
            log(f"unet: dropped the {len(loaded.unexpected_keys)} down/up-path attention tensors of {args.init_from}")
        text.load_state_dict(CLIPTextModel.from_pretrained(
            str(args.init_from / "text_encoder"), torch_dtype=torch.float32).state_dict())
        log(f"unet, text encoder: from {args.init_from}")
    ema_unet, ema_text = Ema(unet, 0.999), Ema(text, 0.999)
    step = 0
    if ckpt.exists() and load_checkpoint(ckpt)[1].get("scaling_factor") != scaling:
        # Trained on the latents of another VAE: worthless for this one.
        log(f"{ckpt} was trained on other latents: starting the U-Net afresh")
        ckpt.unlink()
    if ckpt.exists():
        t, meta = load_checkpoint(ckpt)
        unet.load_state_dict(unpack("unet", t))
        text.load_state_dict(unpack("text", t))
        ema_unet.shadow = unpack("ema_unet", t)
        ema_text.shadow = unpack("ema_text", t)
        unpack_optimizer(opt, t)
        step = meta["step"]
    if step >= args.unet_steps:
        return ema_unet.shadow, ema_text.shadow, step
    # Few distinct captions: tokenize each once. Index 0 is the empty caption.
    vocab = [""] + sorted(set(captions))
    ids = tokenizer(vocab, padding="max_length", max_length=tokenizer.model_max_length, truncation=True,
                    return_tensors="pt").input_ids
    lookup = {c: i for i, c in enumerate(vocab)}
    caption_index = torch.tensor([lookup[c] for c in captions])
    noise_sched = DDPMScheduler(**SCHEDULE)
    alphas = noise_sched.alphas_cumprod
    log(f"unet: {sum(p.numel() for p in unet.parameters()):,} parameters, text encoder "
        f"{sum(p.numel() for p in text.parameters()):,}, {len(vocab) - 1} distinct captions, "
        f"steps {step}..{args.unet_steps}")
    unet.train()
    text.train()
    t0, running = time.time(), 0.0
    while step < args.unet_steps:
        g = torch.Generator().manual_seed(args.seed * 1_000_003 + 7_777_777 + step)
        idx = torch.randint(len(captions), (args.unet_batch,), generator=g)
        tok = caption_index[idx]
        drop = torch.rand(args.unet_batch, generator=g) < 0.1
        tok = torch.where(drop, torch.zeros_like(tok), tok)
        z0 = (lat_mean[idx] + lat_std[idx] * torch.randn(lat_mean[idx].shape, generator=g)) * scaling
        noise = torch.randn(z0.shape, generator=g)
        ts = torch.randint(0, SCHEDULE["num_train_timesteps"], (args.unet_batch,), generator=g)
        a = alphas[ts].view(-1, 1, 1, 1)
        zt = a.sqrt() * z0 + (1 - a).sqrt() * noise
        target = a.sqrt() * noise - (1 - a).sqrt() * z0  # v (Salimans & Ho 2022)
        for group in opt.param_groups:
            group["lr"] = cosine_lr(step, args.unet_steps, args.lr)
        cond = text(ids[tok]).last_hidden_state
        pred = unet(zt, ts, encoder_hidden_states=cond).sample
        loss = F.mse_loss(pred, target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        ema_unet.update(unet, step)
        ema_text.update(text, step)
        step += 1
        running += loss.item()
        if step % 50 == 0:
            log(f"unet step {step}/{args.unet_steps} loss {running / 50:.5f} ({(time.time() - t0) / 50:.2f} s/step)")
            running, t0 = 0.0, time.time()
        if step % args.checkpoint_every == 0 or step == args.unet_steps:
            atomic_save({**pack("unet", unet), **pack("text", text), **{f"ema_unet.{k}": v for k, v in ema_unet.shadow.items()},
                         **{f"ema_text.{k}": v for k, v in ema_text.shadow.items()}, **pack_optimizer(opt)},
                        {"step": step, "scaling_factor": scaling}, ckpt)
    return ema_unet.shadow, ema_text.shadow, step


# ---------------------------------------------------------------------------------------
# Stage 4: export


def shipped_scheduler():
    return DDIMScheduler(**SCHEDULE, timestep_spacing="trailing", set_alpha_to_one=False, steps_offset=1)


def build_pipeline(vae_state, unet_state, text_state, scaling, tokenizer_dir):
    vae, unet, text = make_vae(), make_unet(), make_text_encoder()
    vae.load_state_dict(vae_state)
    unet.load_state_dict(unet_state)
    text.load_state_dict(text_state)
    vae.register_to_config(scaling_factor=scaling)
    return StableDiffusionPipeline(vae=vae, text_encoder=text, tokenizer=CLIPTokenizer.from_pretrained(str(tokenizer_dir)),
                                   unet=unet, scheduler=shipped_scheduler(), safety_checker=None,
                                   feature_extractor=None, requires_safety_checker=False)


def export(args, pipe):
    """Writes the fp16 diffusers folder next to whatever else --out holds (priors, card)."""
    tmp = args.work / "export"
    shutil.rmtree(tmp, ignore_errors=True)
    pipe.to(torch.float16).save_pretrained(str(tmp), safe_serialization=True)
    # save_pretrained re-serialises the tokenizer; ship the source files byte for byte instead.
    shutil.rmtree(tmp / "tokenizer")
    shutil.copytree(args.tokenizer, tmp / "tokenizer")
    args.out.mkdir(parents=True, exist_ok=True)
    for entry in sorted(tmp.iterdir()):
        dest = args.out / entry.name
        if entry.name == "tokenizer" and dest.resolve() == args.tokenizer.resolve():
            continue
        if dest.is_dir():
            shutil.rmtree(dest)
        os.replace(entry, dest)
    # The table the model learned its biases from travels with it: `hspace toyworld check` reads it.
    priors_out = args.out / "priors.json"
    if not priors_out.exists() or priors_out.resolve() != args.priors.resolve():
        shutil.copyfile(args.priors, priors_out)
    size = sum(f.stat().st_size for f in args.out.rglob("*") if f.is_file())
    log(f"exported to {args.out} ({size / 2**20:.1f} MiB)")


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    args.work.mkdir(parents=True, exist_ok=True)
    if not args.priors.is_file():
        sys.exit(f"--priors {args.priors}: no such file")
    log(f"toyworld train: {vars(args)}")
    images, captions = render_data(args)
    vae = train_vae(args, images)
    mean, std, scaling = encode_all(args, vae, images)
    vae = train_decoder(args, vae, images, mean, std)
    if args.export_only:
        t, meta = load_checkpoint(args.work / "unet.safetensors")
        unet_state, text_state, step = unpack("ema_unet", t), unpack("ema_text", t), meta["step"]
    else:
        unet_state, text_state, step = train_unet(args, captions, mean, std, scaling)
    pipe = build_pipeline(vae.state_dict(), unet_state, text_state, scaling, args.tokenizer)
    export(args, pipe)
    (args.work / "trained.json").write_text(json.dumps({"unet_steps": step, "images": len(captions), "vae": vae_source(args),
                                                        "decoder_steps": args.decoder_steps, "scaling_factor": scaling}))


if __name__ == "__main__":
    main()
