// ref: transformers/models/clip/modeling_clip.py (CLIPTextModel, CLIPTextModelWithProjection)
//
// The CLIP text tower of SD 1.x (ViT-L/14), SD 2.x (OpenCLIP ViT-H, whose diffusers config
// already drops the last layer) and SDXL's two encoders. Registered module names equal the
// transformers checkpoint keys (text_model.encoder.layers.0.self_attn.q_proj, ...,
// text_projection).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "io/json.h"
#include "io/safetensors.h"

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
  /// CLIPTextModelWithProjection) decides with_projection. Unknown fields, a missing size field
  /// and an unsupported hidden_act fail with the field's name; an unknown class fails with it.
  static CLIPTextConfig from_json(const io::Json& json, const std::string& source, const std::string& class_name);
  std::string summary() const;  // one line for the log
};

struct CLIPTextOutput {
  torch::Tensor last_hidden_state;  // [B, L, D] after the final layer norm
  torch::Tensor pooler_output;      // [B, D] at the EOS position
  torch::Tensor text_embeds;        // [B, P] pooled output projected; undefined without projection
  torch::Tensor hidden_states;      // [B, L, D] the asked-for hidden state; undefined if none
};

class CLIPTextTransformerImpl;  // "text_model": embeddings, encoder, final_layer_norm

class CLIPTextModelImpl : public torch::nn::Module {
 public:
  explicit CLIPTextModelImpl(CLIPTextConfig config);
  /// `input_ids` [B, L] int64. `hidden_layer` as in hs_encode_text: index into transformers'
  /// hidden_states tuple (0 = embeddings ... num_hidden_layers = last layer, before the final
  /// layer norm); negative counts from the end.
  CLIPTextOutput forward(const torch::Tensor& input_ids, std::optional<int64_t> hidden_layer = std::nullopt);
  const CLIPTextConfig& config() const { return config_; }

  /// Registered keys a checkpoint may lack (pass to io::load_state_dict): position_ids, a
  /// buffer saved by transformers before 4.31 and non-persistent since.
  static const std::vector<std::string>& optional_keys();

 private:
  CLIPTextConfig config_;
  std::shared_ptr<CLIPTextTransformerImpl> text_model_;
  torch::nn::Linear text_projection_{nullptr};  // CLIPTextModelWithProjection only
};
TORCH_MODULE(CLIPTextModel);

/// Builds a text encoder from its config.json and loads `weights` strictly (every key, every
/// shape; position_ids may be absent), on `device` in `dtype`, in eval mode. `what` names the
/// component in errors.
CLIPTextModel load_clip_text(const io::Json& config_json, const std::string& config_source,
                             const std::string& class_name, const io::Checkpoint& weights, const std::string& what,
                             torch::Device device = torch::kCPU, torch::Dtype dtype = torch::kFloat32);

}  // namespace hspace::models
