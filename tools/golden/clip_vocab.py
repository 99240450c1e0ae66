"""Writes the real CLIP BPE tokenizer, in the Hugging Face layout, to models/toy/tokenizer/.

The source is open_clip's `bpe_simple_vocab_16e6.txt.gz` (the file OpenAI's CLIP ships), taken
offline from the pinned open_clip_torch wheel:

    .venv/bin/pip download open_clip_torch==3.2.0 --no-deps -d .cache/open_clip

Layout (as openai/clip-vit-large-patch14 and SD 1.5's tokenizer/ folder have it):
- vocab.json: 256 byte characters, the same 256 with `</w>`, one token per merge, then
  `<|startoftext|>` and `<|endoftext|>`: 49408 ids.
- merges.txt: `#version: 0.2`, then the merges. Both open_clip and transformers keep lines
  1 .. 49152-256-2 of their file (48894 merges), so 256 + 256 + 48894 + 2 = 49408.
- tokenizer_config.json / special_tokens_map.json: pad `<|endoftext|>`, model_max_length 77.

Check: transformers' CLIPTokenizer loaded from the folder must give the well-known SD ids for
"a photo of a cat"; the script fails otherwise.
"""
import gzip
import json
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WHEEL = REPO / ".cache" / "open_clip" / "open_clip_torch-3.2.0-py3-none-any.whl"
BPE_IN_WHEEL = "open_clip/bpe_simple_vocab_16e6.txt.gz"
OUT = REPO / "models" / "toy" / "tokenizer"

NUM_MERGES = 49152 - 256 - 2
BOS, EOS = "<|startoftext|>", "<|endoftext|>"
EXPECTED = {"a photo of a cat": [49406, 320, 1125, 539, 320, 2368, 49407]}


def bytes_to_unicode() -> dict:
    """GPT-2's reversible byte -> printable character map, as CLIP uses it."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def added_token(content: str) -> dict:
    return {"content": content, "lstrip": False, "normalized": True,
            "rstrip": False, "single_word": False}


def write_folder(out: Path, merges: list, pad_token: str) -> None:
    byte_chars = list(bytes_to_unicode().values())
    vocab = byte_chars + [c + "</w>" for c in byte_chars] + ["".join(m) for m in merges] + [BOS, EOS]
    encoder = {token: i for i, token in enumerate(vocab)}
    if len(encoder) != 49408:
        sys.exit(f"vocabulary has {len(encoder)} distinct tokens, expected 49408")
    out.mkdir(parents=True, exist_ok=True)
    (out / "vocab.json").write_text(json.dumps(encoder, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "merges.txt").write_text("#version: 0.2\n" + "".join(" ".join(m) + "\n" for m in merges),
                                    encoding="utf-8")
    special = {"bos_token": added_token(BOS), "eos_token": added_token(EOS), "unk_token": added_token(EOS),
               "pad_token": pad_token}
    config = dict(special, add_prefix_space=False, do_lower_case=True, errors="replace",
                  model_max_length=77, tokenizer_class="CLIPTokenizer")
    for name, obj in (("tokenizer_config.json", config), ("special_tokens_map.json", special)):
        (out / name).write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def read_merges() -> list:
    if not WHEEL.exists():
        sys.exit(f"{WHEEL} missing: run `.venv/bin/pip download open_clip_torch==3.2.0 --no-deps -d .cache/open_clip`")
    with zipfile.ZipFile(WHEEL) as wheel:
        lines = gzip.decompress(wheel.read(BPE_IN_WHEEL)).decode("utf-8").split("\n")
    # Line 0 is the version header; open_clip and transformers both slice [1 : 49152-256-2+1].
    merges = [tuple(line.split()) for line in lines[1:NUM_MERGES + 1]]
    if len(merges) != NUM_MERGES or any(len(m) != 2 for m in merges):
        sys.exit(f"{BPE_IN_WHEEL}: expected {NUM_MERGES} two-part merges")
    return merges


def check(folder: Path) -> None:
    from transformers import CLIPTokenizer
    tok = CLIPTokenizer.from_pretrained(str(folder))
    for text, ids in EXPECTED.items():
        got = tok(text).input_ids
        if got != ids:
            sys.exit(f"{folder}: {text!r} -> {got}, expected {ids}")
    print(f"{folder}: {len(tok)} tokens, {text!r} -> {got}")


def main() -> None:
    write_folder(OUT, read_merges(), pad_token=EOS)
    check(OUT)


if __name__ == "__main__":
    main()
