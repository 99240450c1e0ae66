// ref: diffusers/models/unets/unet_2d_blocks.py (CrossAttnDownBlock2D, DownBlock2D,
// DownEncoderBlock2D, UNetMidBlock2DCrossAttn, UNetMidBlock2D, CrossAttnUpBlock2D, UpBlock2D,
// UpDecoderBlock2D)
#include "models/unet_blocks.h"

namespace hspace::models {
namespace nn = torch::nn;
namespace {

ResnetBlock2D make_resnet(const BlockOptions& o, int64_t in_channels, int64_t out_channels) {
  ResnetOptions r;
  r.in_channels = in_channels;
  r.out_channels = out_channels;
  r.temb_channels = o.temb_channels;
  r.groups = o.groups;
  r.eps = o.eps;
  r.output_scale_factor = o.output_scale_factor;
  return ResnetBlock2D(r);
}

Transformer2DModel make_transformer(const BlockOptions& o) {
  Transformer2DOptions t;
  t.in_channels = o.out_channels;
  t.heads = o.heads;
  t.dim_head = o.out_channels / o.heads;
  t.num_layers = o.transformer_layers;
  t.cross_attention_dim = o.cross_attention_dim;
  t.norm_num_groups = o.groups;
  t.use_linear_projection = o.use_linear_projection;
  return Transformer2DModel(t);
}

torch::Tensor run_resnet(nn::ModuleList list, size_t i, const torch::Tensor& x, const torch::Tensor& temb) {
  return list[i]->as<ResnetBlock2D>()->forward(x, temb);
}

torch::Tensor run_transformer(nn::ModuleList list, size_t i, const torch::Tensor& x,
                              const torch::Tensor& context) {
  return list[i]->as<Transformer2DModel>()->forward(x, context);
}

}  // namespace

DownBlock2DImpl::DownBlock2DImpl(const BlockOptions& o, bool add_downsample, int64_t downsample_padding) {
  resnets_ = register_module("resnets", nn::ModuleList());
  if (o.transformer_layers > 0) attentions_ = register_module("attentions", nn::ModuleList());
  for (int64_t i = 0; i < o.num_layers; ++i) {
    resnets_->push_back(make_resnet(o, i == 0 ? o.in_channels : o.out_channels, o.out_channels));
    if (o.transformer_layers > 0) attentions_->push_back(make_transformer(o));
  }
  if (add_downsample) {
    auto downsamplers = register_module("downsamplers", nn::ModuleList());
    downsampler_ = Downsample2D(o.out_channels, o.out_channels, downsample_padding);
    downsamplers->push_back(downsampler_);
  }
}

torch::Tensor DownBlock2DImpl::forward(const torch::Tensor& hidden, const torch::Tensor& temb,
                                       const torch::Tensor& context, std::vector<torch::Tensor>* skips) {
  auto x = hidden;
  for (size_t i = 0; i < resnets_->size(); ++i) {
    x = run_resnet(resnets_, i, x, temb);                                      // [B, out, H, W]
    if (!attentions_.is_empty()) x = run_transformer(attentions_, i, x, context);  // [B, out, H, W]
    if (skips) skips->push_back(x);
  }
  if (!downsampler_.is_empty()) {
    x = downsampler_->forward(x);                                               // [B, out, H/2, W/2]
    if (skips) skips->push_back(x);
  }
  return x;
}

UpBlock2DImpl::UpBlock2DImpl(const BlockOptions& o, int64_t prev_output_channels, bool add_upsample) {
  resnets_ = register_module("resnets", nn::ModuleList());
  if (o.transformer_layers > 0) attentions_ = register_module("attentions", nn::ModuleList());
  for (int64_t i = 0; i < o.num_layers; ++i) {
    const int64_t skip_channels = i == o.num_layers - 1 ? o.in_channels : o.out_channels;
    const int64_t resnet_in = i == 0 ? prev_output_channels : o.out_channels;
    resnets_->push_back(make_resnet(o, resnet_in + skip_channels, o.out_channels));
    if (o.transformer_layers > 0) attentions_->push_back(make_transformer(o));
  }
  if (add_upsample) {
    auto upsamplers = register_module("upsamplers", nn::ModuleList());
    upsampler_ = Upsample2D(o.out_channels, o.out_channels);
    upsamplers->push_back(upsampler_);
  }
}

torch::Tensor UpBlock2DImpl::forward(const torch::Tensor& hidden, const std::vector<torch::Tensor>& skips,
                                     const torch::Tensor& temb, const torch::Tensor& context,
                                     const std::optional<std::vector<int64_t>>& upsample_size) {
  auto x = hidden;
  for (size_t i = 0; i < resnets_->size(); ++i) {
    const auto& skip = skips[skips.size() - 1 - i];                             // deepest first
    x = torch::cat({x, skip}, /*dim=*/1);                                       // [B, C + C_skip, H, W]
    x = run_resnet(resnets_, i, x, temb);                                      // [B, out, H, W]
    if (!attentions_.is_empty()) x = run_transformer(attentions_, i, x, context);  // [B, out, H, W]
  }
  if (!upsampler_.is_empty()) x = upsampler_->forward(x, upsample_size);        // [B, out, 2H, 2W]
  return x;
}

UNetMidBlock2DCrossAttnImpl::UNetMidBlock2DCrossAttnImpl(const BlockOptions& o) {
  resnets_ = register_module("resnets", nn::ModuleList());
  attentions_ = register_module("attentions", nn::ModuleList());
  resnets_->push_back(make_resnet(o, o.in_channels, o.out_channels));
  for (int64_t i = 0; i < o.num_layers; ++i) {
    attentions_->push_back(make_transformer(o));
    resnets_->push_back(make_resnet(o, o.out_channels, o.out_channels));
  }
}

torch::Tensor UNetMidBlock2DCrossAttnImpl::forward(const torch::Tensor& hidden, const torch::Tensor& temb,
                                                   const torch::Tensor& context) {
  auto x = run_resnet(resnets_, 0, hidden, temb);                              // [B, C, H, W]
  for (size_t i = 0; i < attentions_->size(); ++i) {
    x = run_transformer(attentions_, i, x, context);                           // [B, C, H, W]
    x = run_resnet(resnets_, i + 1, x, temb);                                  // [B, C, H, W]
  }
  return x;
}

UpDecoderBlock2DImpl::UpDecoderBlock2DImpl(const BlockOptions& o, bool add_upsample) {
  resnets_ = register_module("resnets", nn::ModuleList());
  for (int64_t i = 0; i < o.num_layers; ++i) {
    resnets_->push_back(make_resnet(o, i == 0 ? o.in_channels : o.out_channels, o.out_channels));
  }
  if (add_upsample) {
    auto upsamplers = register_module("upsamplers", nn::ModuleList());
    upsampler_ = Upsample2D(o.out_channels, o.out_channels);
    upsamplers->push_back(upsampler_);
  }
}

torch::Tensor UpDecoderBlock2DImpl::forward(const torch::Tensor& hidden) {
  auto x = hidden;
  for (size_t i = 0; i < resnets_->size(); ++i) x = run_resnet(resnets_, i, x, {});  // [B, out, H, W]
  if (!upsampler_.is_empty()) x = upsampler_->forward(x);                      // [B, out, 2H, 2W]
  return x;
}

UNetMidBlock2DImpl::UNetMidBlock2DImpl(const BlockOptions& o, bool add_attention, bool legacy_attention_names) {
  resnets_ = register_module("resnets", nn::ModuleList());
  resnets_->push_back(make_resnet(o, o.in_channels, o.in_channels));
  if (add_attention) attentions_ = register_module("attentions", nn::ModuleList());
  for (int64_t i = 0; i < o.num_layers; ++i) {
    if (add_attention) {
      // One head spanning all channels, as the VAE's attention_head_dim = in_channels makes it.
      AttentionOptions a;
      a.query_dim = o.in_channels;
      a.heads = 1;
      a.dim_head = o.in_channels;
      a.bias = true;
      a.norm_num_groups = o.groups;
      a.eps = o.eps;
      a.residual_connection = true;
      a.rescale_output_factor = o.output_scale_factor;
      a.legacy_names = legacy_attention_names;
      attentions_->push_back(Attention(a));
    }
    resnets_->push_back(make_resnet(o, o.in_channels, o.in_channels));
  }
}

torch::Tensor UNetMidBlock2DImpl::forward(const torch::Tensor& hidden) {
  auto x = run_resnet(resnets_, 0, hidden, {});                                // [B, C, H, W]
  for (size_t i = 1; i < resnets_->size(); ++i) {
    if (!attentions_.is_empty()) x = attentions_[i - 1]->as<Attention>()->forward(x);  // [B, C, H, W]
    x = run_resnet(resnets_, i, x, {});                                        // [B, C, H, W]
  }
  return x;
}

}  // namespace hspace::models
