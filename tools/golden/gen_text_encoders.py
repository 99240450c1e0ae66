"""Golden vectors for the native CLIP text encoders.

Small random-initialised transformers CLIPTextModel / CLIPTextModelWithProjection models with
the config field values of the SD 1.5, SD 2.1 and SDXL text encoders (hidden_act, eos/bos/pad
ids, layer_norm_eps, max_position_embeddings 77) but narrow widths, few layers and a reduced
vocabulary of 1000, saved as transformers folders under tests/golden/text_encoders/<name>/
next to golden.safetensors: fixed token ids [3, 77] and the outputs the engine must match
(last_hidden_state, hidden_states[-2] = penultimate layer before the final layer norm,
hidden_states[1], pooler_output, text_embeds).

The reduced vocabulary keeps CLIP's layout: the highest ids are BOS (vocab-2) and EOS
(vocab-1), so the legacy eos_token_id == 2 configs pool at the argmax of the ids exactly as
with the real vocabulary. "sdxl_te2_eos" has a non-legacy eos_token_id below some added-token
ids that appear in its prompts, so argmax pooling would pick a different position than the
first EOS: it tells the two pooling rules apart.
"""
import torch
from safetensors.torch import load_file, save_file
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

from common import max_relative_error, out_dir, save_tensors, seed_all

VOCAB = 1000
LENGTH = 77

# Field values of the real diffusers text encoder configs; widths and depths narrowed.
CONFIGS = {
    # SD 1.5 text_encoder: openai ViT-L/14 text tower (768 wide, 12 layers, 12 heads).
    "sd15": dict(
        cls=CLIPTextModel,
        config=dict(hidden_act="quick_gelu", hidden_size=48, intermediate_size=192, num_hidden_layers=3,
                    num_attention_heads=4, projection_dim=768, bos_token_id=0, eos_token_id=2, pad_token_id=1),
        pad=VOCAB - 1,  # SD 1.x pads with <|endoftext|>
        legacy_position_ids=True,
    ),
    # SD 2.1 text_encoder: OpenCLIP ViT-H text tower, 1024 wide, 16 heads, gelu; the diffusers
    # config keeps 23 of its 24 layers.
    "sd21": dict(
        cls=CLIPTextModel,
        config=dict(hidden_act="gelu", hidden_size=40, intermediate_size=160, num_hidden_layers=3,
                    num_attention_heads=5, projection_dim=512, bos_token_id=0, eos_token_id=2, pad_token_id=1),
        pad=0,  # SD 2.x pads with "!"
    ),
    # SDXL text_encoder: CLIP-L again, used through its penultimate hidden state.
    "sdxl_te1": dict(
        cls=CLIPTextModel,
        config=dict(hidden_act="quick_gelu", hidden_size=32, intermediate_size=128, num_hidden_layers=2,
                    num_attention_heads=2, projection_dim=768, bos_token_id=0, eos_token_id=2, pad_token_id=1),
        pad=VOCAB - 1,
    ),
    # SDXL text_encoder_2: OpenCLIP bigG (1280 wide, 20 heads, 32 layers) with text_projection.
    "sdxl_te2": dict(
        cls=CLIPTextModelWithProjection,
        config=dict(hidden_act="gelu", hidden_size=48, intermediate_size=192, num_hidden_layers=4,
                    num_attention_heads=4, projection_dim=40, bos_token_id=0, eos_token_id=2, pad_token_id=1),
        pad=0,
    ),
    # Like text_encoder_2 but saved by a transformers that knows the real EOS id (PR #24773).
    "sdxl_te2_eos": dict(
        cls=CLIPTextModelWithProjection,
        config=dict(hidden_act="gelu", hidden_size=48, intermediate_size=192, num_hidden_layers=2,
                    num_attention_heads=3, projection_dim=32, bos_token_id=VOCAB - 12, eos_token_id=VOCAB - 11,
                    pad_token_id=VOCAB - 11, layer_norm_eps=1e-6),
        pad=VOCAB - 11,
        added_tokens=True,
    ),
}


def token_ids(bos: int, eos: int, pad: int, added_tokens: bool) -> torch.Tensor:
    """Three prompts: short, medium, and one that fills all 77 positions (no padding)."""
    gen = torch.Generator().manual_seed(7)
    rows = []
    for n in (5, 30, LENGTH - 2):
        body = torch.randint(1, min(bos, eos), (n,), generator=gen)
        if added_tokens:
            body[n // 2] = VOCAB - 3  # an added token, above the EOS id
        row = torch.cat([torch.tensor([bos]), body, torch.tensor([eos])])
        rows.append(torch.cat([row, torch.full((LENGTH - row.numel(),), pad)]))
    return torch.stack(rows)


def add_position_ids(path) -> None:
    """Checkpoints saved before transformers 4.31 (SD 1.5's own among them) still carry the
    position_ids buffer that is non-persistent today; the engine must load both kinds."""
    tensors = load_file(str(path))
    tensors["text_model.embeddings.position_ids"] = torch.arange(LENGTH).unsqueeze(0)
    save_file(tensors, str(path), metadata={"format": "pt"})


def main() -> None:
    for name, spec in CONFIGS.items():
        seed_all(1234)
        fields = dict(spec["config"], vocab_size=VOCAB, max_position_embeddings=LENGTH)
        config = CLIPTextConfig(**fields)
        model = spec["cls"](config).eval()
        # CLIP's BOS/EOS are the two highest ids of the real vocabulary.
        bos, eos = (VOCAB - 2, VOCAB - 1) if config.eos_token_id == 2 else (config.bos_token_id, config.eos_token_id)
        ids = token_ids(bos, eos, spec["pad"], spec.get("added_tokens", False))
        with torch.no_grad():
            out = model(input_ids=ids, output_hidden_states=True)
        tensors = {
            "input_ids": ids,
            "last_hidden_state": out.last_hidden_state,
            "penultimate_hidden_state": out.hidden_states[-2].clone(),
            "hidden_state_1": out.hidden_states[1].clone(),
        }
        if isinstance(model, CLIPTextModelWithProjection):
            # Its output carries text_embeds but not the pooled output they project: take that
            # from the tower itself.
            with torch.no_grad():
                tensors["pooler_output"] = model.text_model(input_ids=ids).pooler_output
            tensors["text_embeds"] = out.text_embeds
        else:
            tensors["pooler_output"] = out.pooler_output
        if spec.get("added_tokens"):
            first_eos = (ids == eos).int().argmax(-1)
            assert not torch.equal(first_eos, ids.argmax(-1)), "the added tokens must move the argmax"
        folder = out_dir(f"text_encoders/{name}")
        model.save_pretrained(folder, safe_serialization=True)
        if spec.get("legacy_position_ids"):
            add_position_ids(folder / "model.safetensors")
        save_tensors(folder / "golden.safetensors", tensors)
        # The reloaded folder must reproduce the outputs (no state left out of the checkpoint).
        reloaded = spec["cls"].from_pretrained(folder).eval()
        with torch.no_grad():
            again = reloaded(input_ids=ids).last_hidden_state
        err = max_relative_error(again, out.last_hidden_state)
        assert err == 0.0, f"{name}: reloaded model differs ({err})"
        print(f"{name}: {spec['cls'].__name__} hidden {config.hidden_size} layers {config.num_hidden_layers} "
              f"eos {config.eos_token_id} -> {folder}")


if __name__ == "__main__":
    main()
