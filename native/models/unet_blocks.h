// ref: diffusers/models/unets/unet_2d_blocks.py (CrossAttnDownBlock2D, DownBlock2D,
// DownEncoderBlock2D, UNetMidBlock2DCrossAttn, UNetMidBlock2D, CrossAttnUpBlock2D, UpBlock2D,
// UpDecoderBlock2D)
//
// The down and up blocks with and without cross-attention differ only in whether a
// Transformer2DModel follows each resnet, so one class covers each pair (transformer_layers 0:
// the plain block); DownEncoderBlock2D is the plain down block without a time embedding.
// Registered names: resnets.N, attentions.N, downsamplers.0, upsamplers.0.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <torch/torch.h>

#include "models/attention.h"
#include "models/resnet.h"
#include "models/transformer_2d.h"

namespace hspace::models {

struct BlockOptions {
  int64_t in_channels = 0;
  int64_t out_channels = 0;
  int64_t temb_channels = 0;  // 0: no time embedding (VAE blocks)
  int64_t num_layers = 1;     // resnets (the up blocks get layers_per_block + 1)
  int64_t groups = 32;
  double eps = 1e-6;
  double output_scale_factor = 1.0;
  // Cross-attention after each resnet; 0 transformer layers means none (DownBlock2D, UpBlock2D).
  int64_t transformer_layers = 0;
  int64_t heads = 1;
  int64_t cross_attention_dim = 0;
  bool use_linear_projection = false;
};

/// CrossAttnDownBlock2D / DownBlock2D / DownEncoderBlock2D.
class DownBlock2DImpl : public torch::nn::Module {
 public:
  DownBlock2DImpl(const BlockOptions& options, bool add_downsample, int64_t downsample_padding);
  /// Appends the output of every layer (and of the downsampler) to `skips` when given.
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& temb, const torch::Tensor& context,
                        std::vector<torch::Tensor>* skips = nullptr);

 private:
  torch::nn::ModuleList resnets_{nullptr};
  torch::nn::ModuleList attentions_{nullptr};
  Downsample2D downsampler_{nullptr};
};
TORCH_MODULE(DownBlock2D);

/// CrossAttnUpBlock2D / UpBlock2D: each resnet takes the running features concatenated with one
/// skip connection, the last skip first. `in_channels` is the channel count of the deepest skip
/// this block takes (diffusers' naming).
class UpBlock2DImpl : public torch::nn::Module {
 public:
  UpBlock2DImpl(const BlockOptions& options, int64_t prev_output_channels, bool add_upsample);
  int64_t num_resnets() const { return static_cast<int64_t>(resnets_->size()); }
  /// `skips` holds num_resnets() tensors in down-path order; `upsample_size` forces the
  /// upsampler's output size (the next skip's size) when the latent size is not a multiple of
  /// the total downsampling factor.
  torch::Tensor forward(const torch::Tensor& hidden, const std::vector<torch::Tensor>& skips, const torch::Tensor& temb,
                        const torch::Tensor& context, const std::optional<std::vector<int64_t>>& upsample_size);

 private:
  torch::nn::ModuleList resnets_{nullptr};
  torch::nn::ModuleList attentions_{nullptr};
  Upsample2D upsampler_{nullptr};
};
TORCH_MODULE(UpBlock2D);

/// UNetMidBlock2DCrossAttn: resnet, then (transformer, resnet); its output is h-space.
class UNetMidBlock2DCrossAttnImpl : public torch::nn::Module {
 public:
  explicit UNetMidBlock2DCrossAttnImpl(const BlockOptions& options);
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& temb, const torch::Tensor& context);

 private:
  torch::nn::ModuleList resnets_{nullptr};
  torch::nn::ModuleList attentions_{nullptr};
};
TORCH_MODULE(UNetMidBlock2DCrossAttn);

/// UpDecoderBlock2D (the VAE decoder): resnets without skips or time embedding, then upsample.
class UpDecoderBlock2DImpl : public torch::nn::Module {
 public:
  UpDecoderBlock2DImpl(const BlockOptions& options, bool add_upsample);
  torch::Tensor forward(const torch::Tensor& hidden);

 private:
  torch::nn::ModuleList resnets_{nullptr};
  Upsample2D upsampler_{nullptr};
};
TORCH_MODULE(UpDecoderBlock2D);

/// UNetMidBlock2D (the VAE): resnet, then (single-head spatial self-attention, resnet);
/// without attention when `add_attention` is false.
class UNetMidBlock2DImpl : public torch::nn::Module {
 public:
  /// `legacy_attention_names`: see AttentionOptions::legacy_names.
  UNetMidBlock2DImpl(const BlockOptions& options, bool add_attention, bool legacy_attention_names = false);
  torch::Tensor forward(const torch::Tensor& hidden);

 private:
  torch::nn::ModuleList resnets_{nullptr};
  torch::nn::ModuleList attentions_{nullptr};
};
TORCH_MODULE(UNetMidBlock2D);

}  // namespace hspace::models
