// ref: diffusers/models/unets/unet_2d_condition.py (UNet2DConditionModel)
#include "models/unet_2d_condition.h"

#include <sstream>
#include <stdexcept>

#include "io/config.h"
#include "io/state_dict.h"
#include "models/attention.h"

namespace hspace::models {
namespace nn = torch::nn;
namespace {

const char* const kCrossAttnDown = "CrossAttnDownBlock2D";
const char* const kDown = "DownBlock2D";
const char* const kCrossAttnUp = "CrossAttnUpBlock2D";
const char* const kUp = "UpBlock2D";
const char* const kMid = "UNetMidBlock2DCrossAttn";

std::runtime_error unsupported(const io::ConfigReader& r, const std::string& key, const std::string& value,
                               const std::string& why) {
  return std::runtime_error(r.where(key) + " = " + value + " is not supported: " + why);
}

// A field whose every non-null value selects a feature the engine does not implement.
void refuse_set(io::ConfigReader& r, const std::string& key, const std::string& why) {
  const io::Json* v = r.raw(key);
  if (v && !v->is_null()) throw unsupported(r, key, v->dump(), why);
}

void refuse_true(io::ConfigReader& r, const std::string& key, const std::string& why) {
  const io::Json* v = r.raw(key);
  if (!v || v->is_null()) return;
  bool any = false;
  if (v->is_array()) {
    for (const auto& item : v->as_array(key)) any = any || item.as_bool(key);
  } else {
    any = v->as_bool(key);
  }
  if (any) throw unsupported(r, key, v->dump(), why);
}

std::string join(const std::vector<int64_t>& values) {
  std::ostringstream out;
  for (size_t i = 0; i < values.size(); ++i) out << (i ? "," : "") << values[i];
  return out.str();
}

}  // namespace

UNet2DConditionConfig UNet2DConditionConfig::from_json(const io::Json& json, const std::string& source) {
  io::ConfigReader r(json, source);
  UNet2DConditionConfig c;
  c.in_channels = r.get_int("in_channels", 4);
  c.out_channels = r.get_int("out_channels", 4);
  if (const io::Json* size = r.raw("sample_size"); size && !size->is_null()) {
    if (size->is_array()) {
      const auto& hw = size->as_array("sample_size");
      if (hw.size() != 2) throw std::runtime_error(r.where("sample_size") + " must be an int or [height, width]");
      c.sample_height = hw[0].as_int("sample_size");
      c.sample_width = hw[1].as_int("sample_size");
    } else {
      c.sample_height = c.sample_width = size->as_int("sample_size");
    }
  }
  c.center_input_sample = r.get_bool("center_input_sample", false);
  c.flip_sin_to_cos = r.get_bool("flip_sin_to_cos", true);
  c.freq_shift = r.get_double("freq_shift", 0.0);

  c.down_block_types = r.get_string_list("down_block_types");
  c.up_block_types = r.get_string_list("up_block_types");
  c.block_out_channels = r.get_int_list("block_out_channels");
  const size_t n = c.block_out_channels.size();
  if (n == 0 || c.down_block_types.size() != n || c.up_block_types.size() != n) {
    throw std::runtime_error(source + ": down_block_types, up_block_types and block_out_channels must list the same "
                             "number of blocks (got " + std::to_string(c.down_block_types.size()) + ", " +
                             std::to_string(c.up_block_types.size()) + ", " + std::to_string(n) + ")");
  }
  for (const auto& type : c.down_block_types) {
    if (type != kCrossAttnDown && type != kDown) {
      throw unsupported(r, "down_block_types", type, std::string("only ") + kCrossAttnDown + " and " + kDown);
    }
  }
  for (const auto& type : c.up_block_types) {
    if (type != kCrossAttnUp && type != kUp) {
      throw unsupported(r, "up_block_types", type, std::string("only ") + kCrossAttnUp + " and " + kUp);
    }
  }
  const io::Json* mid = r.raw("mid_block_type");
  const std::string mid_type = !mid ? kMid : mid->is_null() ? "null" : mid->as_string("mid_block_type");
  if (mid_type != kMid) {
    throw unsupported(r, "mid_block_type", mid_type, std::string("h-space is read from a ") + kMid);
  }

  c.layers_per_block = r.get_int_or_list("layers_per_block", n, 2);
  c.transformer_layers_per_block = r.get_int_or_list("transformer_layers_per_block", n, 1);
  refuse_set(r, "reverse_transformer_layers_per_block", "asymmetric transformer depths");
  c.cross_attention_dim = r.get_int_or_list("cross_attention_dim", n, 1280);
  // diffusers #2011: attention_head_dim holds the head count; diffusers 0.35 itself refuses a
  // non-null num_attention_heads in this class, so the mapping is exact for every loadable config.
  refuse_set(r, "num_attention_heads", "diffusers' UNet2DConditionModel reads head counts from attention_head_dim");
  c.num_attention_heads = r.get_int_or_list("attention_head_dim", n, 8);
  for (size_t i = 0; i < n; ++i) {
    if (c.num_attention_heads[i] <= 0 || c.block_out_channels[i] % c.num_attention_heads[i] != 0) {
      throw std::runtime_error(r.where("attention_head_dim") + ": " + std::to_string(c.num_attention_heads[i]) +
                               " heads do not divide the " + std::to_string(c.block_out_channels[i]) +
                               " channels of block " + std::to_string(i));
    }
  }
  refuse_true(r, "only_cross_attention", "blocks without self-attention");
  refuse_true(r, "dual_cross_attention", "DualTransformer2DModel");

  c.downsample_padding = r.get_int("downsample_padding", 1);
  c.mid_block_scale_factor = r.get_double("mid_block_scale_factor", 1.0);
  r.get_choice("act_fn", {"silu", "swish"}, "silu");
  if (!r.has("norm_num_groups")) {
    throw std::runtime_error(r.where("norm_num_groups") + " is null or absent: U-Nets without group norms are not supported");
  }
  c.norm_num_groups = r.get_int("norm_num_groups");
  for (size_t i = 0; i < n; ++i) {
    if (c.norm_num_groups <= 0 || c.block_out_channels[i] % c.norm_num_groups != 0) {
      throw std::runtime_error(r.where("norm_num_groups") + ": " + std::to_string(c.norm_num_groups) +
                               " groups do not divide the " + std::to_string(c.block_out_channels[i]) +
                               " channels of block " + std::to_string(i));
    }
  }
  c.norm_eps = r.get_double("norm_eps", 1e-5);
  c.use_linear_projection = r.get_bool("use_linear_projection", false);
  c.upcast_attention = r.get_bool("upcast_attention", false);
  r.get_choice("resnet_time_scale_shift", {"default"}, "default");
  r.get_choice("time_embedding_type", {"positional"}, "positional");
  r.get_choice("attention_type", {"default"}, "default");
  refuse_set(r, "time_embedding_act_fn", "an activation after the time embedding");
  refuse_set(r, "timestep_post_act", "an activation after the time MLP");
  refuse_set(r, "class_embed_type", "class embeddings");
  refuse_set(r, "num_class_embeds", "class embeddings");
  refuse_set(r, "encoder_hid_dim", "a projection of the text states");
  refuse_set(r, "encoder_hid_dim_type", "a projection of the text states");
  c.conv_in_kernel = r.get_int("conv_in_kernel", 3);
  c.conv_out_kernel = r.get_int("conv_out_kernel", 3);
  c.time_embed_dim = r.has("time_embedding_dim") ? r.get_int("time_embedding_dim") : 4 * c.block_out_channels[0];
  c.time_cond_proj_dim = r.has("time_cond_proj_dim") ? r.get_int("time_cond_proj_dim") : 0;

  const io::Json* addition = r.raw("addition_embed_type");
  if (addition && !addition->is_null()) {
    const std::string& type = addition->as_string("addition_embed_type");
    if (type != "text_time") throw unsupported(r, "addition_embed_type", type, "only \"text_time\" (SDXL)");
    c.text_time = true;
    c.addition_time_embed_dim = r.get_int("addition_time_embed_dim");
    c.projection_class_embeddings_input_dim = r.get_int("projection_class_embeddings_input_dim");
    if (c.addition_time_embed_dim <= 0 || c.projection_class_embeddings_input_dim <= 0) {
      throw std::runtime_error(source + ": text_time needs positive addition_time_embed_dim and "
                               "projection_class_embeddings_input_dim");
    }
  } else {
    // Without text_time these two only feed class embeddings, refused above.
    r.ignore({"addition_time_embed_dim", "projection_class_embeddings_input_dim"});
  }
  // No effect on inference for the blocks accepted above: dropout is identity in eval mode; the
  // resnet_* options and cross_attention_norm reach only the Simple*/ResnetDownsample blocks,
  // mid_block_only_cross_attention only UNetMidBlock2DSimpleCrossAttn, class_embeddings_concat
  // only class embeddings, addition_embed_type_num_heads only the "text" addition.
  r.ignore({"dropout", "resnet_skip_time_act", "resnet_out_scale_factor", "cross_attention_norm",
            "mid_block_only_cross_attention", "class_embeddings_concat", "addition_embed_type_num_heads"});
  r.finish();
  return c;
}

std::string UNet2DConditionConfig::summary() const {
  std::ostringstream out;
  out << "UNet2DConditionModel: blocks [" << join(block_out_channels) << "], heads [" << join(num_attention_heads)
      << "], layers [" << join(layers_per_block) << "], transformer layers [" << join(transformer_layers_per_block)
      << "], cross-attention dim " << cross_attention_dim[0] << (use_linear_projection ? ", linear" : ", conv")
      << " projections, time embedding " << time_embed_dim;
  if (text_time) {
    out << ", text_time (time ids x" << addition_time_embed_dim << ", projection "
        << projection_class_embeddings_input_dim << ")";
  }
  if (time_cond_proj_dim > 0) out << ", guidance embedding " << time_cond_proj_dim;
  if (sample_height > 0) out << ", sample size " << sample_height << "x" << sample_width;
  return out.str();
}

UNet2DConditionModelImpl::UNet2DConditionModelImpl(UNet2DConditionConfig config) : config_(std::move(config)) {
  const auto& c = config_;
  const size_t n = c.num_blocks();
  conv_in_ = register_module(
      "conv_in", nn::Conv2d(nn::Conv2dOptions(c.in_channels, c.block_out_channels[0], c.conv_in_kernel)
                                .padding((c.conv_in_kernel - 1) / 2)));
  time_proj_ = Timesteps{c.block_out_channels[0], c.flip_sin_to_cos, c.freq_shift};
  time_embedding_ = register_module(
      "time_embedding", TimestepEmbedding(c.block_out_channels[0], c.time_embed_dim, c.time_cond_proj_dim));
  if (c.text_time) {
    add_time_proj_ = Timesteps{c.addition_time_embed_dim, c.flip_sin_to_cos, c.freq_shift};
    add_embedding_ = register_module(
        "add_embedding", TimestepEmbedding(c.projection_class_embeddings_input_dim, c.time_embed_dim));
  }

  auto block_options = [&](size_t i, int64_t in_channels, int64_t out_channels, bool cross) {
    BlockOptions o;
    o.in_channels = in_channels;
    o.out_channels = out_channels;
    o.temb_channels = c.time_embed_dim;
    o.groups = c.norm_num_groups;
    o.eps = c.norm_eps;
    o.transformer_layers = cross ? c.transformer_layers_per_block[i] : 0;
    o.heads = c.num_attention_heads[i];
    o.cross_attention_dim = c.cross_attention_dim[i];
    o.use_linear_projection = c.use_linear_projection;
    return o;
  };

  auto down_list = register_module("down_blocks", nn::ModuleList());
  int64_t output_channel = c.block_out_channels[0];
  for (size_t i = 0; i < n; ++i) {
    const int64_t input_channel = output_channel;
    output_channel = c.block_out_channels[i];
    auto o = block_options(i, input_channel, output_channel, c.down_block_types[i] == kCrossAttnDown);
    o.num_layers = c.layers_per_block[i];
    down_blocks_.push_back(DownBlock2D(o, /*add_downsample=*/i + 1 < n, c.downsample_padding));
    down_list->push_back(down_blocks_.back());
  }

  auto mid = block_options(n - 1, c.block_out_channels.back(), c.block_out_channels.back(), /*cross=*/true);
  mid.output_scale_factor = c.mid_block_scale_factor;
  mid_block_ = register_module("mid_block", UNetMidBlock2DCrossAttn(mid));

  auto up_list = register_module("up_blocks", nn::ModuleList());
  output_channel = c.block_out_channels.back();
  for (size_t i = 0; i < n; ++i) {
    const size_t down_index = n - 1 - i;  // the up path reads the per-block lists reversed
    const int64_t prev_output_channel = output_channel;
    output_channel = c.block_out_channels[down_index];
    const int64_t input_channel = c.block_out_channels[down_index == 0 ? 0 : down_index - 1];
    auto o = block_options(down_index, input_channel, output_channel, c.up_block_types[i] == kCrossAttnUp);
    o.num_layers = c.layers_per_block[down_index] + 1;
    up_blocks_.push_back(UpBlock2D(o, prev_output_channel, /*add_upsample=*/i + 1 < n));
    up_list->push_back(up_blocks_.back());
  }

  conv_norm_out_ = register_module(
      "conv_norm_out",
      nn::GroupNorm(nn::GroupNormOptions(c.norm_num_groups, c.block_out_channels[0]).eps(c.norm_eps)));
  conv_out_ = register_module(
      "conv_out", nn::Conv2d(nn::Conv2dOptions(c.block_out_channels[0], c.out_channels, c.conv_out_kernel)
                                 .padding((c.conv_out_kernel - 1) / 2)));
}

void UNet2DConditionModelImpl::check_inputs(const torch::Tensor& sample, const torch::Tensor& timestep,
                                            const torch::Tensor& context, const UNetConditioning& extra) const {
  const auto& c = config_;
  if (sample.dim() != 4 || sample.size(1) != c.in_channels || sample.size(0) == 0 || sample.size(2) == 0 ||
      sample.size(3) == 0) {
    throw std::runtime_error("unet: a latent of shape " + c10::str(sample.sizes()) +
                             " cannot be taken; this model needs [batch, " + std::to_string(c.in_channels) +
                             ", height, width] with every size at least 1");
  }
  const int64_t batch = sample.size(0);
  if (context.dim() != 3 || context.size(0) != batch) {
    throw std::runtime_error("unet: encoder_hidden_states of shape " + c10::str(context.sizes()) +
                             " do not fit a batch of " + std::to_string(batch) + " latents: need [" +
                             std::to_string(batch) + ", tokens, " + std::to_string(c.cross_attention_dim[0]) + "]");
  }
  for (size_t i = 0; i < c.num_blocks(); ++i) {
    if (context.size(2) != c.cross_attention_dim[i]) {
      throw std::runtime_error("unet: encoder_hidden_states have width " + std::to_string(context.size(2)) +
                               " but block " + std::to_string(i) + " attends over " +
                               std::to_string(c.cross_attention_dim[i]) + " (cross_attention_dim)");
    }
  }
  if (timestep.dim() > 1 || (timestep.dim() == 1 && timestep.size(0) != 1 && timestep.size(0) != batch)) {
    throw std::runtime_error("unet: timestep of shape " + c10::str(timestep.sizes()) +
                             " must be a scalar or hold one value per batch item (" + std::to_string(batch) + ")");
  }
  if (c.text_time) {
    if (!extra.text_embeds.defined() || !extra.time_ids.defined()) {
      throw std::runtime_error("unet: this model (addition_embed_type text_time, SDXL) needs text_embeds and time_ids");
    }
    const auto& te = extra.text_embeds;
    const auto& ids = extra.time_ids;
    if (te.dim() != 2 || ids.dim() != 2 || te.size(0) != batch || ids.size(0) != batch ||
        te.size(1) + ids.size(1) * c.addition_time_embed_dim != c.projection_class_embeddings_input_dim) {
      throw std::runtime_error("unet: text_embeds " + c10::str(te.sizes()) + " and time_ids " + c10::str(ids.sizes()) +
                               " do not fit: need [" + std::to_string(batch) + ", T] and [" + std::to_string(batch) +
                               ", K] with T + K * " + std::to_string(c.addition_time_embed_dim) + " = " +
                               std::to_string(c.projection_class_embeddings_input_dim));
    }
  } else if (extra.text_embeds.defined() || extra.time_ids.defined()) {
    throw std::runtime_error("unet: text_embeds/time_ids given, but this model has no text_time addition embedding");
  }
  if (extra.timestep_cond.defined()) {
    if (c.time_cond_proj_dim == 0) {
      throw std::runtime_error("unet: timestep_cond given, but this model has no time_cond_proj_dim (not LCM-distilled)");
    }
    const auto& cond = extra.timestep_cond;
    if (cond.dim() != 2 || cond.size(0) != batch || cond.size(1) != c.time_cond_proj_dim) {
      throw std::runtime_error("unet: timestep_cond of shape " + c10::str(cond.sizes()) + " must be [" +
                               std::to_string(batch) + ", " + std::to_string(c.time_cond_proj_dim) + "]");
    }
  }
}

torch::Tensor UNet2DConditionModelImpl::time_embedding(const torch::Tensor& sample, const torch::Tensor& timestep,
                                                       const UNetConditioning& extra) {
  const int64_t batch = sample.size(0);
  auto timesteps = timestep.dim() == 0 ? timestep.unsqueeze(0) : timestep;
  timesteps = timesteps.to(sample.device()).expand({batch});                   // [B]
  auto t_emb = time_proj_(timesteps).to(sample.scalar_type());                 // [B, C0]
  torch::Tensor cond;
  if (extra.timestep_cond.defined()) cond = extra.timestep_cond.to(sample.device(), sample.scalar_type());
  auto emb = time_embedding_->forward(t_emb, cond);                            // [B, time_embed_dim]
  if (config_.text_time) {
    auto ids = extra.time_ids.to(sample.device());
    auto time_embeds = add_time_proj_(ids.flatten()).reshape({batch, -1});    // [B, K * addition_time_embed_dim]
    auto add_embeds = torch::cat({extra.text_embeds.to(sample.device()), time_embeds}, /*dim=*/-1)
                          .to(emb.scalar_type());                              // [B, projection dim]
    emb = emb + add_embedding_->forward(add_embeds);                           // [B, time_embed_dim]
  }
  return emb;
}

UNet2DConditionModelImpl::Trunk UNet2DConditionModelImpl::run_trunk(const torch::Tensor& sample,
                                                                    const torch::Tensor& timestep,
                                                                    const torch::Tensor& context,
                                                                    const UNetConditioning& extra, bool keep_skips) {
  check_inputs(sample, timestep, context, extra);
  Trunk trunk;
  auto x = config_.center_input_sample ? 2 * sample - 1.0 : sample;           // [B, 4, H, W]
  if (channels_last_) x = x.contiguous(torch::MemoryFormat::ChannelsLast);
  trunk.emb = time_embedding(x, timestep, extra);                              // [B, time_embed_dim]
  x = conv_in_->forward(x);                                                    // [B, C0, H, W]
  if (keep_skips) trunk.skips.push_back(x);
  for (auto& block : down_blocks_) {
    x = block->forward(x, trunk.emb, context, keep_skips ? &trunk.skips : nullptr);  // [B, Ci, H/2^i, W/2^i]
  }
  trunk.h = mid_block_->forward(x, trunk.emb, context);                        // [B, C_last, h, w]: h-space
  return trunk;
}

void UNet2DConditionModelImpl::forget_context() {
  for (const auto& module : modules(/*include_self=*/false)) {
    if (auto* attention = module->as<AttentionImpl>()) attention->forget_context();
  }
}

void UNet2DConditionModelImpl::use_channels_last() {
  for (auto& p : parameters()) {
    if (p.dim() == 4) p.set_data(p.data().contiguous(torch::MemoryFormat::ChannelsLast));
  }
  channels_last_ = true;
}

torch::Tensor UNet2DConditionModelImpl::forward_to_mid(const torch::Tensor& sample, const torch::Tensor& timestep,
                                                       const torch::Tensor& encoder_hidden_states,
                                                       const UNetConditioning& extra) {
  return run_trunk(sample, timestep, encoder_hidden_states, extra, /*keep_skips=*/false).h;
}

UNetOutput UNet2DConditionModelImpl::forward(const torch::Tensor& sample, const torch::Tensor& timestep,
                                             const torch::Tensor& encoder_hidden_states, const UNetConditioning& extra,
                                             const MidBlockHook* hook) {
  auto trunk = run_trunk(sample, timestep, encoder_hidden_states, extra, /*keep_skips=*/true);
  auto x = trunk.h;
  if (hook && *hook) {
    x = (*hook)(trunk.h);                                                      // [B, C_last, h, w] edited h
    if (!x.defined() || x.sizes() != trunk.h.sizes()) {
      throw std::runtime_error("unet: the mid-block hook returned shape " +
                               (x.defined() ? c10::str(x.sizes()) : std::string("(undefined)")) +
                               ", expected the mid-block's " + c10::str(trunk.h.sizes()));
    }
  }
  // Latent sizes that are not multiples of the total upsampling factor: diffusers then sizes
  // each upsampler's output to the skip connection it meets next.
  const int64_t factor = int64_t{1} << (up_blocks_.size() - 1);
  const bool forward_upsample_size = sample.size(2) % factor != 0 || sample.size(3) % factor != 0;
  std::optional<std::vector<int64_t>> upsample_size;
  auto& skips = trunk.skips;
  for (size_t i = 0; i < up_blocks_.size(); ++i) {
    const auto take = static_cast<size_t>(up_blocks_[i]->num_resnets());
    std::vector<torch::Tensor> res(skips.end() - take, skips.end());
    skips.resize(skips.size() - take);
    if (i + 1 < up_blocks_.size() && forward_upsample_size) {
      upsample_size = std::vector<int64_t>{skips.back().size(2), skips.back().size(3)};
    }
    x = up_blocks_[i]->forward(x, res, trunk.emb, encoder_hidden_states, upsample_size);  // [B, C, 2h, 2w]
  }
  x = torch::silu(conv_norm_out_->forward(x));                                 // [B, C0, H, W]
  return UNetOutput{conv_out_->forward(x), trunk.h};                           // [B, out_channels, H, W]
}

UNet2DConditionModel load_unet(const io::Json& config_json, const std::string& config_source,
                               const io::Checkpoint& weights, const std::string& what, torch::Device device,
                               torch::Dtype dtype) {
  UNet2DConditionModel model(UNet2DConditionConfig::from_json(config_json, config_source));
  model->to(device, dtype);
  io::load_state_dict(*model, weights, what);
  model->eval();
  return model;
}

}  // namespace hspace::models
