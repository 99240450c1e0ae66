// ref: transformers/models/clip/modeling_clip.py (CLIPTextEmbeddings, CLIPAttention, CLIPMLP,
// CLIPEncoderLayer, CLIPEncoder, CLIPTextTransformer, CLIPTextModel, CLIPTextModelWithProjection)
#include "models/clip_text.h"

#include <sstream>
#include <stdexcept>

#include "io/config.h"
#include "io/state_dict.h"

namespace hspace::models {

namespace {

// transformers pools at the argmax of the ids when a config still has this eos_token_id
// (written before transformers PR #24773): CLIP's EOS is the highest id of its vocabulary.
constexpr int64_t kLegacyEosTokenId = 2;
constexpr double kQuickGeluScale = 1.702;

}  // namespace

CLIPTextConfig CLIPTextConfig::from_json(const io::Json& json, const std::string& source,
                                         const std::string& class_name) {
  if (class_name != "CLIPTextModel" && class_name != "CLIPTextModelWithProjection") {
    throw std::runtime_error(source + ": class '" + class_name +
                             "' is not a CLIP text encoder (expected CLIPTextModel or CLIPTextModelWithProjection)");
  }
  io::ConfigReader reader(json, source);
  CLIPTextConfig c;
  c.with_projection = class_name == "CLIPTextModelWithProjection";
  c.vocab_size = reader.get_int("vocab_size");
  c.hidden_size = reader.get_int("hidden_size");
  c.intermediate_size = reader.get_int("intermediate_size");
  c.num_hidden_layers = reader.get_int("num_hidden_layers");
  c.num_attention_heads = reader.get_int("num_attention_heads");
  c.max_position_embeddings = reader.get_int("max_position_embeddings");
  // Every CLIPTextModel config carries projection_dim; only the projection model uses it.
  c.projection_dim = c.with_projection ? reader.get_int("projection_dim") : reader.get_int("projection_dim", 0);
  // Fallbacks are transformers' CLIPTextConfig defaults, which it applies to an absent field too.
  c.eos_token_id = reader.get_int("eos_token_id", kLegacyEosTokenId);
  c.layer_norm_eps = reader.get_double("layer_norm_eps", 1e-5);
  c.hidden_act = reader.get_choice("hidden_act", {"quick_gelu", "gelu"}, "quick_gelu");
  reader.ignore({"architectures", "model_type", "torch_dtype", "dtype", "transformers_version", "dropout",
                 "attention_dropout", "initializer_range", "initializer_factor", "bos_token_id", "pad_token_id"});
  reader.finish();

  auto positive = [&](const char* key, int64_t value) {
    if (value <= 0) throw std::runtime_error(reader.where(key) + " must be positive (got " + std::to_string(value) + ")");
  };
  positive("vocab_size", c.vocab_size);
  positive("hidden_size", c.hidden_size);
  positive("intermediate_size", c.intermediate_size);
  positive("num_hidden_layers", c.num_hidden_layers);
  positive("num_attention_heads", c.num_attention_heads);
  positive("max_position_embeddings", c.max_position_embeddings);
  if (c.with_projection) positive("projection_dim", c.projection_dim);
  if (c.hidden_size % c.num_attention_heads != 0) {
    throw std::runtime_error(reader.where("num_attention_heads") + " (" + std::to_string(c.num_attention_heads) +
                             ") does not divide hidden_size (" + std::to_string(c.hidden_size) + ")");
  }
  if (!(c.layer_norm_eps > 0)) throw std::runtime_error(reader.where("layer_norm_eps") + " must be positive");
  return c;
}

std::string CLIPTextConfig::summary() const {
  std::ostringstream out;
  out << (with_projection ? "CLIPTextModelWithProjection" : "CLIPTextModel") << ": " << num_hidden_layers
      << " layers, hidden " << hidden_size << ", " << num_attention_heads << " heads, mlp " << intermediate_size
      << " " << hidden_act << ", " << max_position_embeddings << " positions, vocab " << vocab_size;
  if (with_projection) out << ", projection " << projection_dim;
  out << ", pooling at " << (eos_token_id == kLegacyEosTokenId ? "argmax id" : "first eos " + std::to_string(eos_token_id));
  return out.str();
}

// ---- layers, registered under transformers' names ------------------------------------------

class CLIPTextEmbeddingsImpl : public torch::nn::Module {
 public:
  explicit CLIPTextEmbeddingsImpl(const CLIPTextConfig& c) {
    token_embedding_ = register_module("token_embedding", torch::nn::Embedding(c.vocab_size, c.hidden_size));
    position_embedding_ =
        register_module("position_embedding", torch::nn::Embedding(c.max_position_embeddings, c.hidden_size));
    // Registered only so that checkpoints which still carry it load under the strict key
    // comparison. transformers 4.57 never reads it from a checkpoint (non-persistent buffer
    // initialised to arange), and forward below uses arange too: the buffer would turn fp16
    // with the module, and such ids are not trustworthy indices.
    register_buffer("position_ids", torch::arange(c.max_position_embeddings, torch::kInt64).unsqueeze(0));
  }

