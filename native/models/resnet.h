// ref: diffusers/models/resnet.py (ResnetBlock2D), downsampling.py (Downsample2D),
// upsampling.py (Upsample2D)
//
// Only the configurations the SD family uses: time_embedding_norm "default", SiLU, convolutional
// down/up sampling. Registered names: norm1, conv1, time_emb_proj, norm2, conv2, conv_shortcut;
// conv for the samplers.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <torch/torch.h>

namespace hspace::models {

struct ResnetOptions {
  int64_t in_channels = 0;
  int64_t out_channels = 0;
  int64_t temb_channels = 0;  // 0: no time embedding (the VAE)
  int64_t groups = 32;
  int64_t groups_out = 0;     // 0: same as groups
  double eps = 1e-6;
  double output_scale_factor = 1.0;
};

class ResnetBlock2DImpl : public torch::nn::Module {
 public:
  explicit ResnetBlock2DImpl(const ResnetOptions& options);
  /// `temb` [B, temb_channels] or undefined when the block has no time embedding.
  torch::Tensor forward(const torch::Tensor& input, const torch::Tensor& temb = {});

 private:
  double output_scale_factor_;
  torch::nn::GroupNorm norm1_{nullptr};
  torch::nn::Conv2d conv1_{nullptr};
  torch::nn::Linear time_emb_proj_{nullptr};
  torch::nn::GroupNorm norm2_{nullptr};
  torch::nn::Conv2d conv2_{nullptr};
  torch::nn::Conv2d conv_shortcut_{nullptr};
};
TORCH_MODULE(ResnetBlock2D);

/// Stride-2 3x3 convolution. padding 0 (the VAE encoder) pads right and bottom by one first.
class Downsample2DImpl : public torch::nn::Module {
 public:
  Downsample2DImpl(int64_t channels, int64_t out_channels, int64_t padding);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  int64_t padding_;
  torch::nn::Conv2d conv_{nullptr};
};
TORCH_MODULE(Downsample2D);

/// Nearest-neighbour x2 (or to `output_size` when the skip connection is not exactly twice as
/// large), then a 3x3 convolution.
class Upsample2DImpl : public torch::nn::Module {
 public:
  Upsample2DImpl(int64_t channels, int64_t out_channels);
  torch::Tensor forward(const torch::Tensor& x, const std::optional<std::vector<int64_t>>& output_size = std::nullopt);

 private:
  torch::nn::Conv2d conv_{nullptr};
};
TORCH_MODULE(Upsample2D);

}  // namespace hspace::models
