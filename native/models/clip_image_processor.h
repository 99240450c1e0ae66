// ref: transformers/models/clip/image_processing_clip.py (CLIPImageProcessor) and
// transformers/image_transforms.py (get_resize_output_image_size, center_crop, rescale,
// normalize); the resize reproduces Pillow's Image.resize(BICUBIC) (libImaging/Resample.c).
//
// CLIP's image preprocessing on 8-bit RGB: resize the shortest side (bicubic, antialiased as
// Pillow does when shrinking), center crop, rescale to [0, 1], normalise with the folder's
// mean and std. transformers runs the resize through Pillow on uint8 pixels, so it is done
// here the same way: two 8-bit passes (horizontal, then vertical) with Pillow's fixed-point
// coefficients, which makes the result equal to transformers' pixel for pixel.
#pragma once

#include <array>
#include <string>

#include <torch/torch.h>

#include "io/json.h"

namespace hspace::models {

struct CLIPImageProcessorConfig {
  bool do_resize = true;
  int64_t shortest_edge = 224;  // "size": {"shortest_edge": N} or a plain N (older files)
  bool do_center_crop = true;
  int64_t crop_height = 224, crop_width = 224;  // "crop_size": {"height", "width"} or a plain N
  bool do_rescale = true;
  double rescale_factor = 1.0 / 255.0;
  bool do_normalize = true;
  std::array<double, 3> image_mean{0.48145466, 0.4578275, 0.40821073};  // OpenAI CLIP's
  std::array<double, 3> image_std{0.26862954, 0.26130258, 0.27577711};

  /// Parses preprocessor_config.json (CLIPImageProcessor or the older CLIPFeatureExtractor).
  /// Fallbacks are CLIPImageProcessor's defaults. Only bicubic resampling (resample 3) and RGB
  /// conversion are supported; other values, unknown fields and a crop larger than the resized
  /// shortest side (transformers would pad) fail naming the field.
  static CLIPImageProcessorConfig from_json(const io::Json& json, const std::string& source);
  std::string summary() const;
};

/// Pillow's Image.resize((width, height), Image.BICUBIC) of an 8-bit image `image` [H, W, C]
/// (uint8, any channel count): the same bytes Pillow returns.
torch::Tensor resize_bicubic_u8(const torch::Tensor& image, int64_t height, int64_t width);

class CLIPImageProcessor {
 public:
  explicit CLIPImageProcessor(CLIPImageProcessorConfig config) : config_(std::move(config)) {}

  /// One RGB image [H, W, 3] uint8 -> pixel_values [3, crop_height, crop_width] float32, as
  /// CLIPImageProcessor(images=...).pixel_values[0]. Throws on another shape or dtype, or when
  /// the image is smaller than the crop after resizing.
  torch::Tensor preprocess(const torch::Tensor& image) const;
  /// The (height, width) the resize step gives for an input of that size.
  std::pair<int64_t, int64_t> resized_size(int64_t height, int64_t width) const;
  const CLIPImageProcessorConfig& config() const { return config_; }

 private:
  CLIPImageProcessorConfig config_;
};

}  // namespace hspace::models
