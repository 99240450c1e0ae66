// ref: diffusers/models/autoencoders/autoencoder_kl.py (AutoencoderKL),
// diffusers/models/autoencoders/vae.py (Encoder, Decoder, DiagonalGaussianDistribution)
#include "models/autoencoder_kl.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "io/config.h"
#include "io/state_dict.h"

namespace hspace::models {
namespace nn = torch::nn;
namespace {

constexpr double kVaeEps = 1e-6;  // diffusers hard-codes it for every VAE norm

void require_all(const io::ConfigReader& r, const std::string& key, const std::vector<std::string>& types,
                 const std::string& expected, size_t n) {
  if (types.size() != n) {
    throw std::runtime_error(r.where(key) + " lists " + std::to_string(types.size()) + " blocks but block_out_channels " +
                             std::to_string(n));
  }
  for (const auto& type : types) {
    if (type != expected) {
      throw std::runtime_error(r.where(key) + " = " + type + " is not supported: only " + expected);
    }
  }
}

}  // namespace

AutoencoderKLConfig AutoencoderKLConfig::from_json(const io::Json& json, const std::string& source) {
  io::ConfigReader r(json, source);
  AutoencoderKLConfig c;
  c.in_channels = r.get_int("in_channels", 3);
  c.out_channels = r.get_int("out_channels", 3);
  c.block_out_channels = r.get_int_list("block_out_channels");
  if (c.block_out_channels.empty()) throw std::runtime_error(r.where("block_out_channels") + " is empty");
  require_all(r, "down_block_types", r.get_string_list("down_block_types"), "DownEncoderBlock2D",
              c.block_out_channels.size());
  require_all(r, "up_block_types", r.get_string_list("up_block_types"), "UpDecoderBlock2D",
              c.block_out_channels.size());
  c.layers_per_block = r.get_int("layers_per_block", 1);
  r.get_choice("act_fn", {"silu", "swish"}, "silu");
  c.latent_channels = r.get_int("latent_channels", 4);
  c.norm_num_groups = r.get_int("norm_num_groups", 32);
  for (int64_t channels : c.block_out_channels) {
    if (c.norm_num_groups <= 0 || channels % c.norm_num_groups != 0) {
      throw std::runtime_error(r.where("norm_num_groups") + ": " + std::to_string(c.norm_num_groups) +
                               " groups do not divide " + std::to_string(channels) + " channels");
    }
  }
  c.scaling_factor = r.get_double("scaling_factor", 0.18215);
  c.shift_factor = r.has("shift_factor") ? r.get_double("shift_factor") : 0.0;
  for (const char* key : {"latents_mean", "latents_std"}) {
    const io::Json* v = r.raw(key);
    if (v && !v->is_null()) {
      throw std::runtime_error(r.where(key) + " is set: per-channel latent statistics are not supported");
    }
  }
  c.force_upcast = r.get_bool("force_upcast", true);
  c.use_quant_conv = r.get_bool("use_quant_conv", true);
  c.use_post_quant_conv = r.get_bool("use_post_quant_conv", true);
  c.mid_block_add_attention = r.get_bool("mid_block_add_attention", true);
  // sample_size only sizes diffusers' tiled encode/decode, which the engine does not use.
  r.ignore({"sample_size"});
  r.finish();
  return c;
}

std::string AutoencoderKLConfig::summary() const {
  std::ostringstream out;
  out << "AutoencoderKL: blocks [";
  for (size_t i = 0; i < block_out_channels.size(); ++i) out << (i ? "," : "") << block_out_channels[i];
  out << "] x" << layers_per_block << ", latent channels " << latent_channels << ", downscale x"
      << downscale_factor() << ", scaling " << scaling_factor << ", shift " << shift_factor
      << (use_quant_conv ? "" : ", no quant_conv") << (use_post_quant_conv ? "" : ", no post_quant_conv")
      << (force_upcast ? ", fp32 decode" : "");
  return out.str();
}

torch::Tensor LatentDistribution::sample(const torch::Tensor& noise) const {
  if (noise.sizes() != mean.sizes()) {
    throw std::runtime_error("vae: noise of shape " + c10::str(noise.sizes()) + " must match the latent mean " +
                             c10::str(mean.sizes()));
  }
  return mean + torch::exp(0.5 * logvar) * noise.to(mean.device(), mean.scalar_type());
}

AutoencoderKLImpl::AutoencoderKLImpl(AutoencoderKLConfig config, bool legacy_attention_names)
    : config_(std::move(config)) {
  const auto& c = config_;
  const auto& channels = c.block_out_channels;
  const size_t n = channels.size();
  auto options = [&](int64_t in, int64_t out, int64_t layers) {
    BlockOptions o;
    o.in_channels = in;
    o.out_channels = out;
    o.num_layers = layers;
    o.groups = c.norm_num_groups;
    o.eps = kVaeEps;
    return o;
  };
  auto conv3 = [](int64_t in, int64_t out) { return nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1)); };
  auto group_norm = [&](int64_t ch) { return nn::GroupNorm(nn::GroupNormOptions(c.norm_num_groups, ch).eps(kVaeEps)); };

  auto encoder = register_module("encoder", std::make_shared<nn::Module>());
  enc_conv_in_ = encoder->register_module("conv_in", conv3(c.in_channels, channels[0]));
  auto down_list = encoder->register_module("down_blocks", nn::ModuleList());
  int64_t output_channel = channels[0];
  for (size_t i = 0; i < n; ++i) {
    const int64_t input_channel = output_channel;
    output_channel = channels[i];
    // DownEncoderBlock2D: no time embedding, and downsample_padding 0 (pad right/bottom, then conv).
    enc_down_blocks_.push_back(DownBlock2D(options(input_channel, output_channel, c.layers_per_block),
                                           /*add_downsample=*/i + 1 < n, /*downsample_padding=*/0));
    down_list->push_back(enc_down_blocks_.back());
  }
  enc_mid_block_ = encoder->register_module(
      "mid_block", UNetMidBlock2D(options(channels.back(), channels.back(), 1), c.mid_block_add_attention,
                                  legacy_attention_names));
  enc_conv_norm_out_ = encoder->register_module("conv_norm_out", group_norm(channels.back()));
  enc_conv_out_ = encoder->register_module("conv_out", conv3(channels.back(), 2 * c.latent_channels));

  if (c.use_quant_conv) {
    quant_conv_ = register_module("quant_conv", nn::Conv2d(nn::Conv2dOptions(2 * c.latent_channels, 2 * c.latent_channels, 1)));
  }
  if (c.use_post_quant_conv) {
    post_quant_conv_ = register_module("post_quant_conv", nn::Conv2d(nn::Conv2dOptions(c.latent_channels, c.latent_channels, 1)));
  }

  auto decoder = register_module("decoder", std::make_shared<nn::Module>());
  dec_conv_in_ = decoder->register_module("conv_in", conv3(c.latent_channels, channels.back()));
  dec_mid_block_ = decoder->register_module(
      "mid_block", UNetMidBlock2D(options(channels.back(), channels.back(), 1), c.mid_block_add_attention,
                                  legacy_attention_names));
  auto up_list = decoder->register_module("up_blocks", nn::ModuleList());
  output_channel = channels.back();
  for (size_t i = 0; i < n; ++i) {
    const int64_t prev_output_channel = output_channel;
    output_channel = channels[n - 1 - i];
    dec_up_blocks_.push_back(UpDecoderBlock2D(options(prev_output_channel, output_channel, c.layers_per_block + 1),
                                              /*add_upsample=*/i + 1 < n));
    up_list->push_back(dec_up_blocks_.back());
  }
  dec_conv_norm_out_ = decoder->register_module("conv_norm_out", group_norm(channels[0]));
  dec_conv_out_ = decoder->register_module("conv_out", conv3(channels[0], c.out_channels));
}

