"""Tokenizer parity corpus: prompts and the ids transformers' CLIPTokenizer gives them.

Writes tests/golden/tokenizer/:
- prompts.jsonl: one JSON object a line, {"prompt", "ids", "sdxl_ids"}.
  `ids`: CLIPTokenizer from models/toy/tokenizer (SD 1.5 layout), truncation=True, max_length=77.
  `sdxl_ids`: the same vocabulary with SDXL's second-tokenizer settings (pad "!", which also
  makes "!" a special token), padding="max_length", truncation=True, max_length=77.
- sdxl_tokenizer_2/: that variant's tokenizer_config.json and special_tokens_map.json; tests
  pair them with models/toy/tokenizer's vocab.json and merges.txt.

The prompts are deterministic: attribute grids, punctuation, emoji, scripts, accents (composed
and decomposed), special-token look-alikes, long prompts, whitespace and control characters,
plus sweeps over every Unicode property boundary, lowercase mapping and canonical decomposition
the Java tokenizer's tables encode.

Run: .venv/bin/python tools/golden/gen_tokenizer.py (after tools/golden/clip_vocab.py)
"""
import json
import random
import shutil
import sys
import tempfile
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, out_dir  # noqa: E402

TOKENIZER = REPO / "models" / "toy" / "tokenizer"
MAX_LENGTH = 77
SEED = 20240611

PROFESSIONS = """doctor nurse engineer teacher firefighter pilot chef farmer lawyer judge scientist
programmer architect artist musician dancer singer writer poet journalist photographer painter
plumber electrician carpenter mechanic soldier police officer detective librarian cashier
waiter bartender barber hairdresser surgeon dentist pharmacist veterinarian astronaut
CEO secretary receptionist janitor construction worker truck driver taxi driver accountant
banker economist professor student athlete boxer swimmer gardener baker butcher fisherman
tailor model actor politician priest nun monk""".split()
GENDERS = ["", "male ", "female ", "man ", "woman ", "non-binary ", "young ", "old ", "Black ", "Asian ",
           "White ", "Hispanic ", "Middle-Eastern ", "Indian "]
TEMPLATES = ["a photo of a {g}{p}", "A portrait of the {g}{p}.", "an {g}{p} at work, 4k, highly detailed",
             "{g}{p}"]
DESCRIPTORS = """happy sad angry tired smiling serious tall short fat thin beautiful ugly rich poor
friendly hostile confident shy elegant scruffy muscular elderly teenage bearded bald blonde
red-haired tattooed wealthy homeless""".split()
SUBJECTS = ["person", "dog", "cat", "house", "car", "city street", "forest", "robot", "castle", "flower"]
STYLES = ["oil painting", "watercolor", "photorealistic", "anime style", "pixel art", "3D render",
          "trending on artstation", "by Greg Rutkowski", "cinematic lighting", "8k uhd, dslr"]

