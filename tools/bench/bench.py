"""The throughput benchmark: one extraction job through hspace and two diffusers baselines.

    tools/bench/run --model models/toy --prompts FILE --seeds 0-7 --steps 4 [--device cpu|cuda]

Baselines (what a researcher runs without hspace):
  naive: StableDiffusionPipeline prompt by prompt, num_images_per_prompt = number of seeds,
         one generator per seed, a forward hook on unet.mid_block, images decoded (defaults);
  tuned: the same pipeline batched across prompts with output_type="latent".
All three see the same prompts, seeds, steps, guidance and size; the h vectors must agree
(cosine >= 0.9999 per item in fp32). Prints items/s for each and the ratios, ending with one
`name: value` line per ratio. Model loading is excluded from every timing.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from diffusers import StableDiffusionPipeline
from safetensors.torch import load_file
from transformers import CLIPTokenizer

REPO = Path(__file__).resolve().parents[2]


def parse_seeds(text):
    seeds = []
    for part in text.split(","):
        if "-" in part:
            lo, hi = part.split("-")
            seeds.extend(range(int(lo), int(hi) + 1))
        else:
            seeds.append(int(part))
    return seeds


class MidBlockRecorder:
    """Keeps the conditional half of unet.mid_block's output at the captured U-Net calls."""

    def __init__(self, unet, cfg, capture_steps):
        self.cfg, self.capture, self.calls, self.records = cfg, set(capture_steps), 0, []
        unet.mid_block.register_forward_hook(self.hook)

    def start(self):
        self.calls, self.records = 0, []

    def hook(self, module, inputs, output):
        if self.calls in self.capture:
            h = output.detach().float().cpu()
            self.records.append(h.chunk(2)[1] if self.cfg else h)
        self.calls += 1

    def steps_of_run(self):
        return torch.stack(self.records, dim=1)  # [B, K, C, h, w]


def run_naive(pipe, recorder, prompts, seeds, args):
    out = []
    for prompt in prompts:
        recorder.start()
        generators = [torch.Generator("cpu").manual_seed(s) for s in seeds]
        pipe(prompt, num_images_per_prompt=len(seeds), generator=generators, num_inference_steps=args.steps,
             guidance_scale=args.guidance, height=args.height, width=args.width)
        out.append(recorder.steps_of_run())
    return torch.stack(out)  # [P, S, K, ...]


def run_tuned(pipe, recorder, prompts, seeds, args):
    items = [(p, s) for p in prompts for s in seeds]
    chunks = []
    for i in range(0, len(items), args.batch):
        batch = items[i:i + args.batch]
        recorder.start()
        pipe([p for p, _ in batch], generator=[torch.Generator("cpu").manual_seed(s) for _, s in batch],
             num_inference_steps=args.steps, guidance_scale=args.guidance, height=args.height, width=args.width,
             output_type="latent")
        chunks.append(recorder.steps_of_run())
    h = torch.cat(chunks)
    return h.view(len(prompts), len(seeds), *h.shape[1:])


class StopAtMidBlock(Exception):
    pass


