// ref: diffusers/models/autoencoders/autoencoder_kl.py (AutoencoderKL),
// diffusers/models/autoencoders/vae.py (Encoder, Decoder, DiagonalGaussianDistribution)
//
// The VAE of the SD family: the encoder (image conditioning) and the decoder (images).
// Registered names: encoder.{conv_in, down_blocks.N, mid_block, conv_norm_out, conv_out},
// quant_conv, post_quant_conv, decoder.{conv_in, mid_block, up_blocks.N, conv_norm_out, conv_out}.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "io/json.h"
#include "io/safetensors.h"
#include "models/unet_blocks.h"

namespace hspace::models {

struct AutoencoderKLConfig {
  int64_t in_channels = 3;
  int64_t out_channels = 3;
  std::vector<int64_t> block_out_channels;
  int64_t layers_per_block = 1;
  int64_t latent_channels = 4;
  int64_t norm_num_groups = 32;
  double scaling_factor = 0.18215;
  double shift_factor = 0.0;  // 0 when the config has none (SD 1.x, 2.x, SDXL)
  bool force_upcast = true;   // pipelines decode in fp32 when the model runs in fp16
  bool use_quant_conv = true;
  bool use_post_quant_conv = true;
  bool mid_block_add_attention = true;

  static AutoencoderKLConfig from_json(const io::Json& json, const std::string& source);
  /// Image pixels per latent pixel along each side (8 for every SD VAE).
  int64_t downscale_factor() const { return int64_t{1} << (block_out_channels.size() - 1); }
  std::string summary() const;  // one line for the log
};

struct LatentDistribution {
  torch::Tensor mean;    // [B, latent_channels, H/f, W/f]
  torch::Tensor logvar;  // same shape, clamped to [-30, 20] as diffusers does
  /// mean + exp(logvar / 2) * noise: DiagonalGaussianDistribution.sample() with this noise.
  torch::Tensor sample(const torch::Tensor& noise) const;
};

class AutoencoderKLImpl : public torch::nn::Module {
 public:
  /// `legacy_attention_names`: the mid-block attentions use the pre-0.14 checkpoint names
  /// (query, key, value, proj_attn); load_vae picks it from the checkpoint's keys.
  explicit AutoencoderKLImpl(AutoencoderKLConfig config, bool legacy_attention_names = false);
  /// `image` [B, in_channels, H, W] in [-1, 1], H and W multiples of downscale_factor().
  LatentDistribution encode(const torch::Tensor& image);
  /// `latents` [B, latent_channels, h, w] as the VAE sees them (already unscaled) -> image.
  torch::Tensor decode(const torch::Tensor& latents);
  /// Diffusion latents from VAE latents: (z - shift_factor) * scaling_factor.
  torch::Tensor scale_latents(const torch::Tensor& z) const;
  /// VAE latents from diffusion latents: x / scaling_factor + shift_factor (before decode).
  torch::Tensor unscale_latents(const torch::Tensor& x) const;
  const AutoencoderKLConfig& config() const { return config_; }

 private:
  AutoencoderKLConfig config_;
  // encoder.*
  torch::nn::Conv2d enc_conv_in_{nullptr};
  std::vector<DownBlock2D> enc_down_blocks_;
  UNetMidBlock2D enc_mid_block_{nullptr};
  torch::nn::GroupNorm enc_conv_norm_out_{nullptr};
  torch::nn::Conv2d enc_conv_out_{nullptr};
  torch::nn::Conv2d quant_conv_{nullptr};
  torch::nn::Conv2d post_quant_conv_{nullptr};
  // decoder.*
  torch::nn::Conv2d dec_conv_in_{nullptr};
  UNetMidBlock2D dec_mid_block_{nullptr};
  std::vector<UpDecoderBlock2D> dec_up_blocks_;
  torch::nn::GroupNorm dec_conv_norm_out_{nullptr};
  torch::nn::Conv2d dec_conv_out_{nullptr};
};
TORCH_MODULE(AutoencoderKL);

/// Builds the VAE from its config.json and loads `weights` strictly, on `device` in `dtype`.
/// Checkpoints with the old attention names load as diffusers loads them.
AutoencoderKL load_vae(const io::Json& config_json, const std::string& config_source, const io::Checkpoint& weights,
                       const std::string& what, torch::Device device = torch::kCPU,
                       torch::Dtype dtype = torch::kFloat32);

}  // namespace hspace::models
