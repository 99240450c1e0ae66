// ref: transformers/models/clip/modeling_clip.py (CLIPAttention, CLIPMLP, CLIPEncoderLayer, CLIPEncoder)
#include "models/clip_encoder.h"

#include <stdexcept>

namespace hspace::models {

namespace {

constexpr double kQuickGeluScale = 1.702;

}  // namespace

CLIPEncoderConfig CLIPEncoderConfig::read(const io::ConfigReader& reader, bool causal) {
  CLIPEncoderConfig c;
  c.causal = causal;
  c.hidden_size = reader.get_int("hidden_size");
  c.intermediate_size = reader.get_int("intermediate_size");
  c.num_hidden_layers = reader.get_int("num_hidden_layers");
  c.num_attention_heads = reader.get_int("num_attention_heads");
  // Fallbacks are transformers' defaults (the same in both tower configs), which it applies
  // to an absent field too.
  c.layer_norm_eps = reader.get_double("layer_norm_eps", 1e-5);
  c.hidden_act = reader.get_choice("hidden_act", {"quick_gelu", "gelu"}, "quick_gelu");

  auto positive = [&](const char* key, int64_t value) {
    if (value <= 0) throw std::runtime_error(reader.where(key) + " must be positive (got " + std::to_string(value) + ")");
  };
  positive("hidden_size", c.hidden_size);
  positive("intermediate_size", c.intermediate_size);
  positive("num_hidden_layers", c.num_hidden_layers);
  positive("num_attention_heads", c.num_attention_heads);
  if (c.hidden_size % c.num_attention_heads != 0) {
    throw std::runtime_error(reader.where("num_attention_heads") + " (" + std::to_string(c.num_attention_heads) +
                             ") does not divide hidden_size (" + std::to_string(c.hidden_size) + ")");
  }
  if (!(c.layer_norm_eps > 0)) throw std::runtime_error(reader.where("layer_norm_eps") + " must be positive");
  return c;
}

// ---- layers, registered under transformers' names ------------------------------------------

class CLIPAttentionImpl : public torch::nn::Module {
 public:
  explicit CLIPAttentionImpl(const CLIPEncoderConfig& c) : num_heads_(c.num_attention_heads), causal_(c.causal) {
    k_proj_ = register_module("k_proj", torch::nn::Linear(c.hidden_size, c.hidden_size));
    v_proj_ = register_module("v_proj", torch::nn::Linear(c.hidden_size, c.hidden_size));
    q_proj_ = register_module("q_proj", torch::nn::Linear(c.hidden_size, c.hidden_size));
    out_proj_ = register_module("out_proj", torch::nn::Linear(c.hidden_size, c.hidden_size));
  }

  torch::Tensor forward(const torch::Tensor& x) {
    const int64_t batch = x.size(0), length = x.size(1), width = x.size(2);
    auto heads = [&](const torch::Tensor& t) {
      return t.view({batch, length, num_heads_, width / num_heads_}).transpose(1, 2);  // [B, H, L, D/H]
    };
    auto q = heads(q_proj_(x));
    auto k = heads(k_proj_(x));
    auto v = heads(v_proj_(x));
    // The default scale is head_dim^-0.5, as in CLIPAttention.
    auto o = at::scaled_dot_product_attention(q, k, v, /*attn_mask=*/{}, /*dropout_p=*/0.0,
                                              /*is_causal=*/causal_);  // [B, H, L, D/H]
    o = o.transpose(1, 2).reshape({batch, length, width});            // [B, L, D]
    return out_proj_(o);                                              // [B, L, D]
  }

 private:
  int64_t num_heads_;
  bool causal_;
  torch::nn::Linear k_proj_{nullptr}, v_proj_{nullptr}, q_proj_{nullptr}, out_proj_{nullptr};
};
TORCH_MODULE(CLIPAttention);

class CLIPMLPImpl : public torch::nn::Module {
 public:
  explicit CLIPMLPImpl(const CLIPEncoderConfig& c) : quick_gelu_(c.hidden_act == "quick_gelu") {
    fc1_ = register_module("fc1", torch::nn::Linear(c.hidden_size, c.intermediate_size));
    fc2_ = register_module("fc2", torch::nn::Linear(c.intermediate_size, c.hidden_size));
  }

  torch::Tensor forward(const torch::Tensor& x) {
    auto h = fc1_(x);                                                           // [B, L, I]
    h = quick_gelu_ ? h * torch::sigmoid(kQuickGeluScale * h) : torch::gelu(h);  // exact (erf) gelu
    return fc2_(h);                                                             // [B, L, D]
  }

 private:
  bool quick_gelu_;
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
};
TORCH_MODULE(CLIPMLP);

class CLIPEncoderLayerImpl : public torch::nn::Module {
 public:
  explicit CLIPEncoderLayerImpl(const CLIPEncoderConfig& c) {
    auto norm = torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps);
    self_attn_ = register_module("self_attn", CLIPAttention(c));
    layer_norm1_ = register_module("layer_norm1", torch::nn::LayerNorm(norm));
    mlp_ = register_module("mlp", CLIPMLP(c));
    layer_norm2_ = register_module("layer_norm2", torch::nn::LayerNorm(norm));
  }

  torch::Tensor forward(torch::Tensor x) {
    x = x + self_attn_(layer_norm1_(x));  // [B, L, D]
    return x + mlp_(layer_norm2_(x));     // [B, L, D]
  }

 private:
  CLIPAttention self_attn_{nullptr};
  torch::nn::LayerNorm layer_norm1_{nullptr};
  CLIPMLP mlp_{nullptr};
  torch::nn::LayerNorm layer_norm2_{nullptr};
};
TORCH_MODULE(CLIPEncoderLayer);

// ---- the stack ---------------------------------------------------------------------------------

CLIPEncoderImpl::CLIPEncoderImpl(const CLIPEncoderConfig& config) {
  layers_ = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.num_hidden_layers; ++i) layers_->push_back(CLIPEncoderLayer(config));
}

torch::Tensor CLIPEncoderImpl::forward(torch::Tensor x, std::optional<int64_t> capture, torch::Tensor& captured) {
  if (capture == 0) captured = x;  // [B, L, D] the input
  for (size_t i = 0; i < layers_->size(); ++i) {
    x = layers_[i]->as<CLIPEncoderLayerImpl>()->forward(x);  // [B, L, D]
    if (capture == static_cast<int64_t>(i) + 1) captured = x;
  }
  return x;  // [B, L, D]
}

torch::Tensor CLIPEncoderImpl::forward(torch::Tensor x) {
  torch::Tensor unused;
  return forward(std::move(x), std::nullopt, unused);
}

}  // namespace hspace::models
