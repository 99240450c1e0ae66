// ref: transformers/models/clip/modeling_clip.py (CLIPModel), configuration_clip.py (CLIPConfig)
//
// A transformers-format CLIP folder (openai/clip-vit-base-patch32, clip-vit-large-patch14, ...):
// config.json with text_config and vision_config, model.safetensors, preprocessor_config.json.
// Both towers come with their projections; the module's registered names are the checkpoint's
// keys (text_model.*, text_projection, vision_model.*, visual_projection, logit_scale), so the
// whole file loads under one strict key comparison.
#pragma once

#include <filesystem>
#include <string>

#include <torch/torch.h>

#include "io/json.h"
#include "models/clip_image_processor.h"
#include "models/clip_text.h"
#include "models/clip_vision.h"

namespace hspace::models {

struct CLIPConfig {
  CLIPTextConfig text;      // with_projection, projection_dim = the top-level projection_dim
  CLIPVisionConfig vision;  // likewise
  int64_t projection_dim = 0;

  /// Parses a CLIPModel config.json. Older files carry every generic PretrainedConfig field
  /// (generation settings, id2label, ...) inside text_config/vision_config: those are dropped
  /// before the tower configs are read; anything else unknown fails naming the field.
  static CLIPConfig from_json(const io::Json& json, const std::string& source);
  std::string summary() const;
};

struct CLIPOutput {
  torch::Tensor image_embeds;      // [N, P] projected and L2-normalised, as CLIPModel returns them
  torch::Tensor text_embeds;       // [T, P] likewise
  torch::Tensor logits_per_image;  // [N, T] exp(logit_scale) * cosine
};

class CLIPModelImpl : public torch::nn::Module {
 public:
  explicit CLIPModelImpl(CLIPConfig config);

  /// get_image_features: projected class tokens [N, P] of pixel_values [N, 3, S, S].
  torch::Tensor image_features(const torch::Tensor& pixel_values);
  /// get_text_features: projected pooled outputs [T, P] of token ids [T, L].
  torch::Tensor text_features(const torch::Tensor& input_ids);
  /// CLIPModel.forward: normalised embeddings and the scaled cosine logits.
  CLIPOutput forward(const torch::Tensor& pixel_values, const torch::Tensor& input_ids);
  /// exp(logit_scale), the temperature CLIPModel multiplies cosines by.
  double logit_scale() const;
  const CLIPConfig& config() const { return config_; }
  CLIPTextModel& text() { return text_; }        // CLIPTextModelWithProjection on the same weights
  CLIPVisionModel& vision() { return vision_; }  // CLIPVisionModelWithProjection likewise

  /// Keys a checkpoint may lack: the towers' position_ids buffers.
  static std::vector<std::string> optional_keys();

 private:
  CLIPConfig config_;
  CLIPTextModel text_{nullptr};      // shares its submodules with this module's "text_model", ...
  CLIPVisionModel vision_{nullptr};  // ... and "vision_model", "visual_projection"
  torch::Tensor logit_scale_;
};
TORCH_MODULE(CLIPModel);

/// An opened CLIP folder: the model (eval mode, on `device` in `dtype`) and its image processor.
struct CLIPFolder {
  std::filesystem::path dir;
  CLIPModel model{nullptr};
  CLIPImageProcessor processor;
  int64_t parameter_count = 0;

  /// Opens `dir`: config.json, preprocessor_config.json and model.safetensors (or its sharded
  /// index), loaded strictly. The processor's crop must equal the vision tower's image_size.
  static CLIPFolder open(const std::filesystem::path& dir, torch::Device device = torch::kCPU,
                         torch::Dtype dtype = torch::kFloat32);

  /// Preprocesses RGB images ([H, W, 3] uint8 each) and returns their normalised embeddings.
  torch::Tensor encode_images(const std::vector<torch::Tensor>& images);
  /// Normalised text embeddings of token ids [T, L].
  torch::Tensor encode_text(const torch::Tensor& input_ids);
  /// JSON: dir, tower summaries, projection_dim, image_size, context length, vocabulary size,
  /// logit scale, device, dtype, parameter count.
  std::string describe_json() const;
};

}  // namespace hspace::models
