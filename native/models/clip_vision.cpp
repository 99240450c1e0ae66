// ref: transformers/models/clip/modeling_clip.py (CLIPVisionEmbeddings, CLIPVisionTransformer,
// CLIPVisionModel, CLIPVisionModelWithProjection)
#include "models/clip_vision.h"

#include <sstream>
#include <stdexcept>

#include "io/config.h"

namespace hspace::models {

CLIPVisionConfig CLIPVisionConfig::from_json(const io::Json& json, const std::string& source,
                                             const std::string& class_name) {
  if (class_name != "CLIPVisionModel" && class_name != "CLIPVisionModelWithProjection") {
    throw std::runtime_error(source + ": class '" + class_name +
                             "' is not a CLIP vision tower (expected CLIPVisionModel or CLIPVisionModelWithProjection)");
  }
  io::ConfigReader reader(json, source);
  CLIPVisionConfig c;
  c.with_projection = class_name == "CLIPVisionModelWithProjection";
  c.encoder = CLIPEncoderConfig::read(reader, /*causal=*/false);
  c.image_size = reader.get_int("image_size");
  c.patch_size = reader.get_int("patch_size");
  c.num_channels = reader.get_int("num_channels", 3);  // transformers' default
  c.projection_dim = c.with_projection ? reader.get_int("projection_dim") : reader.get_int("projection_dim", 0);
  reader.ignore({"architectures", "model_type", "torch_dtype", "dtype", "transformers_version", "dropout",
                 "attention_dropout", "initializer_range", "initializer_factor"});
  reader.finish();

  auto positive = [&](const char* key, int64_t value) {
    if (value <= 0) throw std::runtime_error(reader.where(key) + " must be positive (got " + std::to_string(value) + ")");
  };
  positive("image_size", c.image_size);
  positive("patch_size", c.patch_size);
  positive("num_channels", c.num_channels);
  if (c.with_projection) positive("projection_dim", c.projection_dim);
  // transformers floors the patch grid; a remainder would be silently cropped by the conv.
  if (c.image_size % c.patch_size != 0) {
    throw std::runtime_error(reader.where("patch_size") + " (" + std::to_string(c.patch_size) +
                             ") does not divide image_size (" + std::to_string(c.image_size) + ")");
  }
  return c;
}

std::string CLIPVisionConfig::summary() const {
  std::ostringstream out;
  out << (with_projection ? "CLIPVisionModelWithProjection" : "CLIPVisionModel") << ": " << encoder.num_hidden_layers
      << " layers, hidden " << encoder.hidden_size << ", " << encoder.num_attention_heads << " heads, mlp "
      << encoder.intermediate_size << " " << encoder.hidden_act << ", image " << image_size << " px, patch "
      << patch_size << " (" << num_patches() << " patches)";
  if (with_projection) out << ", projection " << projection_dim;
  return out.str();
}

// ---- layers, registered under transformers' names ------------------------------------------

class CLIPVisionEmbeddingsImpl : public torch::nn::Module {
 public:
  explicit CLIPVisionEmbeddingsImpl(const CLIPVisionConfig& c) {
    const int64_t width = c.encoder.hidden_size, positions = c.num_patches() + 1;
    class_embedding_ = register_parameter("class_embedding", torch::zeros({width}));
    patch_embedding_ = register_module(
        "patch_embedding",
        torch::nn::Conv2d(torch::nn::Conv2dOptions(c.num_channels, width, c.patch_size).stride(c.patch_size).bias(false)));
    position_embedding_ = register_module("position_embedding", torch::nn::Embedding(positions, width));
    // As in the text tower: registered only so checkpoints that still carry it load; never read.
    register_buffer("position_ids", torch::arange(positions, torch::kInt64).unsqueeze(0));
  }

