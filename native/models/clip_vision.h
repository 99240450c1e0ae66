// ref: transformers/models/clip/modeling_clip.py (CLIPVisionEmbeddings, CLIPVisionTransformer,
// CLIPVisionModel, CLIPVisionModelWithProjection)
//
// CLIP's vision tower (ViT-B/32, ViT-L/14, ...): patch embedding, class token, position
// embeddings, pre-layernorm, the shared encoder stack (models/clip_encoder), post-layernorm on
// the class token and, with a projection, visual_projection. Registered module names equal the
// transformers checkpoint keys (vision_model.embeddings.patch_embedding, vision_model.pre_layrnorm
// -- transformers' spelling --, visual_projection).
#pragma once

#include <string>
#include <vector>

#include <torch/torch.h>

#include "io/json.h"
#include "models/clip_encoder.h"

namespace hspace::models {

struct CLIPVisionConfig {
  CLIPEncoderConfig encoder;     // hidden_size, heads, layers, ... (not causal)
  int64_t image_size = 0;        // square input side in pixels
  int64_t patch_size = 0;
  int64_t num_channels = 3;
  int64_t projection_dim = 0;    // used only with a projection
  bool with_projection = false;  // CLIPVisionModelWithProjection

  /// Parses a transformers CLIPVisionConfig; `class_name` (CLIPVisionModel or
  /// CLIPVisionModelWithProjection) decides with_projection. Unknown fields, a missing size
  /// field, an unsupported hidden_act and a patch size that does not divide the image size fail
  /// naming the field.
  static CLIPVisionConfig from_json(const io::Json& json, const std::string& source, const std::string& class_name);
  int64_t num_patches() const { return (image_size / patch_size) * (image_size / patch_size); }
  std::string summary() const;  // one line for the log
};

struct CLIPVisionOutput {
  torch::Tensor last_hidden_state;  // [B, 1 + patches, D] after the last layer (no post-layernorm)
  torch::Tensor pooler_output;      // [B, D] the class token after post_layernorm
  torch::Tensor image_embeds;       // [B, P] pooled output projected; undefined without projection
};

class CLIPVisionTransformerImpl;  // "vision_model": embeddings, pre_layrnorm, encoder, post_layernorm

class CLIPVisionModelImpl : public torch::nn::Module {
 public:
  explicit CLIPVisionModelImpl(CLIPVisionConfig config);
  /// `pixel_values` [B, num_channels, image_size, image_size], normalised as the image
  /// processor does; other sizes fail (no position-embedding interpolation).
  CLIPVisionOutput forward(const torch::Tensor& pixel_values);
  const CLIPVisionConfig& config() const { return config_; }

  /// Registered keys a checkpoint may lack: position_ids, a buffer older transformers saved.
  static const std::vector<std::string>& optional_keys();

 private:
  CLIPVisionConfig config_;
  std::shared_ptr<CLIPVisionTransformerImpl> vision_model_;
  torch::nn::Linear visual_projection_{nullptr};  // CLIPVisionModelWithProjection only
};
TORCH_MODULE(CLIPVisionModel);

}  // namespace hspace::models
