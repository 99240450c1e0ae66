// ref: diffusers/models/transformers/transformer_2d.py (Transformer2DModel, continuous input)
#include "models/transformer_2d.h"

namespace hspace::models {
namespace nn = torch::nn;

Transformer2DModelImpl::Transformer2DModelImpl(const Transformer2DOptions& o) : linear_(o.use_linear_projection) {
  const int64_t inner = o.heads * o.dim_head;
  norm_ = register_module("norm", nn::GroupNorm(nn::GroupNormOptions(o.norm_num_groups, o.in_channels).eps(1e-6)));
  if (linear_) {
    proj_in_linear_ = register_module("proj_in", nn::Linear(o.in_channels, inner));
  } else {
    proj_in_conv_ = register_module("proj_in", nn::Conv2d(nn::Conv2dOptions(o.in_channels, inner, 1)));
  }
  transformer_blocks_ = register_module("transformer_blocks", nn::ModuleList());
  for (int64_t i = 0; i < o.num_layers; ++i) {
    transformer_blocks_->push_back(BasicTransformerBlock(inner, o.heads, o.dim_head, o.cross_attention_dim));
  }
  if (linear_) {
    proj_out_linear_ = register_module("proj_out", nn::Linear(inner, o.in_channels));
  } else {
    proj_out_conv_ = register_module("proj_out", nn::Conv2d(nn::Conv2dOptions(inner, o.in_channels, 1)));
  }
}

torch::Tensor Transformer2DModelImpl::forward(const torch::Tensor& hidden, const torch::Tensor& context) {
  const int64_t batch = hidden.size(0), height = hidden.size(2), width = hidden.size(3);
  auto x = norm_->forward(hidden);                                                   // [B, C, H, W]
  auto to_tokens = [&](const torch::Tensor& t) {
    return t.permute({0, 2, 3, 1}).reshape({batch, height * width, t.size(1)});     // [B, HW, C]
  };
  x = linear_ ? proj_in_linear_->forward(to_tokens(x)) : to_tokens(proj_in_conv_->forward(x));  // [B, HW, inner]
  for (const auto& block : *transformer_blocks_) {
    x = block->as<BasicTransformerBlock>()->forward(x, context);                      // [B, HW, inner]
  }
  auto to_image = [&](const torch::Tensor& t) {
    // Back in the layout the block was given (NCHW, or NHWC for a channels-last U-Net).
    return t.reshape({batch, height, width, t.size(2)})
        .permute({0, 3, 1, 2})
        .contiguous(hidden.suggest_memory_format());  // [B, C, H, W]
  };
  x = linear_ ? to_image(proj_out_linear_->forward(x)) : proj_out_conv_->forward(to_image(x));  // [B, C, H, W]
  return x + hidden;                                                                  // [B, C, H, W]
}

}  // namespace hspace::models
