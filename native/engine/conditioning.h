// ref: diffusers/pipelines/stable_diffusion/pipeline_stable_diffusion.py (encode_prompt,
// get_guidance_scale_embedding) and stable_diffusion_xl/pipeline_stable_diffusion_xl.py
// (encode_prompt, _get_add_time_ids).
//
// What the U-Net is conditioned on, built as each diffusers pipeline builds it.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "engine/pipeline.h"
#include "models/unet_2d_condition.h"

namespace hspace::engine {

/// Token ids [N, L] for one or both tokenizers (ids_2 undefined unless SDXL).
struct TokenIds {
  torch::Tensor ids;
  torch::Tensor ids_2;
};

/// Text conditioning of N prompts.
struct TextConditioning {
  torch::Tensor context;      // [N, L, D] encoder_hidden_states
  torch::Tensor text_embeds;  // [N, P] pooled (SDXL), else undefined
};

/// SD 1.x/2.x: the last hidden state of text_encoder. SDXL: the penultimate hidden states of
/// both encoders concatenated, and text_encoder_2's projected pooled output.
TextConditioning encode_prompts(Pipeline& pipeline, const TokenIds& tokens);

/// The same shapes filled with zeros: SDXL's negative conditioning for an empty negative
/// prompt when the pipeline's force_zeros_for_empty_prompt says so.
TextConditioning zeros_like(const TextConditioning& conditioning);

/// Rows of `conditioning` picked by `rows` (int64 indices), for a batch of items.
TextConditioning select_rows(const TextConditioning& conditioning, const torch::Tensor& rows);

/// [B, 6] SDXL time ids: original size, crop top-left (0, 0), target size, all = (h, w).
torch::Tensor sdxl_time_ids(int64_t batch, int64_t height, int64_t width, torch::Device device, torch::Dtype dtype);

/// LCM's guidance-scale embedding of w = guidance - 1, [B, dim] (get_guidance_scale_embedding).
torch::Tensor guidance_scale_embedding(double guidance, int64_t batch, int64_t dim, torch::Device device,
                                       torch::Dtype dtype);

/// Everything the U-Net takes besides the text states, for `rows` rows: the pooled text embeds
/// (SDXL; undefined otherwise), the time ids of a height x width image (SDXL base), and the
/// guidance embedding of `guidance` (LCM-distilled models).
models::UNetConditioning unet_conditioning(Pipeline& pipeline, const torch::Tensor& text_embeds, int64_t rows,
                                           int64_t height, int64_t width, double guidance);

}  // namespace hspace::engine
