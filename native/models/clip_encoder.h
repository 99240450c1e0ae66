// ref: transformers/models/clip/modeling_clip.py (CLIPAttention, CLIPMLP, CLIPEncoderLayer, CLIPEncoder)
//
// The transformer stack both CLIP towers share: the text tower runs it causally, the vision
// tower without a mask. Registered names equal the transformers keys below "encoder."
// (layers.0.self_attn.q_proj, layers.0.mlp.fc1, layers.0.layer_norm1, ...).
#pragma once

#include <optional>
#include <string>

#include <torch/torch.h>

#include "io/config.h"

namespace hspace::models {

struct CLIPEncoderConfig {
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  double layer_norm_eps = 1e-5;
  std::string hidden_act;  // "quick_gelu" | "gelu"
  bool causal = false;     // the text tower's mask

  /// Reads and checks the fields both CLIPTextConfig and CLIPVisionConfig carry (sizes,
  /// heads, layer_norm_eps, hidden_act with transformers' defaults for the last two). Sizes
  /// must be positive and the heads must divide hidden_size; errors name the field.
  static CLIPEncoderConfig read(const io::ConfigReader& reader, bool causal);
};

class CLIPEncoderImpl : public torch::nn::Module {
 public:
  explicit CLIPEncoderImpl(const CLIPEncoderConfig& config);

  /// Runs every layer on `x` [B, L, D]; `capture` (an index into transformers' hidden_states
  /// tuple: 0 = the input, i = after layer i; already non-negative) names the state to keep
  /// in `captured`.
  torch::Tensor forward(torch::Tensor x, std::optional<int64_t> capture, torch::Tensor& captured);
  torch::Tensor forward(torch::Tensor x);

 private:
  torch::nn::ModuleList layers_{nullptr};
};
TORCH_MODULE(CLIPEncoder);

}  // namespace hspace::models