LatentDistribution AutoencoderKLImpl::encode(const torch::Tensor& image) {
  const int64_t f = config_.downscale_factor();
  if (image.dim() != 4 || image.size(1) != config_.in_channels || image.size(0) == 0 || image.size(2) == 0 ||
      image.size(3) == 0 || image.size(2) % f != 0 || image.size(3) % f != 0) {
    throw std::runtime_error("vae: an image of shape " + c10::str(image.sizes()) + " cannot be encoded; need [batch, " +
                             std::to_string(config_.in_channels) + ", height, width] with height and width multiples of " +
                             std::to_string(f));
  }
  auto x = enc_conv_in_->forward(image);                                 // [B, C0, H, W]
  for (auto& block : enc_down_blocks_) x = block->forward(x, {}, {});    // [B, Ci, H/2^i, W/2^i]
  x = enc_mid_block_->forward(x);                                        // [B, C_last, H/f, W/f]
  x = enc_conv_out_->forward(torch::silu(enc_conv_norm_out_->forward(x)));  // [B, 2 * latent, H/f, W/f]
  if (!quant_conv_.is_empty()) x = quant_conv_->forward(x);              // [B, 2 * latent, H/f, W/f]
  auto halves = x.chunk(2, /*dim=*/1);
  return LatentDistribution{halves[0], torch::clamp(halves[1], -30.0, 20.0)};
}

torch::Tensor AutoencoderKLImpl::decode(const torch::Tensor& latents) {
  if (latents.dim() != 4 || latents.size(1) != config_.latent_channels || latents.size(0) == 0 ||
      latents.size(2) == 0 || latents.size(3) == 0) {
    throw std::runtime_error("vae: latents of shape " + c10::str(latents.sizes()) + " cannot be decoded; need [batch, " +
                             std::to_string(config_.latent_channels) + ", height, width]");
  }
  auto x = post_quant_conv_.is_empty() ? latents : post_quant_conv_->forward(latents);  // [B, latent, h, w]
  x = dec_conv_in_->forward(x);                                          // [B, C_last, h, w]
  x = dec_mid_block_->forward(x);                                        // [B, C_last, h, w]
  for (auto& block : dec_up_blocks_) x = block->forward(x);              // [B, Ci, h*2^i, w*2^i]
  return dec_conv_out_->forward(torch::silu(dec_conv_norm_out_->forward(x)));  // [B, out_channels, h*f, w*f]
}

torch::Tensor AutoencoderKLImpl::scale_latents(const torch::Tensor& z) const {
  return (z - config_.shift_factor) * config_.scaling_factor;
}

torch::Tensor AutoencoderKLImpl::unscale_latents(const torch::Tensor& x) const {
  return x / config_.scaling_factor + config_.shift_factor;
}

AutoencoderKL load_vae(const io::Json& config_json, const std::string& config_source, const io::Checkpoint& weights,
                       const std::string& what, torch::Device device, torch::Dtype dtype) {
  const auto names = weights.names();
  const bool legacy = std::find(names.begin(), names.end(), "encoder.mid_block.attentions.0.query.weight") != names.end();
  AutoencoderKL model(AutoencoderKLConfig::from_json(config_json, config_source), legacy);
  model->to(device, dtype);
  io::load_state_dict(*model, weights, what);
  model->eval();
  return model;
}

}  // namespace hspace::models
