// ref: transformers/models/clip/modeling_clip.py (CLIPTextEmbeddings, CLIPTextTransformer,
// CLIPTextModel, CLIPTextModelWithProjection); the encoder stack is models/clip_encoder.
#include "models/clip_text.h"

#include <sstream>
#include <stdexcept>

#include "io/config.h"
#include "io/state_dict.h"
#include "models/clip_encoder.h"

namespace hspace::models {

namespace {

// transformers pools at the argmax of the ids when a config still has this eos_token_id
// (written before transformers PR #24773): CLIP's EOS is the highest id of its vocabulary.
constexpr int64_t kLegacyEosTokenId = 2;
constexpr int64_t kDefaultEosTokenId = 49407;

CLIPEncoderConfig encoder_config(const CLIPTextConfig& c) {
  CLIPEncoderConfig e;
  e.hidden_size = c.hidden_size;
  e.intermediate_size = c.intermediate_size;
  e.num_hidden_layers = c.num_hidden_layers;
  e.num_attention_heads = c.num_attention_heads;
  e.layer_norm_eps = c.layer_norm_eps;
  e.hidden_act = c.hidden_act;
  e.causal = true;  // CLIP's text tower attends to earlier tokens only
  return e;
}

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
  const auto encoder = CLIPEncoderConfig::read(reader, /*causal=*/true);
  c.hidden_size = encoder.hidden_size;
  c.intermediate_size = encoder.intermediate_size;
  c.num_hidden_layers = encoder.num_hidden_layers;
  c.num_attention_heads = encoder.num_attention_heads;
  c.layer_norm_eps = encoder.layer_norm_eps;
  c.hidden_act = encoder.hidden_act;
  c.max_position_embeddings = reader.get_int("max_position_embeddings");
  // Every CLIPTextModel config carries projection_dim; only the projection model uses it.
  c.projection_dim = c.with_projection ? reader.get_int("projection_dim") : reader.get_int("projection_dim", 0);
  // Fallback: transformers' CLIPTextConfig default (the real EOS id), which it applies to an
  // absent field too; CLIPModel configs leave it out of text_config when it is the default.
  c.eos_token_id = reader.get_int("eos_token_id", kDefaultEosTokenId);
  reader.ignore({"architectures", "model_type", "torch_dtype", "dtype", "transformers_version", "dropout",
                 "attention_dropout", "initializer_range", "initializer_factor", "bos_token_id", "pad_token_id"});
  reader.finish();

  auto positive = [&](const char* key, int64_t value) {
    if (value <= 0) throw std::runtime_error(reader.where(key) + " must be positive (got " + std::to_string(value) + ")");
  };
  positive("vocab_size", c.vocab_size);
  positive("max_position_embeddings", c.max_position_embeddings);
  if (c.with_projection) positive("projection_dim", c.projection_dim);
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

class CLIPTextTransformerImpl : public torch::nn::Module {
 public:
  explicit CLIPTextTransformerImpl(const CLIPTextConfig& c) {
    embeddings_ = register_module("embeddings", CLIPTextEmbeddings(c));
    encoder_ = register_module("encoder", CLIPEncoder(encoder_config(c)));
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
