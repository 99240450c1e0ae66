// ref: diffusers/models/transformers/transformer_2d.py (Transformer2DModel, continuous input)
//
// GroupNorm -> proj_in -> BasicTransformerBlocks over the H*W positions -> proj_out, added to the
// input. proj_in/proj_out are 1x1 convolutions (SD 1.x) or Linear layers (SD 2.x, SDXL:
// use_linear_projection). Registered names: norm, proj_in, transformer_blocks.N, proj_out.
#pragma once

#include <cstdint>

#include <torch/torch.h>

#include "models/attention.h"

namespace hspace::models {

struct Transformer2DOptions {
  int64_t in_channels = 0;
  int64_t heads = 1;
  int64_t dim_head = 0;
  int64_t num_layers = 1;
  int64_t cross_attention_dim = 0;
  int64_t norm_num_groups = 32;
  bool use_linear_projection = false;
};

class Transformer2DModelImpl : public torch::nn::Module {
 public:
  explicit Transformer2DModelImpl(const Transformer2DOptions& options);
  /// `hidden` [B, C, H, W], `context` [B, L, cross_attention_dim] -> [B, C, H, W].
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& context);

 private:
  bool linear_;
  torch::nn::GroupNorm norm_{nullptr};
  torch::nn::Conv2d proj_in_conv_{nullptr}, proj_out_conv_{nullptr};
  torch::nn::Linear proj_in_linear_{nullptr}, proj_out_linear_{nullptr};
  torch::nn::ModuleList transformer_blocks_{nullptr};
};
TORCH_MODULE(Transformer2DModel);

}  // namespace hspace::models
