"""The Toy World reader's accuracy on rendered images softened by a Gaussian blur.

Generated images are softer than renders; this measures how far the reader's shape reading
holds up as edges soften, on images whose attributes are known.

Usage: reader_blur.py [--n 2000] [--seed 5] [--sigmas 0,0.5,0.7,1.0] [--work DIR]
Renders --n images with `hspace toyworld render` (models/toy/priors.json), blurs copies with
each sigma (pixels), reads them with `hspace toyworld read`, and prints per sigma the accuracy
of every attribute and the shape accuracy of each small shape. Replaces --work's render/ and
blur_*/ folders and nothing else.
"""

import argparse
import collections
import json
import shutil
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageFilter

REPO = Path(__file__).resolve().parents[2]


def hspace(*args):
    # stderr is progress bars unless the step fails; then it says why
    done = subprocess.run([str(REPO / "tools/hspace"), *map(str, args)], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"hspace {' '.join(map(str, args))} failed ({done.returncode}):\n{done.stderr}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--seed", type=int, default=5)
    p.add_argument("--sigmas", default="0,0.5,0.7,1.0")
    p.add_argument("--work", type=Path, default=REPO / ".cache/reader_blur")
    args = p.parse_args()
    render = args.work / "render"
    shutil.rmtree(render, ignore_errors=True)  # a smaller rerun would otherwise read the old render's extra files
    hspace("toyworld", "render", "--n", args.n, "--priors", REPO / "models/toy/priors.json", "--seed", args.seed,
           "--out", render)
    with open(render / "captions.jsonl") as f:
        truth = {Path(r["file"]).name: r["attributes"] for r in map(json.loads, f)}
    attributes = ["shape", "color", "size", "background"]
    for sigma in map(float, args.sigmas.split(",")):
        blurred = args.work / f"blur_{sigma}"
        shutil.rmtree(blurred, ignore_errors=True)
        blurred.mkdir(parents=True)
        for name in truth:
            with Image.open(render / "images" / name) as img:
                rgb = img.convert("RGB")
            (rgb.filter(ImageFilter.GaussianBlur(sigma)) if sigma > 0 else rgb).save(blurred / name)
        readings = args.work / f"blur_{sigma}.jsonl"
        hspace("toyworld", "read", blurred, "--out", readings)
        right = collections.Counter()
        small = collections.Counter()
        small_n = collections.Counter()
        with open(readings) as f:
            rows = [json.loads(line) for line in f]
        for r in rows:
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