HANDWRITTEN = [
    "", " ", "   ", "\t", "\n", "\r\n", " \t\n ", "\u00a0", "\u3000", "\u2028", "\u2029",
    "a\tphoto\tof\ta\tcat", "a photo\nof a cat", "line one\r\nline two", "  leading and trailing  ",
    "tabs\t\tand  doubled   spaces", "vertical\x0btab", "form\x0cfeed", "nul\x00char", "bell\x07char",
    "esc\x1b[31mred\x1b[0m", "zero\u200bwidth", "soft\u00adhyphen", "bom\ufeffinside", "rtl\u200fmark",
    "replacement \ufffd char", "del\x7fchar", "c1\x85next line", "private \ue000 use", "mongolian\u180evs",
    "a photo of a cat", "A PHOTO OF A CAT", "A Photo Of A Cat", "a photo of a cat.", "a photo of a cat!",
    "a photo of a cat!!!", "hello!", "!", "!!", "! ! !", "wow!amazing", "<|endoftext|>", "<|startoftext|>",
    "<|endoftext|><|endoftext|>", "a <|endoftext|> b", "a<|endoftext|>b", "<|ENDOFTEXT|>", "<|EndOfText|> x",
    "<|startoftext|>a photo", "<|ſtartoftext|>", "<|endoftext|", "|endoftext|>", "<|endoftext |>",
    "<endoftext>", "<|endoftext|>!", "!<|endoftext|>!", "text!<|startoftext|>!text",
    "it's", "IT'S", "it'S", "don't", "DON'T", "we're", "WE'RE", "they've", "THEY'VE", "i'm", "I'M",
    "you'll", "YOU'LL", "he'd", "HE'D", "it'ſ", "it’s", "it`s", "the cat's hat", "the cats' hats",
    "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "''", "'", "'sun", "o'clock", "rock 'n' roll",
    "&amp;", "&lt;b&gt;bold&lt;/b&gt;", "&quot;quoted&quot;", "&#39;single&#39;", "&nbsp;space",
    "&copy; 2024", "fish &amp; chips", "<b>bold</b>", "<img src=\"x.png\">", "a &#x263A; smile",
    "3", "42", "3.14159", "1,000,000", "2024-06-11", "12:30pm", "4k", "8K UHD", "1920x1080", "50%",
    "$100", "€50", "¥1000", "#1", "no. 7", "v2.0", "1st 2nd 3rd 4th", "٣", "१२३", "一二三", "Ⅻ", "½", "²³",
    "⑦", "𝟙𝟚𝟛", "0x1F600", "007", "-5", "+3", "1e10", "∞",
    "café", "cafe\u0301", "naïve", "nai\u0308ve", "Zoë", "crème brûlée", "jalapeño", "façade", "Ångström",
    "A\u030angstro\u0308m", "Øre", "straße", "STRASSE", "ẞ", "İstanbul", "ıi", "Ǆ ǅ ǆ", "ﬁ ﬂ ﬀ", "Œuvre",
    "ΟΔΟΣ", "ΟΔΟΣ ΟΔΟΣΑ", "Σ", "ΑΣ", "Α.Σ.", "ΑΣ'Α", "ΣΑΣ", "ᾼΣ", "α\u0345", "\u0345", "ΑΣ\u0345", "ΑΣ\u0301",
    "Москва", "ПРИВЕТ мир", "Ёлка", "Київ", "Україна", "مرحبا بالعالم", "القطط", "שלום עולם",
    "नमस्ते दुनिया", "สวัสดีชาวโลก", "Γειά σου Κόσμε", "გამარჯობა", "Բարեւ", "ሰላም", "ᚠᚢᚦ", "ꓐꓑ",
    "你好世界", "一只猫的照片", "猫", "日本語のテキスト", "ひらがな カタカナ", "ｶﾀｶﾅ", "한국어 텍스트",
    "안녕하세요", "한", "𠀀𠀁", "丽", "豈", "中文English混合", "漢字and kana かな",
    "😀", "🐱", "👩‍⚕️", "👨🏽‍🚀", "🏳️‍🌈", "🇯🇵🇺🇸", "❤️", "🫠", "🫡", "🪿", "🩷", "🫨", "✨🌟⭐",
    "a cat 🐱 in space 🚀", "👍🏻👍🏼👍🏽👍🏾👍🏿", "©®™", "☃", "♀️♂️", "⚧", "🧑‍🤝‍🧑",
    ",.;:!?", "...", "…", "—", "–", "--", "((masterpiece))", "[best quality]", "{cat|dog}",
    "(cat:1.2)", "a, b, c", "a.b.c", "hello,world", "e-mail", "self-portrait", "x/y", "a\\b", "@user",
    "#hashtag", "under_score", "a~b", "`code`", "^caret^", "\"quoted\"", "«guillemets»", "„low“",
    "“smart quotes”", "‘single’", "¿qué?", "¡hola!", "•bullet", "§ 5", "¶", "†‡", "※", "〜", "。、",
    "！？", "（全角）", "＠＃", "ａｂｃ", "ＡＢＣ", "𝐀𝐁𝐂", "𝕒𝕓𝕔", "ⓐⓑⓒ", "Ⓐ", "🄰",
]

APOSTROPHE_WORDS = ["it", "that", "there", "he", "she", "we", "they", "you", "i", "who", "what"]
SUFFIXES = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"]

LONG_WORDS = ("masterpiece best quality ultra detailed portrait of a woman with flowing hair standing "
              "in a field of sunflowers golden hour lighting soft focus bokeh background shot on "
              "kodak portra 400 film grain highly detailed skin texture sharp eyes by annie leibovitz "
              "and steve mccurry award winning photograph national geographic cover").split()


def grid_prompts(rng: random.Random) -> list:
    prompts = [t.format(g=g, p=p) for p in PROFESSIONS for g in GENDERS for t in TEMPLATES[:2]]
    prompts += [TEMPLATES[2].format(g=g.strip() + " " if g else "", p=p)
                for p in PROFESSIONS for g in rng.sample(GENDERS, 3)]
    prompts += [f"a {d} {s}, {st}" for d in DESCRIPTORS for s in rng.sample(SUBJECTS, 3)
                for st in rng.sample(STYLES, 1)]
    return prompts


def apostrophe_prompts() -> list:
    out = []
    for w in APOSTROPHE_WORDS:
        for s in SUFFIXES:
            out += [w + s, (w + s).upper(), w + s.upper(), f"{w.capitalize()}{s} here"]
    return out


def long_prompts(rng: random.Random) -> list:
    out = []
    for n in (60, 73, 74, 75, 76, 77, 78, 80, 100, 150, 300):
        out.append(" ".join(rng.choice(LONG_WORDS) for _ in range(n)))
    out += [", ".join(LONG_WORDS) * 2, "!" * 200, "a" * 500, "🐱" * 100, "猫" * 100, "ab " * 200,
            "word! " * 60, "1" * 120, "<|endoftext|>" * 90]
    return out


