"""Golden vectors for the native CLIP model (both towers) and its image preprocessing.

Two small random-initialised transformers CLIPModel folders with the config field values of
openai/clip-vit-base-patch32 ("vit_b32": 224 px, patch 32) and openai/clip-vit-large-patch14
("vit_l14": 224 px, patch 14) -- quick_gelu, layer_norm_eps, 77 text positions, the legacy
eos_token_id 2 of those configs, logit_scale_init_value -- but narrow widths, two layers and
a reduced vocabulary, saved under tests/golden/clip/<name>/ as a real CLIP folder is laid out:
config.json, model.safetensors, preprocessor_config.json and the tokenizer files.

The reduced tokenizer is the real CLIP BPE cut short: the 512 byte symbols, the first 486
merges (whose ids are those of the full vocabulary) and <|startoftext|>, <|endoftext|> at 998,
999, so a 1000-id text tower reads it and CLIP's EOS stays the highest id.

tests/golden/clip/images/: a few PNG images (landscape, a grayscale square, a large one that
the resize shrinks twice over, one smaller than the crop), and processor.safetensors:
each image as the RGB uint8 array CLIPImageProcessor sees ("image_<i>", [H, W, 3]) and its
pixel_values ("pixel_values_<i>", [3, 224, 224]) from transformers' CLIPImageProcessor
(Pillow bicubic resize of the shortest side, center crop, rescale, normalise).

<name>/golden.safetensors: token ids of a few prompts ("input_ids", [T, 77]) and, for the
pixel_values of all images stacked in order, CLIPModel's image_embeds, text_embeds (both
normalised), logits_per_image, the unnormalised get_image_features / get_text_features, and
the vision tower's last_hidden_state.

<name>/tagger.json + tagger.safetensors: the zero-shot tagger's reference, all in transformers:
the PNG files read with Pillow, the prompt template filled with each word, tokenized with the
folder's tokenizer (padding to 77), and CLIPModel's logits_per_image [images, words].
"""
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw
from safetensors.torch import save_file
from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPTokenizer

from common import REPO, max_relative_error, out_dir, save_json, save_tensors, seed_all

VOCAB = 1000
NUM_MERGES = VOCAB - 512 - 2
LENGTH = 77
REAL_TOKENIZER = REPO / "models" / "toy" / "tokenizer"

# Field values of the real openai configs; widths, depths and projection narrowed.
TEXT_COMMON = dict(hidden_act="quick_gelu", max_position_embeddings=LENGTH, layer_norm_eps=1e-5, vocab_size=VOCAB,
                   bos_token_id=0, eos_token_id=2, pad_token_id=1)
CONFIGS = {
    # openai/clip-vit-base-patch32: text 512 wide / 8 heads, vision 768 / 12 heads, projection 512.
    "vit_b32": dict(
        text=dict(TEXT_COMMON, hidden_size=32, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4),
        vision=dict(hidden_act="quick_gelu", image_size=224, patch_size=32, num_channels=3, layer_norm_eps=1e-5,
                    hidden_size=48, intermediate_size=192, num_hidden_layers=2, num_attention_heads=4),
        projection_dim=24,
    ),
    # openai/clip-vit-large-patch14: text 768 / 12 heads, vision 1024 / 16 heads, projection 768.
    "vit_l14": dict(
        text=dict(TEXT_COMMON, hidden_size=48, intermediate_size=192, num_hidden_layers=2, num_attention_heads=6),
        vision=dict(hidden_act="quick_gelu", image_size=224, patch_size=14, num_channels=3, layer_norm_eps=1e-5,
                    hidden_size=32, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4),
        projection_dim=16,
    ),
}
PROMPTS = ["a photo of a cat", "a photo of a red car", "two dogs playing in the snow, high resolution"]
TAGGER = dict(template="a photo of a {word}", words=["cat", "dog", "car", "tree", "house", "person", "flower"])


