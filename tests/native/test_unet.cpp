// The native UNet2DConditionModel against diffusers 0.35.2 (tests/golden/unet, made by
// tools/golden/gen_unet.py), the h-space API, the config mapping, and each bad input.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "golden.h"
#include "io/json.h"
#include "io/safetensors.h"
#include "models/unet_2d_condition.h"

namespace hspace {
namespace {

using models::UNet2DConditionConfig;
using models::UNet2DConditionModel;
using models::UNetConditioning;
using testing::max_relative_error;

constexpr double kTolerance = 1e-4;  // fp32 single forward, the project's parity bound

std::filesystem::path unet_dir(const std::string& name) { return testing::golden_dir("unet") / name; }

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The golden config with each `from` replaced by its `to` (which must occur), for the config tests.
io::Json edited_config(const std::string& name, const std::vector<std::pair<std::string, std::string>>& edits) {
  std::string text = read_text(unet_dir(name) / "config.json");
  for (const auto& [from, to] : edits) {
    auto at = text.find(from);
    if (at == std::string::npos) throw std::logic_error("test setup: '" + from + "' not in " + name + "/config.json");
    text.replace(at, from.size(), to);
  }
  return io::parse_json(text, name + "/config.json (edited)");
}

io::Json edited_config(const std::string& name, const std::string& from, const std::string& to) {
  return edited_config(name, {{from, to}});
}

UNet2DConditionModel load(const std::string& name, const io::Json& config) {
  auto dir = unet_dir(name);
  auto weights = io::Checkpoint::open(dir / "diffusion_pytorch_model.safetensors");
  return models::load_unet(config, (dir / "config.json").string(), weights, "unet " + name);
}

UNet2DConditionModel load(const std::string& name) {
  return load(name, io::read_json_file((unet_dir(name) / "config.json").string()));
}

struct Inputs {
  torch::Tensor latents, timestep, context;
  UNetConditioning extra;
};

Inputs inputs_of(const io::SafetensorsFile& golden) {
  Inputs in;
  in.latents = golden.tensor("latents");
  in.timestep = golden.tensor("timestep");
  in.context = golden.tensor("encoder_hidden_states");
  if (golden.find("text_embeds")) in.extra.text_embeds = golden.tensor("text_embeds");
  if (golden.find("time_ids")) in.extra.time_ids = golden.tensor("time_ids");
  if (golden.find("timestep_cond")) in.extra.timestep_cond = golden.tensor("timestep_cond");
  return in;
}

template <typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

class UNetParity : public ::testing::TestWithParam<std::string> {};

TEST_P(UNetParity, OutputAndMidBlockMatchDiffusers) {
  torch::NoGradGuard no_grad;
  auto golden = testing::golden_file(unet_dir(GetParam()) / "golden.safetensors");
  auto unet = load(GetParam());
  auto in = inputs_of(*golden);
  auto out = unet->forward(in.latents, in.timestep, in.context, in.extra);
  double out_error = max_relative_error(out.sample, golden->tensor("out"));
  double mid_error = max_relative_error(out.mid, golden->tensor("mid"));
  std::cout << "[ parity ] unet " << GetParam() << ": output " << out_error << ", mid-block " << mid_error << "\n";
  EXPECT_LE(out_error, kTolerance);
  EXPECT_LE(mid_error, kTolerance);
}

TEST_P(UNetParity, ForwardToMidEqualsMidBlockOfFullForward) {
  torch::NoGradGuard no_grad;
  auto golden = testing::golden_file(unet_dir(GetParam()) / "golden.safetensors");
  auto unet = load(GetParam());
  auto in = inputs_of(*golden);
  auto h = unet->forward_to_mid(in.latents, in.timestep, in.context, in.extra);
  auto full = unet->forward(in.latents, in.timestep, in.context, in.extra);
  EXPECT_TRUE(torch::equal(h, full.mid));
  EXPECT_EQ(h.sizes(), golden->tensor("mid").sizes());
}

// NHWC memory (hs_engine_params.memory_format) changes the layout, not the values.
TEST_P(UNetParity, ChannelsLastMatchesDiffusers) {
  torch::NoGradGuard no_grad;
  auto golden = testing::golden_file(unet_dir(GetParam()) / "golden.safetensors");
  auto unet = load(GetParam());
  unet->use_channels_last();
  auto in = inputs_of(*golden);
  auto out = unet->forward(in.latents, in.timestep, in.context, in.extra);
  EXPECT_TRUE(out.mid.is_contiguous(torch::MemoryFormat::ChannelsLast)) << "the layout did not reach the mid-block";
  EXPECT_LE(max_relative_error(out.sample, golden->tensor("out")), kTolerance);
  EXPECT_LE(max_relative_error(out.mid, golden->tensor("mid")), kTolerance);
}

// The same golden forward on a CUDA device (skipped without one): fp32 with TF32 off at the parity
// bound, fp16 and bf16 (in both memory layouts) within what their rounding allows.
TEST_P(UNetParity, CudaMatchesDiffusers) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device on this machine";
  torch::NoGradGuard no_grad;
  testing::NoTF32 no_tf32;
  auto golden = testing::golden_file(unet_dir(GetParam()) / "golden.safetensors");
  auto dir = unet_dir(GetParam());
  auto config = io::read_json_file((dir / "config.json").string());
  auto weights = io::Checkpoint::open(dir / "diffusion_pytorch_model.safetensors");
  struct Case { torch::Dtype dtype; bool channels_last; double tolerance; };
  for (const Case& c : {Case{torch::kFloat32, false, kTolerance}, Case{torch::kFloat16, false, 2e-2},
                        Case{torch::kFloat16, true, 2e-2}, Case{torch::kBFloat16, true, 8e-2}}) {
    auto unet = models::load_unet(config, (dir / "config.json").string(), weights, "unet " + GetParam(),
                                  torch::kCUDA, c.dtype);
    if (c.channels_last) {
      unet->use_channels_last();
      EXPECT_TRUE(unet->named_parameters()["conv_in.weight"].is_contiguous(torch::MemoryFormat::ChannelsLast));
    }
    auto in = inputs_of(*golden);
    auto on_device = [&](const torch::Tensor& t) { return t.defined() ? t.to(torch::kCUDA, c.dtype) : t; };
    in.extra.text_embeds = on_device(in.extra.text_embeds);
    in.extra.time_ids = on_device(in.extra.time_ids);
    in.extra.timestep_cond = on_device(in.extra.timestep_cond);
    auto out = unet->forward(on_device(in.latents), in.timestep.to(torch::kCUDA), on_device(in.context), in.extra);
    double out_error = max_relative_error(out.sample, golden->tensor("out"));
    double mid_error = max_relative_error(out.mid, golden->tensor("mid"));
    std::cout << "[ parity ] cuda unet " << GetParam() << " " << c10::toString(c.dtype)
              << (c.channels_last ? " channels-last" : "") << ": output " << out_error << ", mid-block " << mid_error
              << "\n";
    EXPECT_LE(out_error, c.tolerance) << c10::toString(c.dtype);
    EXPECT_LE(mid_error, c.tolerance) << c10::toString(c.dtype);
  }
}

INSTANTIATE_TEST_SUITE_P(Golden, UNetParity, ::testing::Values("sd15", "sd21", "sdxl", "lcm_sd15"));

TEST(UNet, LatentSizeNotAMultipleOfTheDownsamplingMatchesDiffusers) {
  // diffusers sizes each upsampler's output to the next skip connection (forward_upsample_size).
  torch::NoGradGuard no_grad;
  auto golden = testing::golden_file(unet_dir("sd15") / "golden.safetensors");
  auto unet = load("sd15");
  auto in = inputs_of(*golden);
  auto out = unet->forward(golden->tensor("latents_odd"), in.timestep, in.context);
  double out_error = max_relative_error(out.sample, golden->tensor("out_odd"));
  double mid_error = max_relative_error(out.mid, golden->tensor("mid_odd"));
  std::cout << "[ parity ] unet sd15 9x7 latent: output " << out_error << ", mid-block " << mid_error << "\n";
  EXPECT_LE(out_error, kTolerance);
  EXPECT_LE(mid_error, kTolerance);
}

TEST(UNet, MidBlockHookReplacesWhatTheUpPathReads) {
  torch::NoGradGuard no_grad;
  auto golden = testing::golden_file(unet_dir("sd15") / "golden.safetensors");
  auto unet = load("sd15");
  auto in = inputs_of(*golden);
  auto plain = unet->forward(in.latents, in.timestep, in.context);

  torch::Tensor seen;
  models::MidBlockHook identity = [&](const torch::Tensor& h) { seen = h; return h; };
  auto same = unet->forward(in.latents, in.timestep, in.context, {}, &identity);
  EXPECT_TRUE(torch::equal(seen, plain.mid));
  EXPECT_TRUE(torch::equal(same.sample, plain.sample));

  auto direction = torch::randn(plain.mid.sizes(), torch::TensorOptions().dtype(torch::kFloat32));
  models::MidBlockHook steer = [&](const torch::Tensor& h) { return h + 2.0 * direction; };
  auto steered = unet->forward(in.latents, in.timestep, in.context, {}, &steer);
  EXPECT_TRUE(torch::equal(steered.mid, plain.mid)) << "mid must be the block's own output, before the hook";
  EXPECT_GT((steered.sample - plain.sample).abs().max().item<double>(), 1e-3);
}

// The cross-attention layers keep the keys and values of the last context (models/attention.h):
// a context changed in place, another tensor, or weights changed in place must be projected afresh.
TEST(UNet, KeptTextProjectionsFollowTheContext) {
  torch::NoGradGuard no_grad;
  auto golden = testing::golden_file(unet_dir("sd15") / "golden.safetensors");
  auto unet = load("sd15");
  auto in = inputs_of(*golden);
  auto context = in.context.clone();
  auto first = unet->forward(in.latents, in.timestep, context).sample;
  EXPECT_TRUE(torch::equal(unet->forward(in.latents, in.timestep, context).sample, first)) << "same context, kept projections";

  context.mul_(-0.5);  // in place: same tensor, new version
  auto changed = unet->forward(in.latents, in.timestep, context).sample;
  unet->forget_context();
  auto fresh = unet->forward(in.latents, in.timestep, context.clone()).sample;
  EXPECT_GT((changed - first).abs().max().item<double>(), 1e-3);
  EXPECT_TRUE(torch::equal(changed, fresh));

  auto other = unet->forward(in.latents, in.timestep, in.context).sample;  // another tensor
  EXPECT_TRUE(torch::equal(other, first));

  // weights edited in place (a merged adapter, say) with the same context
  auto params = unet->named_parameters();
  params["mid_block.attentions.0.transformer_blocks.0.attn2.to_k.weight"].mul_(3);
  auto edited = unet->forward(in.latents, in.timestep, in.context).sample;
  unet->forget_context();
  EXPECT_TRUE(torch::equal(edited, unet->forward(in.latents, in.timestep, in.context).sample));
  EXPECT_GT((edited - first).abs().max().item<double>(), 1e-4);
}

TEST(UNet, MidBlockHookOfWrongShapeIsRefused) {
  torch::NoGradGuard no_grad;
  auto golden = testing::golden_file(unet_dir("sd15") / "golden.safetensors");
  auto unet = load("sd15");
  auto in = inputs_of(*golden);
  models::MidBlockHook pooled = [](const torch::Tensor& h) { return h.mean({2, 3}); };
  auto message = error_of([&] { unet->forward(in.latents, in.timestep, in.context, {}, &pooled); });
  EXPECT_NE(message.find("mid-block hook returned shape"), std::string::npos) << message;
}

TEST(UNetConfig, AttentionHeadDimMeansTheNumberOfHeads) {
  // SD 2.1's released config lists attention_head_dim [5, 10, 20, 20] for 320..1280 channels:
  // head counts, giving 64-wide heads (read as widths, 320/5 = 64 heads of 5 channels).
  auto config = UNet2DConditionConfig::from_json(
      edited_config("sd21", {{"\"attention_head_dim\": [\n    2,\n    4\n  ]", "\"attention_head_dim\": [5, 10]"},
                             {"\"block_out_channels\": [\n    16,\n    32\n  ]", "\"block_out_channels\": [320, 640]"}}),
      "sd21");
  EXPECT_EQ(config.num_attention_heads, (std::vector<int64_t>{5, 10}));
  EXPECT_EQ(config.head_dim(0), 64);
  EXPECT_EQ(config.head_dim(1), 64);
  // SD 1.5 style: one int (8 in the release, 4 here), the same head count in every block.
  auto sd15 = UNet2DConditionConfig::from_json(io::read_json_file((unet_dir("sd15") / "config.json").string()), "sd15");
  EXPECT_EQ(sd15.num_attention_heads, (std::vector<int64_t>{4, 4}));
  EXPECT_EQ(sd15.head_dim(0), 16 / 4);
  EXPECT_EQ(sd15.head_dim(1), 32 / 4);
}

TEST(UNetConfig, AttentionHeadDimMappingBuildsTheGoldenModel) {
  // sd21 lists [2, 4]: read as head dims the heads would be 16/2 = 8 and 32/4 = 8, and the
  // output would differ; parity with diffusers above holds only with the head-count reading.
  auto config = UNet2DConditionConfig::from_json(io::read_json_file((unet_dir("sd21") / "config.json").string()), "sd21");
  EXPECT_EQ(config.num_attention_heads, (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(config.head_dim(0), 8);
  EXPECT_EQ(config.head_dim(1), 8);
}

TEST(UNetConfig, SummaryIsOneLine) {
  auto config = UNet2DConditionConfig::from_json(io::read_json_file((unet_dir("sdxl") / "config.json").string()), "sdxl");
  auto line = config.summary();
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("text_time"), std::string::npos) << line;
  EXPECT_TRUE(config.text_time);
  EXPECT_EQ(config.transformer_layers_per_block, (std::vector<int64_t>{1, 2}));
}

TEST(UNetConfig, LcmGuidanceEmbeddingIsRead) {
  auto config = UNet2DConditionConfig::from_json(io::read_json_file((unet_dir("lcm_sd15") / "config.json").string()), "lcm");
  EXPECT_EQ(config.time_cond_proj_dim, 16);
}

TEST(UNetConfig, ClassEmbedTypeIsRefusedByName) {
  auto message = error_of([] {
    UNet2DConditionConfig::from_json(edited_config("sd15", "\"class_embed_type\": null", "\"class_embed_type\": \"timestep\""), "x");
  });
  EXPECT_NE(message.find("class_embed_type"), std::string::npos) << message;
}

TEST(UNetConfig, ScaleShiftTimeEmbeddingIsRefusedByName) {
  auto message = error_of([] {
    UNet2DConditionConfig::from_json(
        edited_config("sd15", "\"resnet_time_scale_shift\": \"default\"", "\"resnet_time_scale_shift\": \"scale_shift\""), "x");
  });
  EXPECT_NE(message.find("resnet_time_scale_shift"), std::string::npos) << message;
}

TEST(UNetConfig, EncoderHidDimTypeIsRefusedByName) {
  auto message = error_of([] {
    UNet2DConditionConfig::from_json(
        edited_config("sd15", "\"encoder_hid_dim_type\": null", "\"encoder_hid_dim_type\": \"text_proj\""), "x");
  });
  EXPECT_NE(message.find("encoder_hid_dim_type"), std::string::npos) << message;
}

TEST(UNetConfig, NumClassEmbedsIsRefusedByName) {
  auto message = error_of([] {
    UNet2DConditionConfig::from_json(edited_config("sd15", "\"num_class_embeds\": null", "\"num_class_embeds\": 10"), "x");
  });
  EXPECT_NE(message.find("num_class_embeds"), std::string::npos) << message;
}

TEST(UNetConfig, NumAttentionHeadsIsRefusedByName) {
  auto message = error_of([] {
    UNet2DConditionConfig::from_json(edited_config("sd15", "\"num_attention_heads\": null", "\"num_attention_heads\": 2"), "x");
  });
  EXPECT_NE(message.find("num_attention_heads"), std::string::npos) << message;
}

TEST(UNetConfig, UnsupportedBlockTypeIsRefusedByName) {
  auto message = error_of([] {
    UNet2DConditionConfig::from_json(
        edited_config("sd15", "\"CrossAttnDownBlock2D\"", "\"SimpleCrossAttnDownBlock2D\""), "x");
  });
  EXPECT_NE(message.find("down_block_types"), std::string::npos) << message;
  EXPECT_NE(message.find("SimpleCrossAttnDownBlock2D"), std::string::npos) << message;
}

TEST(UNetConfig, HeadsThatDoNotDivideChannelsAreRefused) {
  auto message = error_of([] {
    UNet2DConditionConfig::from_json(edited_config("sd15", "\"attention_head_dim\": 4", "\"attention_head_dim\": 3"), "x");
  });
  EXPECT_NE(message.find("attention_head_dim"), std::string::npos) << message;
}

TEST(UNetLoad, CheckpointThatDoesNotFitTheConfigNamesTheTensor) {
  // The config claims 24-wide text states; the checkpoint's cross-attention keys take 16.
  auto message = error_of([] {
    load("sd15", edited_config("sd15", "\"cross_attention_dim\": 16", "\"cross_attention_dim\": 24"));
  });
  EXPECT_NE(message.find("attn2.to_k.weight"), std::string::npos) << message;
}

TEST(UNetInput, LatentWithWrongChannelCountIsNamed) {
  torch::NoGradGuard no_grad;
  auto golden = testing::golden_file(unet_dir("sd15") / "golden.safetensors");
  auto unet = load("sd15");
  auto in = inputs_of(*golden);
  auto message = error_of([&] { unet->forward(torch::zeros({2, 3, 8, 8}), in.timestep, in.context); });
  EXPECT_NE(message.find("latent of shape [2, 3, 8, 8] cannot be taken"), std::string::npos) << message;
}

TEST(UNetInput, EmptyLatentIsNamed) {
  torch::NoGradGuard no_grad;
  auto golden = testing::golden_file(unet_dir("sd15") / "golden.safetensors");
  auto unet = load("sd15");
  auto in = inputs_of(*golden);
  auto message = error_of([&] { unet->forward_to_mid(torch::zeros({2, 4, 0, 8}), in.timestep, in.context); });
  EXPECT_NE(message.find("latent of shape [2, 4, 0, 8] cannot be taken"), std::string::npos) << message;
}

TEST(UNetInput, TextStatesOfWrongWidthAreNamed) {
  torch::NoGradGuard no_grad;
  auto golden = testing::golden_file(unet_dir("sd15") / "golden.safetensors");
  auto unet = load("sd15");
  auto in = inputs_of(*golden);
  auto message = error_of([&] { unet->forward(in.latents, in.timestep, torch::zeros({2, 7, 12})); });
  EXPECT_NE(message.find("cross_attention_dim"), std::string::npos) << message;
}

TEST(UNetInput, TimestepCountMustMatchTheBatch) {
  torch::NoGradGuard no_grad;
  auto golden = testing::golden_file(unet_dir("sd15") / "golden.safetensors");
  auto unet = load("sd15");
  auto in = inputs_of(*golden);
  auto message = error_of([&] { unet->forward(in.latents, torch::tensor({1, 2, 3}), in.context); });
  EXPECT_NE(message.find("timestep of shape [3]"), std::string::npos) << message;
}

TEST(UNetInput, SdxlWithoutTimeIdsIsRefused) {
  torch::NoGradGuard no_grad;
  auto golden = testing::golden_file(unet_dir("sdxl") / "golden.safetensors");
  auto unet = load("sdxl");
  auto in = inputs_of(*golden);
  in.extra.time_ids = torch::Tensor();
  auto message = error_of([&] { unet->forward(in.latents, in.timestep, in.context, in.extra); });
  EXPECT_NE(message.find("needs text_embeds and time_ids"), std::string::npos) << message;
}

TEST(UNetInput, GuidanceEmbeddingOnANonLcmModelIsRefused) {
  torch::NoGradGuard no_grad;
  auto golden = testing::golden_file(unet_dir("sd15") / "golden.safetensors");
  auto unet = load("sd15");
  auto in = inputs_of(*golden);
  in.extra.timestep_cond = torch::zeros({2, 16});
  auto message = error_of([&] { unet->forward(in.latents, in.timestep, in.context, in.extra); });
  EXPECT_NE(message.find("time_cond_proj_dim"), std::string::npos) << message;
}

}  // namespace
}  // namespace hspace
