// ref: transformers/models/clip/modeling_clip.py (CLIPTextModel, CLIPTextModelWithProjection)
//
// The CLIP text tower of SD 1.x (ViT-L/14), SD 2.x (OpenCLIP ViT-H, whose diffusers config
// already drops the last layer) and SDXL's two encoders. Registered module names equal the
// transformers checkpoint keys (text_model.encoder.layers.0.self_attn.q_proj, ...,
// text_projection).
#pragma once

#include <optional>
#include <string>

#include <torch/torch.h>

#include "io/json.h"

namespace hspace::models {

struct CLIPTextConfig {
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t max_position_embeddings = 0;
  int64_t projection_dim = 0;  // used only with a projection
  int64_t eos_token_id = 2;    // transformers' legacy default 2 means "argmax of the ids"
  double layer_norm_eps = 1e-5;
  std::string hidden_act;      // "quick_gelu" | "gelu"
  bool with_projection = false;  // CLIPTextModelWithProjection

  /// Parses a transformers CLIPTextConfig; `class_name` (CLIPTextModel or
  /// CLIPTextModelWithProjection) decides with_projection. Unknown fields fail with their name.
  static CLIPTextConfig from_json(const io::Json& json, const std::string& source, const std::string& class_name);
  std::string summary() const;  // one line for the log
};

struct CLIPTextOutput {
  torch::Tensor last_hidden_state;  // [B, L, D] after the final layer norm
  torch::Tensor pooler_output;      // [B, D] at the EOS position
  torch::Tensor text_embeds;        // [B, P] pooled output projected; undefined without projection
  torch::Tensor hidden_states;      // [B, L, D] the asked-for hidden state; undefined if none
};

class CLIPTextModelImpl : public torch::nn::Module {
 public:
  explicit CLIPTextModelImpl(CLIPTextConfig config);
  /// `input_ids` [B, L] int64. `hidden_layer` as in hs_encode_text: index into transformers'
  /// hidden_states tuple (0 = embeddings ... num_hidden_layers = last layer, before the final
  /// layer norm); negative counts from the end.
  CLIPTextOutput forward(const torch::Tensor& input_ids, std::optional<int64_t> hidden_layer = std::nullopt);
  const CLIPTextConfig& config() const { return config_; }

 private:
  CLIPTextConfig config_;
  // Members registered under transformers' names; see clip_text.cpp.
  struct Parts;
  std::shared_ptr<Parts> parts_;
};
TORCH_MODULE(CLIPTextModel);

}  // namespace hspace::models
