// ref: diffusers/models/unets/unet_2d_condition.py (UNet2DConditionModel)
//
// The denoiser of SD 1.x, SD 2.x (and SD-Turbo), SDXL and LCM-distilled models. Registered
// names equal the diffusers checkpoint keys: conv_in, time_embedding, add_embedding,
// down_blocks.N, mid_block, up_blocks.N, conv_norm_out, conv_out.
//
// h-space is the output of mid_block. forward_to_mid() stops there; forward() lets a hook
// replace it before the up path reads it (Asyrp-style steering).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "io/json.h"
#include "io/safetensors.h"
#include "models/embeddings.h"
#include "models/unet_blocks.h"

namespace hspace::models {

struct UNet2DConditionConfig {
  int64_t in_channels = 4;
  int64_t out_channels = 4;
  int64_t sample_height = 0;  // latent size the model was trained at; 0 when the config gives none
  int64_t sample_width = 0;
  bool center_input_sample = false;
  bool flip_sin_to_cos = true;
  double freq_shift = 0;
  std::vector<std::string> down_block_types;  // "CrossAttnDownBlock2D" | "DownBlock2D"
  std::vector<std::string> up_block_types;    // "CrossAttnUpBlock2D" | "UpBlock2D"
  std::vector<int64_t> block_out_channels;
  // Per down block (the up path reads them reversed):
  std::vector<int64_t> layers_per_block;
  std::vector<int64_t> transformer_layers_per_block;
  std::vector<int64_t> cross_attention_dim;
  /// The number of attention heads per block. diffusers' config calls it attention_head_dim
  /// (diffusers issue #2011) and uses it as the head count whenever num_attention_heads is null,
  /// which is every released SD config; from_json maps it here once.
  std::vector<int64_t> num_attention_heads;
  int64_t downsample_padding = 1;
  double mid_block_scale_factor = 1.0;
  int64_t norm_num_groups = 32;
  double norm_eps = 1e-5;
  bool use_linear_projection = false;
  bool upcast_attention = false;  // recorded only: diffusers' SDPA processor does not read it
  int64_t conv_in_kernel = 3;
  int64_t conv_out_kernel = 3;
  int64_t time_embed_dim = 0;      // resolved: time_embedding_dim or 4 * block_out_channels[0]
  int64_t time_cond_proj_dim = 0;  // LCM guidance embedding width; 0: none
  bool text_time = false;          // addition_embed_type "text_time" (SDXL)
  int64_t addition_time_embed_dim = 0;
  int64_t projection_class_embeddings_input_dim = 0;

  /// Parses a diffusers UNet2DConditionModel config.json. A field set to a value the engine
  /// does not implement fails with the field's name; unknown fields fail too.
  static UNet2DConditionConfig from_json(const io::Json& json, const std::string& source);
  size_t num_blocks() const { return block_out_channels.size(); }
  /// Channels of one attention head in block `i` (down-path index).
  int64_t head_dim(size_t i) const { return block_out_channels[i] / num_attention_heads[i]; }
  std::string summary() const;  // one line for the log
};

/// Conditioning beyond the text states; leave a tensor undefined when the model does not take it.
struct UNetConditioning {
  torch::Tensor text_embeds;    // [B, text_embeds_dim] pooled text embedding (SDXL)
  torch::Tensor time_ids;       // [B, 6] original size, crop top-left, target size (SDXL base)
  torch::Tensor timestep_cond;  // [B, time_cond_proj_dim] guidance-scale embedding (LCM)
};

/// Maps the mid-block output h [B, C, h, w] to what the up path consumes (same shape).
using MidBlockHook = std::function<torch::Tensor(const torch::Tensor& h)>;

struct UNetOutput {
  torch::Tensor sample;  // [B, out_channels, H, W] the model prediction (noise, v, ...)
  torch::Tensor mid;     // [B, C, H/f, W/f] the mid-block output h, before any hook
};

class UNet2DConditionModelImpl : public torch::nn::Module {
 public:
  explicit UNet2DConditionModelImpl(UNet2DConditionConfig config);

  /// `timestep` a scalar or [B] (integer or real); `encoder_hidden_states` [B, L, D].
  UNetOutput forward(const torch::Tensor& sample, const torch::Tensor& timestep,
                     const torch::Tensor& encoder_hidden_states, const UNetConditioning& extra = {},
                     const MidBlockHook* hook = nullptr);
  /// Time embedding, conv_in, the down path and the mid-block only: returns h.
  torch::Tensor forward_to_mid(const torch::Tensor& sample, const torch::Tensor& timestep,
                               const torch::Tensor& encoder_hidden_states, const UNetConditioning& extra = {});
  const UNet2DConditionConfig& config() const { return config_; }
  /// The cross-attention layers keep the keys and values of the last `encoder_hidden_states`
  /// (models/attention.h) for the next step; this lets them go.
  void forget_context();
  /// Moves the convolution weights to NHWC memory; forward then hands conv_in an NHWC sample,
  /// and the convolutions keep that layout (a norm may convert it). Values are unchanged.
  void use_channels_last();

 private:
  struct Trunk {
    torch::Tensor emb;                 // [B, time_embed_dim]
    std::vector<torch::Tensor> skips;  // every down-path output, for the up path
    torch::Tensor h;                   // the mid-block output
  };
  Trunk run_trunk(const torch::Tensor& sample, const torch::Tensor& timestep, const torch::Tensor& context,
                  const UNetConditioning& extra, bool keep_skips);
  torch::Tensor time_embedding(const torch::Tensor& sample, const torch::Tensor& timestep,
                               const UNetConditioning& extra);
  void check_inputs(const torch::Tensor& sample, const torch::Tensor& timestep, const torch::Tensor& context,
                    const UNetConditioning& extra) const;

  UNet2DConditionConfig config_;
  bool channels_last_ = false;
  Timesteps time_proj_;
  Timesteps add_time_proj_;
  torch::nn::Conv2d conv_in_{nullptr};
  TimestepEmbedding time_embedding_{nullptr};
  TimestepEmbedding add_embedding_{nullptr};
  std::vector<DownBlock2D> down_blocks_;
  UNetMidBlock2DCrossAttn mid_block_{nullptr};
  std::vector<UpBlock2D> up_blocks_;
  torch::nn::GroupNorm conv_norm_out_{nullptr};
  torch::nn::Conv2d conv_out_{nullptr};
};
TORCH_MODULE(UNet2DConditionModel);

/// Drops the text projections the U-Net keeps between steps (forget_context) when it ends: at
/// the end of a batch, or when an error leaves it.
class ForgetContextAtExit {
 public:
  explicit ForgetContextAtExit(UNet2DConditionModel& unet) : unet_(unet) {}
  ~ForgetContextAtExit() { unet_->forget_context(); }
  ForgetContextAtExit(const ForgetContextAtExit&) = delete;
  ForgetContextAtExit& operator=(const ForgetContextAtExit&) = delete;

 private:
  UNet2DConditionModel& unet_;
};

/// Builds the U-Net from its config.json and loads `weights` strictly (every key, every shape),
/// on `device` in `dtype`, in eval mode. `what` names the component in errors.
UNet2DConditionModel load_unet(const io::Json& config_json, const std::string& config_source,
                               const io::Checkpoint& weights, const std::string& what,
                               torch::Device device = torch::kCPU, torch::Dtype dtype = torch::kFloat32);

}  // namespace hspace::models