def unet_flops(pipe, args, cfg):
    """FLOPs of the U-Net forwards the extraction job needs per item: every step up to the last
    captured one, the last through the mid-block only (text encoding, a few percent, not counted)."""
    from torch.utils.flop_counter import FlopCounterMode

    unet = pipe.unet
    batch = 2 if cfg else 1
    latents = torch.randn(batch, unet.config.in_channels, args.height // pipe.vae_scale_factor,
                          args.width // pipe.vae_scale_factor, device=unet.device, dtype=unet.dtype)
    context = torch.randn(batch, 77, unet.config.cross_attention_dim, device=unet.device, dtype=unet.dtype)
    t = torch.tensor([500], device=unet.device)

    def count(stop_at_mid):
        def stop(module, inputs, output):
            raise StopAtMidBlock()
        handle = unet.mid_block.register_forward_hook(stop) if stop_at_mid else None
        counter = FlopCounterMode(display=False)
        try:
            with torch.no_grad(), counter:
                unet(latents, t, context)
        except StopAtMidBlock:
            pass
        finally:
            if handle:
                handle.remove()
        return counter.get_total_flops()

    full, to_mid = count(False), count(True)
    steps_run = max(args.capture_steps) + 1
    return (steps_run - 1) * full + to_mid


def cosine_per_item(a, b):
    a, b = a.flatten(2).double(), b.flatten(2).double()
    return torch.nn.functional.cosine_similarity(a, b, dim=-1)  # [P, S]


def ablation_rows(args):
    """The --ablate rows for this device, each (key, name, job fields, run_hspace settings); exits on
    a row name that does not exist here."""
    # Each row turns one speed-up off; the ratio is what that speed-up buys on this job.
    variants = [("batch", "no batching (batch 1)", {"batch_size": 1}, {}),
                ("images", "images decoded, no early stop", {"images": True}, {}),
                ("text", "text encoded per item", {"text_per_item": True}, {}),
                ("attention", "unfused attention (SDPA math)", {"attention": "math"}, {})]
    unet_config = json.loads((Path(args.model) / "unet" / "config.json").read_text())
    if args.guidance > 1 and unet_config.get("time_cond_proj_dim") is None:
        # classifier-free guidance (not an LCM's guidance embedding): the last step can run the
        # conditional half alone
        variants.append(("branch", "both CFG halves at the last step", {"branch": "both"}, {}))
    if args.device == "cpu":
        variants.append(("threads", "one thread", {}, {"threads": 1}))
        variants.append(("blocks", "freed CPU blocks not reused", {"reuse_cpu_blocks": False}, {}))
    else:
        # These two are not in the engine's defaults: a ratio below 1 says they would pay.
        variants.append(("cudnn", "cuDNN autotuner on", {"cudnn_benchmark": True}, {}))
        variants.append(("memory", "channels-last U-Net (NHWC)", {"memory_format": "channels_last"}, {}))
        if args.dtype != "fp32":
            variants.append(("dtype", "fp32 (TF32 convolutions)", {}, {"precision": "fp32"}))
    known = [v[0] for v in variants]
    rows = set(known) if args.ablate == "all" else set(args.ablate.split(","))
    if rows - set(known):
        sys.exit(f"--ablate: no row {', '.join(sorted(rows - set(known)))} on {args.device}; rows: {','.join(known)}")
    return [v[1:] for v in variants if v[0] in rows]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(REPO / "models" / "toy"))
    ap.add_argument("--prompts", help="UTF-8 file, one prompt per line (default: a built-in list)")
    ap.add_argument("--seeds", default="0-7")
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--guidance", type=float, default=7.5)
    ap.add_argument("--size", default="", help="WxH in pixels (default: the model's)")
    ap.add_argument("--capture", default="last", help="'last' or comma-separated 0-based steps")
    ap.add_argument("--batch", type=int, default=16, help="items per batch (tuned baseline and hspace)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dtype", default="fp32", choices=["fp32", "fp16", "bf16"])
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--engine", default=str(REPO / "target" / "native" / "hspace_bench"))
    ap.add_argument("--repeat", type=int, default=1,
                    help="time every runner this many times after its warm-up and keep the best (for noisy hosts)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="run the whole set of runners (and --ablate variants) this many times in turn and keep "
                         "each one's best: on a host whose speed drifts, every runner then sees the same spells")
    ap.add_argument("--skip-naive", action="store_true", help="skip the naive baseline (slow at full size)")
    ap.add_argument("--peak-tflops", type=float, default=0,
                    help="the card's dense peak for --dtype (H100/H200 SXM fp16/bf16: 989); prints model-FLOP "
                         "utilisation and the floor (FLOPs / peak)")
    ap.add_argument("--ablate", nargs="?", const="all", default="",
                    help="also time hspace with one speed-up turned off at a time (docs/BENCHMARKS.md); "
                         "optionally only the comma-separated rows batch,images,text,attention,branch,threads,"
                         "blocks,memory,dtype,cudnn")
    args = ap.parse_args()

    variants = ablation_rows(args) if args.ablate else []
    if args.threads:
        torch.set_num_threads(args.threads)
    prompts = (Path(args.prompts).read_text(encoding="utf-8").splitlines() if args.prompts else
               [f"a {c} {s}" for c in ("red", "blue", "green", "yellow") for s in ("circle", "square")])
    prompts = [p for p in prompts if p.strip()]
    seeds = parse_seeds(args.seeds)
    dtype = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}[args.dtype]
    pipe = StableDiffusionPipeline.from_pretrained(args.model, torch_dtype=dtype, safety_checker=None,
                                                   requires_safety_checker=False).to(args.device)
    pipe.set_progress_bar_config(disable=True)
    size = pipe.unet.config.sample_size * pipe.vae_scale_factor
    args.width, args.height = (map(int, args.size.split("x")) if args.size else (size, size))
    capture = [args.steps - 1] if args.capture == "last" else [int(x) for x in args.capture.split(",")]
    args.capture_steps = capture
    cfg = args.guidance > 1 and pipe.unet.config.time_cond_proj_dim is None
    recorder = MidBlockRecorder(pipe.unet, cfg, capture)

    tokenizer = CLIPTokenizer.from_pretrained(args.model, subfolder="tokenizer")
    ids = lambda texts: tokenizer(texts, padding="max_length", max_length=tokenizer.model_max_length,
                                  truncation=True).input_ids
    job = {"prompt_ids": ids(prompts), "negative_ids": ids([""])[0], "seeds": seeds, "steps": args.steps,
           "guidance": args.guidance, "width": args.width, "height": args.height, "capture_steps": capture,
           "batch_size": args.batch}
    items = len(prompts) * len(seeds)
    device_index = "-1" if args.device == "cpu" else args.device.split(":")[-1].replace("cuda", "0")

    def run_hspace(variant, threads=args.threads, precision=args.dtype, keep_h=False):
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, "job.json").write_text(json.dumps(dict(job, **variant)))
            cmd = [args.engine, "--model", args.model, "--job", f"{tmp}/job.json", "--device", device_index,
                   "--dtype", precision, "--threads", str(threads), "--repeat", str(args.repeat)]
            if keep_h:
                cmd += ["--out", f"{tmp}/h.safetensors"]
            run = subprocess.run(cmd, capture_output=True, text=True)
            if run.returncode != 0:
                sys.exit(f"hspace_bench failed: {run.stderr.strip()}")
            timing = json.loads(run.stdout.strip().splitlines()[-1])
            return timing, (load_file(f"{tmp}/h.safetensors")["h"] if keep_h else None)

    if args.rounds < 1:
        sys.exit("--rounds must be at least 1")
    runners = [(n, r) for n, r in (("tuned", run_tuned), ("naive", run_naive)) if not (n == "naive" and args.skip_naive)]
    for _, runner in runners:
        runner(pipe, recorder, prompts[:1], seeds[:1], args)  # warm-up
    results, checks, kept = {}, {}, {}
    h_hspace = None
    for _ in range(args.rounds):
        hspace, h = run_hspace({}, keep_h=h_hspace is None)
        h_hspace = h if h_hspace is None else h_hspace
        results["hspace"] = max(results.get("hspace", 0.0), hspace["items_per_s"])
        for name, runner in runners:
            best = float("inf")
            for _ in range(args.repeat):
                start = time.perf_counter()
                h = runner(pipe, recorder, prompts, seeds, args)
                best = min(best, time.perf_counter() - start)
            results[name] = max(results.get(name, 0.0), items / best)
            checks[name] = min(checks.get(name, 1.0), float(cosine_per_item(h_hspace, h).min()))
        for name, variant, settings in variants:
            timing, _ = run_hspace(variant, **settings)
            kept[name] = max(kept.get(name, 0.0), timing["items_per_s"])

    print(f"job: {args.model}, {len(prompts)} prompts x {len(seeds)} seeds, {args.steps} steps, guidance "
          f"{args.guidance}, {args.width}x{args.height}, capture {capture}, {args.device} {args.dtype}, batch {args.batch}, "
          f"best of {args.repeat} x {args.rounds} round(s)")
    print(f"{'runner':<8} {'items/s':>10}  min cosine vs hspace")
    for name, rate in results.items():
        print(f"{name:<8} {rate:>10.3f}  {checks.get(name, 1.0):.6f}")
    # fp32 must agree to 1e-4 in cosine; half precision rounds differently on each side.
    threshold = 0.9999 if args.dtype == "fp32" else 0.999
    ok = all(c >= threshold for c in checks.values())
    print(f"h agreement (cosine >= {threshold} per item, {args.dtype}): {'yes' if ok else 'NO'}")
    if args.peak_tflops:
        flops = unet_flops(pipe, args, cfg) * items
        floor = flops / (args.peak_tflops * 1e12)
        seconds = items / results["hspace"]
        print(f"job: {flops / 1e12:.2f} TFLOP of U-Net forwards; floor at {args.peak_tflops:g} TFLOP/s: "
              f"{floor:.3f} s; hspace: {seconds:.3f} s")
        print(f"mfu_hspace: {floor / seconds:.3f}")
    for name in ("naive", "tuned"):
        if name in results:
            print(f"speedup_vs_{name}: {results['hspace'] / results[name]:.2f}")
    if args.ablate:
        print(f"{'hspace variant':<38} {'items/s':>10}  speed-up kept")
        print(f"{'all speed-ups':<38} {results['hspace']:>10.3f}  1.00")
        for name, rate in kept.items():
            print(f"{name:<38} {rate:>10.3f}  {results['hspace'] / rate:.2f}")

    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