def unicode_sweeps(rng: random.Random, fits) -> list:
    """Chars at every property-table boundary, every lowercase mapping, every canonical decomposition.

    Characters are packed greedily into prompts that `fits` (no truncation), so none is hidden.
    """
    sys.path.insert(0, str(REPO / "tools"))
    from gen_clip_unicode import flags_of, runs  # noqa: E402
    import regex
    letter = regex.compile(r"[\p{L}]", regex.IGNORECASE)
    number = regex.compile(r"[\p{N}]", regex.IGNORECASE)
    other = regex.compile(r"[^\s\p{L}\p{N}]", regex.IGNORECASE)
    valid = [cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]
    flags = {cp: flags_of(cp, letter, number, other) for cp in valid}
    boundaries = [cp for cp, _ in runs([flags.get(cp, -1) for cp in range(0x110000)]) if cp in flags]
    boundaries += [cp - 1 for cp in boundaries if cp - 1 in flags]
    lowers = [cp for cp in valid if chr(cp).lower() != chr(cp) or chr(cp).upper() != chr(cp)]
    decomposable = [cp for cp in valid if unicodedata.normalize("NFD", chr(cp)) != chr(cp)]
    combining = [cp for cp in valid if unicodedata.combining(chr(cp))]
    random_cps = rng.sample(valid, 1500)

    def pack(pieces, sep=""):
        prompts, current = [], []
        for piece in pieces:
            if current and not fits(sep.join(current + [piece])):
                prompts.append(sep.join(current))
                current = []
            current.append(piece)
        return prompts + ([sep.join(current)] if current else [])

    def chars(cps):
        return [chr(c) for c in sorted(set(cps))]

    out = pack(chars(boundaries), " ") + pack(chars(boundaries)) + pack(chars(lowers)) + pack(chars(random_cps), " ")
    # Decomposed forms must recompose (NFC) exactly as Python does; precomposed ones must survive.
    out += pack([unicodedata.normalize("NFD", c) for c in chars(decomposable)], " ")
    out += pack(chars(decomposable), " ")
    # Combining marks after letters, in scrambled canonical order: NFC must reorder them alike.
    for i in range(0, len(combining), 4):
        marks = [chr(c) for c in combining[i:i + 4]]
        rng.shuffle(marks)
        out.append("a" + "".join(marks) + " e" + "".join(reversed(marks)) + "Σ")
    return out


def prompts(fits) -> list:
    rng = random.Random(SEED)
    items = HANDWRITTEN + grid_prompts(rng) + apostrophe_prompts() + long_prompts(rng) + unicode_sweeps(rng, fits)
    seen = set()
    unique = []
    for p in items:
        if p not in seen:
            seen.add(p)
            unique.append(p)
    return unique


def write_sdxl_variant(folder: Path) -> None:
    """SDXL's tokenizer_2 settings: CLIPTokenizer with pad '!' (id 0) instead of <|endoftext|>."""
    folder.mkdir(parents=True, exist_ok=True)
    special = {}
    for key, content in (("bos_token", "<|startoftext|>"), ("eos_token", "<|endoftext|>"),
                         ("unk_token", "<|endoftext|>")):
        special[key] = {"content": content, "lstrip": False, "normalized": True, "rstrip": False,
                        "single_word": False}
    special["pad_token"] = "!"
    config = dict(special, add_prefix_space=False, clean_up_tokenization_spaces=True, do_lower_case=True,
                  errors="replace", model_max_length=MAX_LENGTH, tokenizer_class="CLIPTokenizer")
    for name, obj in (("tokenizer_config.json", config), ("special_tokens_map.json", special)):
        (folder / name).write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def main() -> None:
    from transformers import CLIPTokenizer
    if not (TOKENIZER / "vocab.json").exists():
        sys.exit(f"{TOKENIZER} has no vocab.json: run tools/golden/clip_vocab.py first")
    out = out_dir("tokenizer")
    variant_configs = out / "sdxl_tokenizer_2"
    write_sdxl_variant(variant_configs)
    base = CLIPTokenizer.from_pretrained(str(TOKENIZER))
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("vocab.json", "merges.txt"):
            shutil.copy(TOKENIZER / name, tmp)
        for f in variant_configs.iterdir():
            shutil.copy(f, tmp)
        sdxl = CLIPTokenizer.from_pretrained(tmp)
    assert sdxl.pad_token_id == 0, sdxl.pad_token_id

    items = prompts(lambda p: len(base(p).input_ids) <= MAX_LENGTH)
    with open(out / "prompts.jsonl", "w", encoding="utf-8") as f:
        for p in items:
            ids = base(p, truncation=True, max_length=MAX_LENGTH).input_ids
            sdxl_ids = sdxl(p, padding="max_length", truncation=True, max_length=MAX_LENGTH).input_ids
            f.write(json.dumps({"prompt": p, "ids": ids, "sdxl_ids": sdxl_ids}, ensure_ascii=False,
                               separators=(",", ":")) + "\n")
    size = (out / "prompts.jsonl").stat().st_size
    print(f"{out / 'prompts.jsonl'}: {len(items)} prompts, {size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
