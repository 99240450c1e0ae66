// ref: diffusers/models/resnet.py (ResnetBlock2D), downsampling.py (Downsample2D),
// upsampling.py (Upsample2D)
#include "models/resnet.h"

namespace hspace::models {
namespace nn = torch::nn;
namespace F = torch::nn::functional;

ResnetBlock2DImpl::ResnetBlock2DImpl(const ResnetOptions& o) : output_scale_factor_(o.output_scale_factor) {
  const int64_t groups_out = o.groups_out > 0 ? o.groups_out : o.groups;
  norm1_ = register_module("norm1", nn::GroupNorm(nn::GroupNormOptions(o.groups, o.in_channels).eps(o.eps)));
  conv1_ = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(o.in_channels, o.out_channels, 3).padding(1)));
  if (o.temb_channels > 0) {
    time_emb_proj_ = register_module("time_emb_proj", nn::Linear(o.temb_channels, o.out_channels));
  }
  norm2_ = register_module("norm2", nn::GroupNorm(nn::GroupNormOptions(groups_out, o.out_channels).eps(o.eps)));
  conv2_ = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(o.out_channels, o.out_channels, 3).padding(1)));
  if (o.in_channels != o.out_channels) {
    conv_shortcut_ = register_module("conv_shortcut", nn::Conv2d(nn::Conv2dOptions(o.in_channels, o.out_channels, 1)));
  }
}

torch::Tensor ResnetBlock2DImpl::forward(const torch::Tensor& input, const torch::Tensor& temb) {
  auto h = conv1_->forward(torch::silu(norm1_->forward(input)));               // [B, out, H, W]
  if (!time_emb_proj_.is_empty() && temb.defined()) {
    h = h + time_emb_proj_->forward(torch::silu(temb)).unsqueeze(-1).unsqueeze(-1);  // [B, out, H, W]
  }
  h = conv2_->forward(torch::silu(norm2_->forward(h)));                        // [B, out, H, W] (dropout: identity)
  auto shortcut = conv_shortcut_.is_empty() ? input : conv_shortcut_->forward(input);  // [B, out, H, W]
  auto out = shortcut + h;                                                     // [B, out, H, W]
  return output_scale_factor_ == 1.0 ? out : out / output_scale_factor_;
}

Downsample2DImpl::Downsample2DImpl(int64_t channels, int64_t out_channels, int64_t padding) : padding_(padding) {
  conv_ = register_module("conv", nn::Conv2d(nn::Conv2dOptions(channels, out_channels, 3).stride(2).padding(padding)));
}

torch::Tensor Downsample2DImpl::forward(const torch::Tensor& x) {
  if (padding_ == 0) {
    return conv_->forward(F::pad(x, F::PadFuncOptions({0, 1, 0, 1})));  // [B, C, (H-1)/2+... , ...]
  }
  return conv_->forward(x);                                              // [B, C, ceil(H/2), ceil(W/2)]
}

Upsample2DImpl::Upsample2DImpl(int64_t channels, int64_t out_channels) {
  conv_ = register_module("conv", nn::Conv2d(nn::Conv2dOptions(channels, out_channels, 3).padding(1)));
}

torch::Tensor Upsample2DImpl::forward(const torch::Tensor& x, const std::optional<std::vector<int64_t>>& output_size) {
  auto options = F::InterpolateFuncOptions().mode(torch::kNearest);
  if (output_size) {
    options.size(*output_size);
  } else {
    options.scale_factor(std::vector<double>{2.0, 2.0});
  }
  return conv_->forward(F::interpolate(x, options));  // [B, C, 2H, 2W] (or output_size)
}

}  // namespace hspace::models
