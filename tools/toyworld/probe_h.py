"""Asks where a Toy World U-Net carries each attribute: linear probes on its features.

Usage: probe_h.py MODEL RENDER_DIR [--steps 10] [--at 2,5,8] [--folds 5] [--seed 0]
  RENDER_DIR: output of `hspace toyworld render` (images/ + captions.jsonl with true attributes).

Each image is VAE-encoded (latent mean x scaling_factor), noised to the timesteps of sampling
steps --at of an --steps-step schedule (the model's scheduler), and run through the U-Net with
the empty prompt, as `hspace condition` does. A multinomial logistic regression is fitted on
each feature site, with --folds-fold cross-validation, for each attribute. Sites: the mid-block
output (h-space), the output of each down block (what the up path also receives through its
skip connections), and conv_in. The table answers whether an attribute is absent from h, or
present but not along the directions prompts give. A second table reads h through the training
folds' class means, by the cosine and by the shrunk linear discriminant `hspace condition`
uses: the supervised counterparts of its two scores.
"""

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from diffusers import AutoencoderKL, DDIMScheduler, UNet2DConditionModel
from PIL import Image
from transformers import CLIPTextModel, CLIPTokenizer

ATTRIBUTES = ("shape", "color", "size", "background")


def probe_accuracy(x, y, folds, seed, l2=1e-2, iterations=100):
    """Mean held-out accuracy of an L2-regularised softmax regression over `folds` folds."""
    classes = int(y.max()) + 1
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    right = 0
    for f in range(folds):
        test = order[f::folds]
        train = order[torch.isin(order, test, invert=True)]
        mu, sd = x[train].mean(0), x[train].std(0) + 1e-6
        xt, xv = (x[train] - mu) / sd, (x[test] - mu) / sd
        w = torch.zeros(x.shape[1], classes, requires_grad=True)
        b = torch.zeros(classes, requires_grad=True)
        opt = torch.optim.LBFGS([w, b], max_iter=iterations, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(xt @ w + b, y[train]) + l2 * (w ** 2).sum()
            loss.backward()
            return loss

        opt.step(closure)
        right += int(((xv @ w + b).argmax(1) == y[test]).sum())
    return right / len(y)


def ledoit_wolf(r):
    """Covariance of residual rows r, shrunk towards a scaled identity (Ledoit-Wolf, at least 1e-3)."""
    n, d = r.shape
    s = r.T @ r / n
    mu = s.trace() / d
    spread = ((s - mu * torch.eye(d)) ** 2).sum()
    noise = min(float((((r ** 2).sum(1) ** 2).sum() / n - (s ** 2).sum()) / n), float(spread))
    lam = min(1.0, max(1e-3, noise / float(spread)))
    return (1 - lam) * s + lam * mu * torch.eye(d)


def class_mean_accuracy(x, y, folds, seed):
    """Held-out accuracy of the class means read by the centred cosine and by the discriminant."""
    classes = int(y.max()) + 1
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    right_cos = right_lda = 0
    for f in range(folds):
        test = order[f::folds]
        train = order[torch.isin(order, test, invert=True)]
        means = torch.stack([x[train][y[train] == k].mean(0) for k in range(classes)])
        centred = means - means.mean(0)
        xv = x[test] - x[train].mean(0)
        cos = torch.nn.functional.normalize(xv, dim=1) @ torch.nn.functional.normalize(centred, dim=1).T
        right_cos += int((cos.argmax(1) == y[test]).sum())
        w = torch.linalg.solve(ledoit_wolf(x[train] - means[y[train]]), centred.T)
        right_lda += int(((xv @ w - 0.5 * (centred * w.T).sum(1)).argmax(1) == y[test]).sum())
    return right_cos / len(y), right_lda / len(y)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", type=Path)
    p.add_argument("data", type=Path)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--at", default="2,5,8", help="sampling step indices to noise to (0 = noisiest)")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    vae = AutoencoderKL.from_pretrained(str(args.model / "vae"), torch_dtype=torch.float32).eval()
    unet = UNet2DConditionModel.from_pretrained(str(args.model / "unet"), torch_dtype=torch.float32).eval()
    text = CLIPTextModel.from_pretrained(str(args.model / "text_encoder"), torch_dtype=torch.float32).eval()
    tokenizer = CLIPTokenizer.from_pretrained(str(args.model / "tokenizer"))
    scheduler = DDIMScheduler.from_pretrained(str(args.model / "scheduler"))
    scheduler.set_timesteps(args.steps)

    lines = [json.loads(l) for l in open(args.data / "captions.jsonl")]
    pixels = np.stack([np.asarray(Image.open(args.data / l["file"]).convert("RGB")) for l in lines])
    x = torch.from_numpy(pixels).permute(0, 3, 1, 2).float() / 127.5 - 1
    labels = {}
    for a in ATTRIBUTES:
        values = sorted({l["attributes"][a] for l in lines})
        labels[a] = torch.tensor([values.index(l["attributes"][a]) for l in lines])

    captured = {}

    def keep(name):
        def hook(module, inputs, output):
            captured.setdefault(name, []).append((output[0] if isinstance(output, tuple) else output).flatten(1))
        return hook

    unet.conv_in.register_forward_hook(keep("conv_in"))
    for i, block in enumerate(unet.down_blocks):
        block.register_forward_hook(keep(f"down_blocks.{i}"))
    unet.mid_block.register_forward_hook(keep("mid_block (h)"))

    with torch.no_grad():
        ids = tokenizer([""], padding="max_length", max_length=tokenizer.model_max_length, return_tensors="pt").input_ids
        empty = text(ids)[0]
        z = vae.encode(x).latent_dist.mean * vae.config.scaling_factor
        noise = torch.randn(z.shape, generator=torch.Generator().manual_seed(args.seed))
        for at in (int(s) for s in args.at.split(",")):
            t = scheduler.timesteps[at]
            captured.clear()
            for i in range(0, len(z), 200):
                noisy = scheduler.add_noise(z[i:i + 200], noise[i:i + 200], t.repeat(len(z[i:i + 200])))
                unet(noisy, t, encoder_hidden_states=empty.expand(len(noisy), -1, -1))
            print(f"\nstep {at} of {args.steps} (t={int(t)}), {len(z)} images, {args.folds}-fold linear probe accuracy")
            print(f"{'site':<16} {'dims':>5} " + " ".join(f"{a:>10}" for a in ATTRIBUTES))
            for name, parts in captured.items():
                feats = torch.cat(parts)
                accs = [probe_accuracy(feats, labels[a], args.folds, args.seed) for a in ATTRIBUTES]
                print(f"{name:<16} {feats.shape[1]:>5} " + " ".join(f"{acc:>10.3f}" for acc in accs))
            h = torch.cat(captured["mid_block (h)"])
            reads = [class_mean_accuracy(h, labels[a], args.folds, args.seed) for a in ATTRIBUTES]
            print("h read through the training folds' class means:")
            for i, score in enumerate(("cosine", "discriminant")):
                print(f"{score:<22} " + " ".join(f"{r[i]:>10.3f}" for r in reads))
    chance = [float(torch.bincount(labels[a]).max()) / len(lines) for a in ATTRIBUTES]
    print(f"{'majority class':<16} {'':>5} " + " ".join(f"{c:>10.3f}" for c in chance))


if __name__ == "__main__":
    main()
