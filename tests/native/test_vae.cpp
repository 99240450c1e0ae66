// The native AutoencoderKL against diffusers 0.35.2 (tests/golden/vae, made by
// tools/golden/gen_vae.py), latent scaling, and each bad input.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "golden.h"
#include "io/json.h"
#include "io/safetensors.h"
#include "models/autoencoder_kl.h"

namespace hspace {
namespace {

using models::AutoencoderKL;
using models::AutoencoderKLConfig;
using testing::max_relative_error;

constexpr double kTolerance = 1e-4;

std::filesystem::path vae_dir(const std::string& name) { return testing::golden_dir("vae") / name; }

io::Json config_of(const std::string& name, const std::string& from = "", const std::string& to = "") {
  std::ifstream in(vae_dir(name) / "config.json");
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  if (!from.empty()) {
    auto at = text.find(from);
    if (at == std::string::npos) throw std::logic_error("test setup: '" + from + "' not in " + name + "/config.json");
    text.replace(at, from.size(), to);
  }
  return io::parse_json(text, name + "/config.json");
}

AutoencoderKL load(const std::string& name, const io::Json& config) {
  auto weights = io::Checkpoint::open(vae_dir(name) / "diffusion_pytorch_model.safetensors");
  return models::load_vae(config, (vae_dir(name) / "config.json").string(), weights, "vae " + name);
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

class VaeParity : public ::testing::TestWithParam<std::string> {};

TEST_P(VaeParity, EncodeAndDecodeMatchDiffusers) {
  torch::NoGradGuard no_grad;
  auto golden = testing::golden_file(vae_dir(GetParam()) / "golden.safetensors");
  auto vae = load(GetParam(), config_of(GetParam()));
  auto dist = vae->encode(golden->tensor("image"));
  auto decoded = vae->decode(golden->tensor("latents"));
  double mean = max_relative_error(dist.mean, golden->tensor("mean"));
  double logvar = max_relative_error(dist.logvar, golden->tensor("logvar"));
  double sample = max_relative_error(dist.sample(golden->tensor("noise")), golden->tensor("sample"));
  double decode = max_relative_error(decoded, golden->tensor("decoded"));
  std::cout << "[ parity ] vae " << GetParam() << ": mean " << mean << ", logvar " << logvar << ", sample " << sample
            << ", decode " << decode << "\n";
  EXPECT_LE(mean, kTolerance);
  EXPECT_LE(logvar, kTolerance);
  EXPECT_LE(sample, kTolerance);
  EXPECT_LE(decode, kTolerance);
}

// legacy_names: weights saved with the pre-0.14 attention names (query, key, value, proj_attn)
// that SD 1.5's own VAE file carries; they must load strictly and compute the same.
INSTANTIATE_TEST_SUITE_P(Golden, VaeParity, ::testing::Values("sd15", "sdxl", "sd3", "legacy_names"));

TEST(VaeConfig, ScalingAndShiftFactorsAreRead) {
  auto sd15 = AutoencoderKLConfig::from_json(config_of("sd15"), "sd15");
  EXPECT_DOUBLE_EQ(sd15.scaling_factor, 0.18215);
  EXPECT_DOUBLE_EQ(sd15.shift_factor, 0.0);
  EXPECT_TRUE(sd15.use_quant_conv);
  auto sd3 = AutoencoderKLConfig::from_json(config_of("sd3"), "sd3");
  EXPECT_DOUBLE_EQ(sd3.scaling_factor, 1.5305);
  EXPECT_DOUBLE_EQ(sd3.shift_factor, 0.0609);
  EXPECT_FALSE(sd3.use_quant_conv);
  EXPECT_FALSE(sd3.use_post_quant_conv);
  EXPECT_EQ(sd3.summary().find('\n'), std::string::npos);
}

TEST(Vae, LatentScalingFollowsTheDiffusersPipelines) {
  torch::NoGradGuard no_grad;
  auto vae = load("sd3", config_of("sd3"));
  auto z = torch::randn({1, 16, 2, 2});
  auto x = vae->scale_latents(z);
  EXPECT_TRUE(torch::allclose(x, (z - 0.0609) * 1.5305));
  EXPECT_TRUE(torch::allclose(vae->unscale_latents(x), z, /*rtol=*/1e-6, /*atol=*/1e-6));
}

TEST(Vae, ConfigWithoutQuantConvsRegistersNone) {
  auto vae = load("sd3", config_of("sd3"));
  for (const auto& item : vae->named_parameters()) {
    EXPECT_EQ(item.key().find("quant_conv"), std::string::npos) << item.key();
  }
}

TEST(VaeInput, ImageSizeNotAMultipleOfTheDownscaleIsNamed) {
  torch::NoGradGuard no_grad;
  auto vae = load("sd15", config_of("sd15"));
  auto message = error_of([&] { vae->encode(torch::zeros({1, 3, 15, 16})); });
  EXPECT_NE(message.find("image of shape [1, 3, 15, 16] cannot be encoded"), std::string::npos) << message;
  EXPECT_NE(message.find("multiples of 2"), std::string::npos) << message;
}

TEST(VaeInput, LatentsWithWrongChannelCountAreNamed) {
  torch::NoGradGuard no_grad;
  auto vae = load("sd15", config_of("sd15"));
  auto message = error_of([&] { vae->decode(torch::zeros({1, 16, 8, 8})); });
  EXPECT_NE(message.find("latents of shape [1, 16, 8, 8] cannot be decoded"), std::string::npos) << message;
}

TEST(VaeConfig, LatentStatisticsAreRefusedByName) {
  auto message = error_of([] {
    AutoencoderKLConfig::from_json(config_of("sd15", "\"latents_mean\": null", "\"latents_mean\": [0.1, 0.2, 0.3, 0.4]"), "x");
  });
  EXPECT_NE(message.find("latents_mean"), std::string::npos) << message;
}

TEST(VaeLoad, CheckpointThatDoesNotFitTheConfigNamesTheTensor) {
  // Four input channels in the config; the checkpoint's first convolution takes three.
  auto message = error_of([] { load("sd15", config_of("sd15", "\"in_channels\": 3", "\"in_channels\": 4")); });
  EXPECT_NE(message.find("encoder.conv_in.weight"), std::string::npos) << message;
}

}  // namespace
}  // namespace hspace