def synthetic_image(seed: int, width: int, height: int, mode: str = "RGB") -> Image.Image:
    """Gradients, stripes and sharp-edged shapes: every resampling tap matters, PNG stays small."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    channels = []
    for c in range(3):
        fx, fy, phase = rng.uniform(0.01, 0.2), rng.uniform(0.01, 0.2), rng.uniform(0, 6.3)
        channels.append(127.5 + 100 * np.sin(fx * x + fy * y + phase) + 27 * np.cos(0.9 * x) * (c == seed % 3))
    img = Image.fromarray(np.clip(np.stack(channels, -1), 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    for _ in range(6):
        x0, y0 = int(rng.integers(0, width - 10)), int(rng.integers(0, height - 10))
        x1, y1 = x0 + int(rng.integers(5, width // 2)), y0 + int(rng.integers(5, height // 2))
        fill = tuple(int(v) for v in rng.integers(0, 256, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x0, y0, x1, y1], fill=fill)
    return img.convert(mode)


IMAGES = [  # (file, seed, width, height, mode)
    ("landscape.png", 1, 400, 300, "RGB"),   # shrunk 1.34x
    ("gray_square.png", 3, 224, 224, "L"),   # no resize; grayscale -> RGB
    ("large.png", 4, 460, 450, "RGB"),       # shrunk 2x: the widened (antialiasing) kernel
    ("small_wide.png", 5, 131, 57, "RGB"),   # upscaled ~4x, very wide
]


def write_tokenizer(folder: Path) -> None:
    vocab = json.loads((REAL_TOKENIZER / "vocab.json").read_text(encoding="utf-8"))
    kept = {token: i for token, i in vocab.items() if i < 512 + NUM_MERGES}
    kept["<|startoftext|>"] = VOCAB - 2
    kept["<|endoftext|>"] = VOCAB - 1
    assert len(kept) == VOCAB and sorted(kept.values()) == list(range(VOCAB))
    lines = (REAL_TOKENIZER / "merges.txt").read_text(encoding="utf-8").split("\n")
    (folder / "vocab.json").write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
    (folder / "merges.txt").write_text("\n".join(lines[: NUM_MERGES + 1]) + "\n", encoding="utf-8")
    for name in ("tokenizer_config.json", "special_tokens_map.json"):
        (folder / name).write_text((REAL_TOKENIZER / name).read_text(encoding="utf-8"), encoding="utf-8")


def main() -> None:
    root = out_dir("clip")
    image_dir = root / "images"
    image_dir.mkdir(exist_ok=True)
    processor = CLIPImageProcessor()  # the openai preprocessor_config.json values (224, bicubic, CLIP mean/std)
    processed, files = {}, []
    for i, (name, seed, width, height, mode) in enumerate(IMAGES):
        synthetic_image(seed, width, height, mode).save(image_dir / name)
        files.append(image_dir / name)
        with Image.open(image_dir / name) as png:
            rgb = png.convert("RGB")  # what CLIPImageProcessor's do_convert_rgb gives
            processed[f"image_{i}"] = torch.from_numpy(np.asarray(rgb).copy())
            processed[f"pixel_values_{i}"] = processor(images=png, return_tensors="pt").pixel_values[0]
    save_tensors(root / "processor.safetensors", processed)
    save_json(root / "images.json", {"files": [name for name, *_ in IMAGES]})
    pixel_values = torch.stack([processed[f"pixel_values_{i}"] for i in range(len(IMAGES))])

    for index, (name, spec) in enumerate(CONFIGS.items()):
        seed_all(3000 + index)
        config = CLIPConfig(text_config=spec["text"], vision_config=spec["vision"],
                            projection_dim=spec["projection_dim"])
        model = CLIPModel(config).eval()
        folder = root / name
        model.save_pretrained(folder, safe_serialization=True)
        processor.save_pretrained(folder)
        write_tokenizer(folder)
        tokenizer = CLIPTokenizer.from_pretrained(folder)
        ids = tokenizer(PROMPTS, padding="max_length", max_length=LENGTH, truncation=True,
                        return_tensors="pt").input_ids
        assert ids.max() == VOCAB - 1 and ids[:, 0].eq(VOCAB - 2).all(), "BOS/EOS must be the two highest ids"
        with torch.no_grad():
            out = model(input_ids=ids, pixel_values=pixel_values)
            tensors = {
                "input_ids": ids,
                "image_embeds": out.image_embeds,
                "text_embeds": out.text_embeds,
                "logits_per_image": out.logits_per_image,
                "image_features": model.get_image_features(pixel_values=pixel_values),
                "text_features": model.get_text_features(input_ids=ids),
                "vision_last_hidden_state": out.vision_model_output.last_hidden_state,
            }
        save_tensors(folder / "golden.safetensors", tensors)

        # The tagger's reference: every word in the template, every PNG, all in transformers.
        prompts = [TAGGER["template"].replace("{word}", w) for w in TAGGER["words"]]
        tag_ids = tokenizer(prompts, padding="max_length", max_length=LENGTH, truncation=True,
                            return_tensors="pt").input_ids
        images = [Image.open(f) for f in files]
        with torch.no_grad():
            tag = model(input_ids=tag_ids, pixel_values=processor(images=images, return_tensors="pt").pixel_values)
        logits = tag.logits_per_image
        gaps = logits.sort(dim=1, descending=True).values.diff(dim=1).abs()
        save_json(folder / "tagger.json", dict(TAGGER, images=[f.name for f in files],
                                               min_gap_between_ranks=float(gaps.min())))
        save_tensors(folder / "tagger.safetensors", {"input_ids": tag_ids, "logits_per_image": logits})

        reloaded = CLIPModel.from_pretrained(folder).eval()
        with torch.no_grad():
            again = reloaded(input_ids=ids, pixel_values=pixel_values).logits_per_image
        err = max_relative_error(again, out.logits_per_image)
        assert err == 0.0, f"{name}: reloaded model differs ({err})"
        print(f"{name}: vision {config.vision_config.hidden_size} wide, patch {config.vision_config.patch_size}; "
              f"text {config.text_config.hidden_size} wide; logits range {float(logits.min()):.3f}.."
              f"{float(logits.max()):.3f}, smallest rank gap {float(gaps.min()):.2e} -> {folder}")


if __name__ == "__main__":
    main()
