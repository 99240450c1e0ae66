"""The Toy World reader's accuracy on rendered images softened by a Gaussian blur.

Generated images are softer than renders; this measures how far the reader's shape reading
holds up as edges soften, on images whose attributes are known.

Usage: reader_blur.py [--n 2000] [--seed 5] [--sigmas 0,0.5,0.7,1.0] [--work DIR]
Renders --n images with `hspace toyworld render` (models/toy/priors.json), blurs copies with
each sigma (pixels), reads them with `hspace toyworld read`, and prints per sigma the accuracy
of every attribute and the shape accuracy of each small shape.
"""

import argparse
import collections
import json
import shutil
import subprocess
from pathlib import Path

from PIL import Image, ImageFilter

REPO = Path(__file__).resolve().parents[2]


def hspace(*args):
    subprocess.run([str(REPO / "tools/hspace"), *map(str, args)], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--seed", type=int, default=5)
    p.add_argument("--sigmas", default="0,0.5,0.7,1.0")
    p.add_argument("--work", type=Path, default=REPO / ".cache/reader_blur")
    args = p.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    render = args.work / "render"
    hspace("toyworld", "render", "--n", args.n, "--priors", REPO / "models/toy/priors.json", "--seed", args.seed,
           "--out", render)
    truth = {}
    for line in open(render / "captions.jsonl"):
        r = json.loads(line)
        truth[Path(r["file"]).name] = r["attributes"]
    attributes = ["shape", "color", "size", "background"]
    for sigma in map(float, args.sigmas.split(",")):
        blurred = args.work / f"blur_{sigma}"
        blurred.mkdir(parents=True, exist_ok=True)
        for name in truth:
            img = Image.open(render / "images" / name).convert("RGB")
            (img.filter(ImageFilter.GaussianBlur(sigma)) if sigma > 0 else img).save(blurred / name)
        readings = args.work / f"blur_{sigma}.jsonl"
        hspace("toyworld", "read", blurred, "--out", readings)
        right = collections.Counter()
        small = collections.Counter()
        small_n = collections.Counter()
        for line in open(readings):
            r = json.loads(line)
            t = truth[Path(r["file"]).name]
            for a in attributes:
                right[a] += r["attributes"].get(a) == t[a]
            if t["size"] == "small":
                small_n[t["shape"]] += 1
                small[t["shape"]] += r["attributes"].get("shape") == t["shape"]
        print(f"sigma {sigma:.1f}: " + " ".join(f"{a} {right[a] / len(truth):.3f}" for a in attributes)
              + " | small shapes: " + " ".join(f"{s} {small[s] / small_n[s]:.2f}" for s in sorted(small_n)), flush=True)


if __name__ == "__main__":
    main()
