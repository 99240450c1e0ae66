// The native CLIP model (vision tower, text tower with projection, logits) and its image
// preprocessing against transformers 4.57.3 (tests/golden/clip, made by
// tools/golden/gen_clip.py), the config parsing, and each bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "golden.h"
#include "hspace.h"
#include "io/json.h"
#include "io/safetensors.h"
#include "io_fixtures.h"
#include "models/clip_image_processor.h"
#include "models/clip_model.h"

namespace hspace {
namespace {

using models::CLIPFolder;
using models::CLIPImageProcessorConfig;
using testing::max_relative_error;

constexpr double kTolerance = 1e-4;  // fp32, the project's parity bound
// The preprocessing reproduces Pillow's 8-bit resize bit for bit; what is left is float32
// rounding of (x / 255 - mean) / std, which both sides compute in the same order.
constexpr double kPixelTolerance = 1e-6;

std::filesystem::path clip_dir() { return testing::golden_dir("clip"); }

std::shared_ptr<io::SafetensorsFile> processor_golden() {
  return testing::golden_file(clip_dir() / "processor.safetensors");
}

int64_t image_count(const io::SafetensorsFile& golden) {
  int64_t n = 0;
  while (golden.find("image_" + std::to_string(n))) ++n;
  return n;
}

std::vector<torch::Tensor> golden_images(const io::SafetensorsFile& golden) {
  std::vector<torch::Tensor> images;
  for (int64_t i = 0; i < image_count(golden); ++i) images.push_back(golden.tensor("image_" + std::to_string(i)));
  return images;
}

torch::Tensor golden_pixels(const io::SafetensorsFile& golden) {
  std::vector<torch::Tensor> pixels;
  for (int64_t i = 0; i < image_count(golden); ++i) pixels.push_back(golden.tensor("pixel_values_" + std::to_string(i)));
  return torch::stack(pixels);
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

// `json` with the member at `path` set to `value` (removed when empty); objects are rebuilt.
io::Json edited(const io::Json& json, const std::vector<std::string>& path, std::optional<io::Json> value,
                size_t depth = 0) {
  std::vector<std::pair<std::string, io::Json>> members;
  bool found = false;
  for (const auto& [key, member] : json.as_object("config")) {
    if (key != path[depth]) {
      members.emplace_back(key, member);
      continue;
    }
    found = true;
    if (depth + 1 < path.size()) {
      members.emplace_back(key, edited(member, path, value, depth + 1));
    } else if (value) {
      members.emplace_back(key, *value);
    }
  }
  if (!found && value && depth + 1 == path.size()) members.emplace_back(path[depth], *value);
  return io::Json::make_object(std::move(members));
}

io::Json config_json(const std::string& name) { return io::read_json_file((clip_dir() / name / "config.json").string()); }

io::Json integer(int64_t v) { return io::Json::make_number(static_cast<double>(v), true, v); }

// A copy of golden folder `name` in `dir` whose config.json (or preprocessor_config.json) is
// replaced; the weights are linked, not copied.
void copy_folder(const std::string& name, const testing::TempDir& dir, const std::optional<io::Json>& config,
                 const std::optional<io::Json>& processor = std::nullopt) {
  const auto from = clip_dir() / name;
  std::filesystem::create_symlink(from / "model.safetensors", dir / "model.safetensors");
  testing::write_file(dir / "config.json", config ? config->dump() : config_json(name).dump());
  if (processor) {
    testing::write_file(dir / "preprocessor_config.json", processor->dump());
  } else {
    std::filesystem::copy_file(from / "preprocessor_config.json", dir / "preprocessor_config.json");
  }
}

// ---- parity --------------------------------------------------------------------------------

class CLIPGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(CLIPGolden, MatchesTransformers) {
  const auto name = GetParam();
  auto clip = CLIPFolder::open(clip_dir() / name);
  auto golden = testing::golden_file(clip_dir() / name / "golden.safetensors");
  auto processed = processor_golden();
  auto pixels = golden_pixels(*processed);  // transformers' own pixel_values: the towers alone
  auto ids = golden->tensor("input_ids");
  torch::NoGradGuard no_grad;
  auto out = clip.model->forward(pixels, ids);
  std::map<std::string, torch::Tensor> checks{
      {"image_embeds", out.image_embeds},
      {"text_embeds", out.text_embeds},
      {"logits_per_image", out.logits_per_image},
      {"image_features", clip.model->image_features(pixels)},
      {"text_features", clip.model->text_features(ids)},
  };
  for (const auto& [key, actual] : checks) {
    double err = max_relative_error(actual, golden->tensor(key));
    std::cout << "[ figures  ] clip " << name << " " << key << " max rel err " << err << "\n";
    EXPECT_LE(err, kTolerance) << name << " " << key;
  }
}

TEST_P(CLIPGolden, VisionTowerHiddenStateMatchesTransformers) {
  const auto name = GetParam();
  auto clip = CLIPFolder::open(clip_dir() / name);
  torch::NoGradGuard no_grad;
  auto golden = testing::golden_file(clip_dir() / name / "golden.safetensors");
  auto out = clip.model->vision()->forward(golden_pixels(*processor_golden()));
  double err = max_relative_error(out.last_hidden_state, golden->tensor("vision_last_hidden_state"));
  std::cout << "[ figures  ] clip " << name << " vision last_hidden_state max rel err " << err << "\n";
  EXPECT_LE(err, kTolerance);
}

TEST_P(CLIPGolden, ImagesThroughOwnPreprocessingMatchTransformers) {
  const auto name = GetParam();
  auto clip = CLIPFolder::open(clip_dir() / name);
  auto golden = testing::golden_file(clip_dir() / name / "golden.safetensors");
  auto processed = processor_golden();
  auto embeds = clip.encode_images(golden_images(*processed));
  double err = max_relative_error(embeds, golden->tensor("image_embeds"));
  std::cout << "[ figures  ] clip " << name << " image_embeds from uint8 images max rel err " << err << "\n";
  EXPECT_LE(err, kTolerance);
  auto text = clip.encode_text(golden->tensor("input_ids"));
  EXPECT_LE(max_relative_error(text, golden->tensor("text_embeds")), kTolerance);
  // Unit rows, as CLIPModel returns them.
  EXPECT_TRUE(torch::allclose(embeds.norm(2, -1), torch::ones({embeds.size(0)}), 1e-5, 1e-5));
}

INSTANTIATE_TEST_SUITE_P(Folders, CLIPGolden, ::testing::Values("vit_b32", "vit_l14"));

TEST(CLIPImageProcessor, MatchesTransformersPixelValues) {
  auto golden = processor_golden();
  models::CLIPImageProcessor processor(CLIPImageProcessorConfig::from_json(
      io::read_json_file((clip_dir() / "vit_b32" / "preprocessor_config.json").string()), "vit_b32"));
  const int64_t n = image_count(*golden);
  ASSERT_GE(n, 4);
  for (int64_t i = 0; i < n; ++i) {
    auto image = golden->tensor("image_" + std::to_string(i));
    auto expected = golden->tensor("pixel_values_" + std::to_string(i));
    auto actual = processor.preprocess(image);
    ASSERT_EQ(actual.sizes(), expected.sizes()) << "image " << i;
    double err = (actual - expected).abs().max().item<double>();
    std::cout << "[ figures  ] clip preprocessing image " << i << " (" << image.size(0) << "x" << image.size(1)
              << ") max abs err " << err << "\n";
    EXPECT_LE(err, kPixelTolerance) << "image " << i;
  }
}

TEST(CLIPImageProcessor, ResizeKeepsConstantImagesAndSkipsUnchangedAxes) {
  auto flat = torch::full({37, 53, 3}, 200, torch::kUInt8);
  auto resized = models::resize_bicubic_u8(flat, 224, 301);
  ASSERT_EQ(resized.sizes(), (std::vector<int64_t>{224, 301, 3}));
  EXPECT_TRUE(resized.eq(200).all().item<bool>()) << "normalised taps must keep a flat image flat";
  auto noise = torch::randint(0, 256, {20, 30, 3}, torch::kUInt8);
  EXPECT_TRUE(torch::equal(models::resize_bicubic_u8(noise, 20, 30), noise));
  // Only the width changes: every column mixes pixels of its own row alone.
  auto rows = torch::arange(20, torch::kInt64).mul(12).to(torch::kUInt8).view({20, 1, 1}).expand({20, 30, 3}).contiguous();
  auto wide = models::resize_bicubic_u8(rows, 20, 77);
  EXPECT_TRUE(torch::equal(wide.select(1, 0), rows.select(1, 0)));
}

TEST(CLIPImageProcessor, ResizedSizeFollowsTheShortestSide) {
  models::CLIPImageProcessor processor(CLIPImageProcessorConfig{});
  using Size = std::pair<int64_t, int64_t>;
  EXPECT_EQ(processor.resized_size(300, 400), Size(224, 298));  // int(224 * 400 / 300)
  EXPECT_EQ(processor.resized_size(520, 470), Size(247, 224));
  EXPECT_EQ(processor.resized_size(57, 131), Size(224, 514));
}

// ---- config ------------------------------------------------------------------------------------

TEST(CLIPConfig, UsesTopLevelProjectionDimAndRealFields) {
  auto c = models::CLIPConfig::from_json(config_json("vit_l14"), "vit_l14");
  EXPECT_EQ(c.projection_dim, 16);
  EXPECT_EQ(c.text.projection_dim, 16);  // the nested text_config says 512
  EXPECT_EQ(c.vision.projection_dim, 16);
  EXPECT_EQ(c.vision.patch_size, 14);
  EXPECT_EQ(c.vision.num_patches(), 256);
  EXPECT_FALSE(c.vision.encoder.causal);
  EXPECT_EQ(c.text.eos_token_id, 2);
  EXPECT_EQ(c.text.hidden_act, "quick_gelu");
}

TEST(CLIPConfig, GenericPretrainedFieldsOfOlderFilesAreIgnored) {
  auto config = edited(config_json("vit_b32"), {"text_config", "do_sample"}, io::Json::make_bool(false));
  config = edited(config, {"vision_config", "eos_token_id"}, io::Json::make_null());
  config = edited(config, {"vision_config", "id2label"}, io::Json::make_object({}));
  EXPECT_NO_THROW(models::CLIPConfig::from_json(config, "old/config.json"));
}

TEST(CLIPConfig, AbsentTextEosTokenIdIsTransformersDefault) {
  auto config = edited(config_json("vit_b32"), {"text_config", "eos_token_id"}, std::nullopt);
  EXPECT_EQ(models::CLIPConfig::from_json(config, "c").text.eos_token_id, 49407);
}

TEST(CLIPConfig, UnknownVisionFieldFailsNamingIt) {
  auto config = edited(config_json("vit_b32"), {"vision_config", "use_rope"}, io::Json::make_bool(true));
  auto message = error_of([&] { models::CLIPConfig::from_json(config, "x/config.json"); });
  EXPECT_NE(message.find("use_rope"), std::string::npos) << message;
  EXPECT_NE(message.find("vision_config"), std::string::npos) << message;
}

TEST(CLIPConfig, PatchSizeNotDividingImageSizeFails) {
  auto config = edited(config_json("vit_b32"), {"vision_config", "patch_size"}, integer(30));
  auto message = error_of([&] { models::CLIPConfig::from_json(config, "x/config.json"); });
  EXPECT_NE(message.find("patch_size"), std::string::npos) << message;
  EXPECT_NE(message.find("does not divide image_size"), std::string::npos) << message;
}

TEST(CLIPConfig, MissingVisionConfigFails) {
  auto config = edited(config_json("vit_b32"), {"vision_config"}, std::nullopt);
  auto message = error_of([&] { models::CLIPConfig::from_json(config, "x/config.json"); });
  EXPECT_NE(message.find("vision_config"), std::string::npos) << message;
}

TEST(CLIPConfig, UnsupportedVisionActivationFailsNamingIt) {
  auto config = edited(config_json("vit_b32"), {"vision_config", "hidden_act"}, io::Json::make_string("relu"));
  auto message = error_of([&] { models::CLIPConfig::from_json(config, "x/config.json"); });
  EXPECT_NE(message.find("hidden_act"), std::string::npos) << message;
}

TEST(CLIPImageProcessorConfig, ReadsOlderIntegerSizes) {
  auto json = io::Json::make_object({{"size", integer(336)}, {"crop_size", integer(336)},
                                     {"feature_extractor_type", io::Json::make_string("CLIPFeatureExtractor")}});
  auto c = CLIPImageProcessorConfig::from_json(json, "old");
  EXPECT_EQ(c.shortest_edge, 336);
  EXPECT_EQ(c.crop_height, 336);
  EXPECT_EQ(c.crop_width, 336);
}

TEST(CLIPImageProcessorConfig, NonBicubicResampleFails) {
  auto json = io::Json::make_object({{"resample", integer(2)}});
  auto message = error_of([&] { CLIPImageProcessorConfig::from_json(json, "p.json"); });
  EXPECT_NE(message.find("resample"), std::string::npos) << message;
}

TEST(CLIPImageProcessorConfig, CropLargerThanResizeFails) {
  auto json = io::Json::make_object({{"size", io::Json::make_object({{"shortest_edge", integer(200)}})},
                                     {"crop_size", io::Json::make_object({{"height", integer(224)}, {"width", integer(224)}})}});
  auto message = error_of([&] { CLIPImageProcessorConfig::from_json(json, "p.json"); });
  EXPECT_NE(message.find("crop_size"), std::string::npos) << message;
}

TEST(CLIPImageProcessorConfig, MeanWithTwoValuesFails) {
  auto json = io::Json::make_object(
      {{"image_mean", io::Json::make_array({io::Json::make_number(0.5, false, 0), io::Json::make_number(0.5, false, 0)})}});
  auto message = error_of([&] { CLIPImageProcessorConfig::from_json(json, "p.json"); });
  EXPECT_NE(message.find("image_mean"), std::string::npos) << message;
}

// ---- loading -----------------------------------------------------------------------------------

TEST(CLIPFolder, RegisteredNamesAreTheCheckpointKeys) {
  auto clip = CLIPFolder::open(clip_dir() / "vit_b32");
  std::set<std::string> registered;
  for (const auto& p : clip.model->named_parameters()) registered.insert(p.key());
  auto keys = io::Checkpoint::open(clip_dir() / "vit_b32" / "model.safetensors").names();
  std::set<std::string> expected(keys.begin(), keys.end());
  EXPECT_EQ(registered, expected);
  EXPECT_TRUE(registered.count("vision_model.pre_layrnorm.weight"));
  EXPECT_TRUE(registered.count("logit_scale"));
}

TEST(CLIPFolder, DescribesBothTowers) {
  auto clip = CLIPFolder::open(clip_dir() / "vit_l14");
  auto json = clip.describe_json();
  EXPECT_NE(json.find("\"image_size\":224"), std::string::npos) << json;
  EXPECT_NE(json.find("\"projection_dim\":16"), std::string::npos) << json;
  EXPECT_NE(json.find("patch 14"), std::string::npos) << json;
  EXPECT_NEAR(clip.model->logit_scale(), std::exp(2.6592), 1e-4);  // logit_scale_init_value
}

TEST(CLIPFolder, DeeperVisionConfigThanWeightsFailsNamingMissingKeys) {
  testing::TempDir dir;
  copy_folder("vit_b32", dir, edited(config_json("vit_b32"), {"vision_config", "num_hidden_layers"}, integer(3)));
  auto message = error_of([&] { CLIPFolder::open(dir.path()); });
  EXPECT_NE(message.find("missing"), std::string::npos) << message;
  EXPECT_NE(message.find("vision_model.encoder.layers.2."), std::string::npos) << message;
}

TEST(CLIPFolder, WrongProjectionDimFailsAsMisshaped) {
  testing::TempDir dir;
  copy_folder("vit_b32", dir, edited(config_json("vit_b32"), {"projection_dim"}, integer(20)));
  auto message = error_of([&] { CLIPFolder::open(dir.path()); });
  EXPECT_NE(message.find("mis-shaped"), std::string::npos) << message;
  EXPECT_NE(message.find("visual_projection.weight"), std::string::npos) << message;
}

TEST(CLIPFolder, MissingPreprocessorConfigFails) {
  testing::TempDir dir;
  copy_folder("vit_b32", dir, std::nullopt);
  std::filesystem::remove(dir / "preprocessor_config.json");
  auto message = error_of([&] { CLIPFolder::open(dir.path()); });
  EXPECT_NE(message.find("preprocessor_config.json"), std::string::npos) << message;
}

TEST(CLIPFolder, CropOtherThanImageSizeFails) {
  testing::TempDir dir;
  auto processor = io::Json::make_object({{"size", integer(256)}, {"crop_size", integer(256)}});
  copy_folder("vit_b32", dir, std::nullopt, processor);
  auto message = error_of([&] { CLIPFolder::open(dir.path()); });
  EXPECT_NE(message.find("image_size 224"), std::string::npos) << message;
}

TEST(CLIPFolder, TextOnlyFolderIsRefused) {
  auto message = error_of([&] { CLIPFolder::open(testing::golden_dir("text_encoders") / "sd15"); });
  EXPECT_NE(message.find("CLIPTextModel"), std::string::npos) << message;
  EXPECT_NE(message.find("not a CLIPModel"), std::string::npos) << message;
}

// ---- bad input ---------------------------------------------------------------------------------

TEST(CLIPModelInput, WrongPixelSizeFails) {
  auto clip = CLIPFolder::open(clip_dir() / "vit_b32");
  torch::NoGradGuard no_grad;
  auto message = error_of([&] { clip.model->image_features(torch::zeros({1, 3, 200, 200})); });
  EXPECT_NE(message.find("pixel_values must be [batch, 3, 224, 224]"), std::string::npos) << message;
}

TEST(CLIPModelInput, FourChannelImageFails) {
  auto clip = CLIPFolder::open(clip_dir() / "vit_b32");
  auto message = error_of([&] { clip.encode_images({torch::zeros({30, 30, 4}, torch::kUInt8)}); });
  EXPECT_NE(message.find("image 0"), std::string::npos) << message;
  EXPECT_NE(message.find("RGB image [H, W, 3] uint8"), std::string::npos) << message;
}

TEST(CLIPModelInput, FloatImageFails) {
  auto clip = CLIPFolder::open(clip_dir() / "vit_b32");
  auto message = error_of([&] { clip.encode_images({torch::zeros({30, 30, 3})}); });
  EXPECT_NE(message.find("uint8"), std::string::npos) << message;
}

TEST(CLIPModelInput, NoImagesFails) {
  auto clip = CLIPFolder::open(clip_dir() / "vit_b32");
  auto message = error_of([&] { clip.encode_images({}); });
  EXPECT_NE(message.find("no images"), std::string::npos) << message;
}

TEST(CLIPModelInput, TokenIdOutsideVocabularyFails) {
  auto clip = CLIPFolder::open(clip_dir() / "vit_b32");
  auto ids = torch::full({1, 77}, 999, torch::kInt64);
  ids[0][3] = 49406;  // a real-vocabulary id, outside this 1000-id tower
  auto message = error_of([&] { clip.encode_text(ids); });
  EXPECT_NE(message.find("outside the vocabulary"), std::string::npos) << message;
}

// ---- the C API -----------------------------------------------------------------------------

// hs_result's "name" tensor as a LibTorch tensor (a copy), then the result freed.
torch::Tensor result_tensor(hs_result* result, const std::string& name) {
  torch::Tensor out;
  for (int32_t i = 0; i < hs_result_count(result); ++i) {
    if (name != hs_result_name(result, i)) continue;
    std::vector<int64_t> shape;
    for (int32_t a = 0; a < hs_result_ndim(result, i); ++a) shape.push_back(hs_result_dim(result, i, a));
    out = torch::from_blob(const_cast<float*>(hs_result_data(result, i)), shape, torch::kFloat32).clone();
  }
  hs_result_destroy(result);
  if (!out.defined()) ADD_FAILURE() << "result has no tensor " << name;
  return out;
}

TEST(CLIPApi, EncodesConcatenatedImagesAndTextLikeTransformers) {
  const auto dir = (clip_dir() / "vit_l14").string();
  hs_clip* clip = hs_clip_create(dir.c_str(), nullptr);
  auto processed = processor_golden();
  auto golden = testing::golden_file(clip_dir() / "vit_l14" / "golden.safetensors");
  std::vector<uint8_t> pixels;
  std::vector<int32_t> heights, widths;
  for (const auto& image : golden_images(*processed)) {
    auto bytes = image.contiguous();
    pixels.insert(pixels.end(), bytes.data_ptr<uint8_t>(), bytes.data_ptr<uint8_t>() + bytes.numel());
    heights.push_back(static_cast<int32_t>(image.size(0)));
    widths.push_back(static_cast<int32_t>(image.size(1)));
  }
  auto images = result_tensor(
      hs_clip_encode_images(clip, pixels.data(), heights.data(), widths.data(), static_cast<int32_t>(heights.size())),
      "image_embeds");
  EXPECT_LE(max_relative_error(images, golden->tensor("image_embeds")), kTolerance);
  auto ids = golden->tensor("input_ids").contiguous();
  auto text = result_tensor(hs_clip_encode_text(clip, ids.data_ptr<int64_t>(), ids.size(0), ids.size(1)), "text_embeds");
  EXPECT_LE(max_relative_error(text, golden->tensor("text_embeds")), kTolerance);
  std::string description = hs_clip_describe(clip);
  EXPECT_NE(description.find("\"logit_scale\":"), std::string::npos) << description;
  hs_clip_destroy(clip);
}

TEST(CLIPApi, ZeroSizedImageFailsNamingIt) {
  const auto dir = (clip_dir() / "vit_b32").string();
  hs_clip* clip = hs_clip_create(dir.c_str(), nullptr);
  std::vector<uint8_t> pixels(10 * 10 * 3, 0);
  std::vector<int32_t> heights{10, 0}, widths{10, 10};
  auto message = error_of([&] { hs_clip_encode_images(clip, pixels.data(), heights.data(), widths.data(), 2); });
  EXPECT_NE(message.find("image 1 has size 0 x 10"), std::string::npos) << message;
  hs_clip_destroy(clip);
}

TEST(CLIPApi, NullHandleFails) {
  auto message = error_of([&] { hs_clip_describe(nullptr); });
  EXPECT_NE(message.find("closed"), std::string::npos) << message;
}

}  // namespace
}  // namespace hspace