  torch::Tensor forward(const torch::Tensor& input_ids) {
    const int64_t length = input_ids.size(1);
    auto positions = torch::arange(length, input_ids.options());  // [L]
    return token_embedding_(input_ids) + position_embedding_(positions).unsqueeze(0);  // [B, L, D]
  }

 private:
  torch::nn::Embedding token_embedding_{nullptr};
  torch::nn::Embedding position_embedding_{nullptr};
};
TORCH_MODULE(CLIPTextEmbeddings);

class CLIPAttentionImpl : public torch::nn::Module {
 public:
  explicit CLIPAttentionImpl(const CLIPTextConfig& c) : num_heads_(c.num_attention_heads) {
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
    // CLIP's text tower is causal; the default scale is head_dim^-0.5 as in CLIPAttention.
    auto o = at::scaled_dot_product_attention(q, k, v, /*attn_mask=*/{}, /*dropout_p=*/0.0,
                                              /*is_causal=*/true);  // [B, H, L, D/H]
    o = o.transpose(1, 2).reshape({batch, length, width});          // [B, L, D]
    return out_proj_(o);                                            // [B, L, D]
  }

 private:
  int64_t num_heads_;
  torch::nn::Linear k_proj_{nullptr}, v_proj_{nullptr}, q_proj_{nullptr}, out_proj_{nullptr};
};
TORCH_MODULE(CLIPAttention);

class CLIPMLPImpl : public torch::nn::Module {
 public:
  explicit CLIPMLPImpl(const CLIPTextConfig& c) : quick_gelu_(c.hidden_act == "quick_gelu") {
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
  explicit CLIPEncoderLayerImpl(const CLIPTextConfig& c) {
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

class CLIPEncoderImpl : public torch::nn::Module {
 public:
  explicit CLIPEncoderImpl(const CLIPTextConfig& c) {
    layers_ = register_module("layers", torch::nn::ModuleList());
    for (int64_t i = 0; i < c.num_hidden_layers; ++i) layers_->push_back(CLIPEncoderLayer(c));
  }

  /// Runs every layer; `capture` (an index into transformers' hidden_states tuple, already
  /// made non-negative) names the state to keep in `captured`.
  torch::Tensor forward(torch::Tensor x, std::optional<int64_t> capture, torch::Tensor& captured) {
    if (capture == 0) captured = x;  // [B, L, D] the embeddings
    for (size_t i = 0; i < layers_->size(); ++i) {
      x = layers_[i]->as<CLIPEncoderLayerImpl>()->forward(x);  // [B, L, D]
      if (capture == static_cast<int64_t>(i) + 1) captured = x;
    }
    return x;  // [B, L, D]
  }

 private:
  torch::nn::ModuleList layers_{nullptr};
};
TORCH_MODULE(CLIPEncoder);

class CLIPTextTransformerImpl : public torch::nn::Module {
 public:
  explicit CLIPTextTransformerImpl(const CLIPTextConfig& c) {
    embeddings_ = register_module("embeddings", CLIPTextEmbeddings(c));
    encoder_ = register_module("encoder", CLIPEncoder(c));
    final_layer_norm_ = register_module(
        "final_layer_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps)));
  }

  CLIPEncoder& encoder() { return encoder_; }
  CLIPTextEmbeddings& embeddings() { return embeddings_; }
  torch::nn::LayerNorm& final_layer_norm() { return final_layer_norm_; }

 private:
  CLIPTextEmbeddings embeddings_{nullptr};
  CLIPEncoder encoder_{nullptr};
  torch::nn::LayerNorm final_layer_norm_{nullptr};
};

// ---- the model ---------------------------------------------------------------------------------

CLIPTextModelImpl::CLIPTextModelImpl(CLIPTextConfig config) : config_(std::move(config)) {
  text_model_ = register_module("text_model", std::make_shared<CLIPTextTransformerImpl>(config_));
  if (config_.with_projection) {
    text_projection_ = register_module(
        "text_projection",
        torch::nn::Linear(torch::nn::LinearOptions(config_.hidden_size, config_.projection_dim).bias(false)));
  }
}

const std::vector<std::string>& CLIPTextModelImpl::optional_keys() {
  static const std::vector<std::string> keys{"text_model.embeddings.position_ids"};
  return keys;
}

CLIPTextOutput CLIPTextModelImpl::forward(const torch::Tensor& input_ids, std::optional<int64_t> hidden_layer) {
  if (input_ids.dim() != 2 || input_ids.size(0) == 0 || input_ids.size(1) == 0) {
    throw std::runtime_error("CLIP text encoder: input_ids must be a non-empty [batch, length] tensor (got " +
                             c10::str(input_ids.sizes()) + ")");
  }
  if (input_ids.size(1) > config_.max_position_embeddings) {
    throw std::runtime_error("CLIP text encoder: " + std::to_string(input_ids.size(1)) +
                             " tokens exceed max_position_embeddings " +
                             std::to_string(config_.max_position_embeddings));
  }
  auto ids = input_ids.to(torch::kInt64);  // [B, L]
  const auto lowest = ids.min().item<int64_t>(), highest = ids.max().item<int64_t>();
  if (lowest < 0 || highest >= config_.vocab_size) {
    throw std::runtime_error("CLIP text encoder: token id " + std::to_string(lowest < 0 ? lowest : highest) +
                             " is outside the vocabulary [0, " + std::to_string(config_.vocab_size) + ")");
  }
  std::optional<int64_t> capture;
  if (hidden_layer) {
    const int64_t states = config_.num_hidden_layers + 1;  // the embeddings, then each layer
    if (*hidden_layer < -states || *hidden_layer >= states) {
      throw std::runtime_error("CLIP text encoder: hidden_layer " + std::to_string(*hidden_layer) +
                               " is outside [" + std::to_string(-states) + ", " + std::to_string(states - 1) + "]");
    }
    capture = *hidden_layer < 0 ? *hidden_layer + states : *hidden_layer;
  }

  CLIPTextOutput out;
  auto x = text_model_->embeddings()->forward(ids);                      // [B, L, D]
  x = text_model_->encoder()->forward(x, capture, out.hidden_states);   // [B, L, D]
  out.last_hidden_state = text_model_->final_layer_norm()(x);           // [B, L, D]

  // The pooled position: first EOS, or for legacy configs the first highest id (transformers'
  // argmax, which returns the first maximum; a row without EOS pools position 0 alike).
  auto eos_position = config_.eos_token_id == kLegacyEosTokenId
                          ? ids.argmax(/*dim=*/-1)                                   // [B]
                          : ids.eq(config_.eos_token_id).to(torch::kInt32).argmax(-1);  // [B]
  auto rows = torch::arange(ids.size(0), ids.options());                               // [B]
  out.pooler_output = out.last_hidden_state.index({rows, eos_position});                // [B, D]
  if (text_projection_) out.text_embeds = text_projection_(out.pooler_output);          // [B, P]
  return out;
}

CLIPTextModel load_clip_text(const io::Json& config_json, const std::string& config_source,
                             const std::string& class_name, const io::Checkpoint& weights, const std::string& what,
                             torch::Device device, torch::Dtype dtype) {
  CLIPTextModel model(CLIPTextConfig::from_json(config_json, config_source, class_name));
  model->to(device, dtype);
  io::load_state_dict(*model, weights, what, /*prefix=*/"", CLIPTextModelImpl::optional_keys());
  model->eval();
  return model;
}

}  // namespace hspace::models