  torch::Tensor forward(const torch::Tensor& pixel_values) {
    const int64_t batch = pixel_values.size(0);
    auto patches = patch_embedding_(pixel_values);                 // [B, D, H/p, W/p]
    patches = patches.flatten(/*start_dim=*/2).transpose(1, 2);   // [B, N, D]
    auto cls = class_embedding_.view({1, 1, -1}).expand({batch, 1, -1});  // [B, 1, D]
    auto x = torch::cat({cls, patches}, /*dim=*/1);                        // [B, 1 + N, D]
    return x + position_embedding_->weight.unsqueeze(0);                   // [B, 1 + N, D]
  }

 private:
  torch::Tensor class_embedding_;
  torch::nn::Conv2d patch_embedding_{nullptr};
  torch::nn::Embedding position_embedding_{nullptr};
};
TORCH_MODULE(CLIPVisionEmbeddings);

class CLIPVisionTransformerImpl : public torch::nn::Module {
 public:
  explicit CLIPVisionTransformerImpl(const CLIPVisionConfig& c) {
    auto norm = torch::nn::LayerNormOptions({c.encoder.hidden_size}).eps(c.encoder.layer_norm_eps);
    embeddings_ = register_module("embeddings", CLIPVisionEmbeddings(c));
    pre_layrnorm_ = register_module("pre_layrnorm", torch::nn::LayerNorm(norm));  // sic, transformers' key
    encoder_ = register_module("encoder", CLIPEncoder(c.encoder));
    post_layernorm_ = register_module("post_layernorm", torch::nn::LayerNorm(norm));
  }

  CLIPVisionOutput forward(const torch::Tensor& pixel_values) {
    CLIPVisionOutput out;
    auto x = embeddings_(pixel_values);                  // [B, 1 + N, D]
    x = pre_layrnorm_(x);                                // [B, 1 + N, D]
    out.last_hidden_state = encoder_->forward(x);        // [B, 1 + N, D]
    out.pooler_output = post_layernorm_(out.last_hidden_state.select(/*dim=*/1, /*index=*/0));  // [B, D]
    return out;
  }

 private:
  CLIPVisionEmbeddings embeddings_{nullptr};
  torch::nn::LayerNorm pre_layrnorm_{nullptr};
  CLIPEncoder encoder_{nullptr};
  torch::nn::LayerNorm post_layernorm_{nullptr};
};

// ---- the model ---------------------------------------------------------------------------------

CLIPVisionModelImpl::CLIPVisionModelImpl(CLIPVisionConfig config) : config_(std::move(config)) {
  vision_model_ = register_module("vision_model", std::make_shared<CLIPVisionTransformerImpl>(config_));
  if (config_.with_projection) {
    visual_projection_ = register_module(
        "visual_projection",
        torch::nn::Linear(torch::nn::LinearOptions(config_.encoder.hidden_size, config_.projection_dim).bias(false)));
  }
}

const std::vector<std::string>& CLIPVisionModelImpl::optional_keys() {
  static const std::vector<std::string> keys{"vision_model.embeddings.position_ids"};
  return keys;
}

CLIPVisionOutput CLIPVisionModelImpl::forward(const torch::Tensor& pixel_values) {
  const auto& c = config_;
  if (pixel_values.dim() != 4 || pixel_values.size(0) == 0 || pixel_values.size(1) != c.num_channels ||
      pixel_values.size(2) != c.image_size || pixel_values.size(3) != c.image_size) {
    throw std::runtime_error("CLIP vision tower: pixel_values must be [batch, " + std::to_string(c.num_channels) +
                             ", " + std::to_string(c.image_size) + ", " + std::to_string(c.image_size) + "] (got " +
                             c10::str(pixel_values.sizes()) + ")");
  }
  auto weight = vision_model_->parameters().front();
  auto out = vision_model_->forward(pixel_values.to(weight.device(), weight.scalar_type()));
  if (visual_projection_) out.image_embeds = visual_projection_(out.pooler_output);  // [B, P]
  return out;
}

}  // namespace hspace::models
