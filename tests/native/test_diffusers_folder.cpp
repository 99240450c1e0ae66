#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include <torch/torch.h>

#include "io/diffusers_folder.h"
#include "io_fixtures.h"

using hspace::io::DiffusersFolder;
using hspace::testing::f32_file;
using hspace::testing::TempDir;
using hspace::testing::write_file;

namespace {

const char* kModelIndex = R"({
  "_class_name": "StableDiffusionPipeline",
  "_diffusers_version": "0.35.2",
  "feature_extractor": [null, null],
  "requires_safety_checker": false,
  "safety_checker": [null, null],
  "scheduler": ["diffusers", "DDIMScheduler"],
  "text_encoder": ["transformers", "CLIPTextModel"],
  "tokenizer": ["transformers", "CLIPTokenizer"],
  "unet": ["diffusers", "UNet2DConditionModel"],
  "vae": ["diffusers", "AutoencoderKL"]
})";

// A small pipeline folder: configs everywhere, weights in unet, vae, text_encoder.
void write_pipeline(const TempDir& dir) {
  write_file(dir / "model_index.json", kModelIndex);
  write_file(dir / "scheduler/scheduler_config.json", R"({"_class_name": "DDIMScheduler", "num_train_timesteps": 1000})");
  write_file(dir / "tokenizer/tokenizer_config.json", R"({"model_max_length": 77})");
  write_file(dir / "text_encoder/config.json", R"({"architectures": ["CLIPTextModel"], "hidden_size": 32})");
  write_file(dir / "text_encoder/model.safetensors", f32_file({{"text", {1}}}));
  write_file(dir / "unet/config.json", R"({"_class_name": "UNet2DConditionModel", "in_channels": 4})");
  write_file(dir / "unet/diffusion_pytorch_model.safetensors", f32_file({{"plain", {1}}}));
  write_file(dir / "vae/config.json", R"({"_class_name": "AutoencoderKL"})");
  write_file(dir / "vae/diffusion_pytorch_model.safetensors", f32_file({{"vae", {2}}}));
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "message: " << (haystack)

}  // namespace

TEST(DiffusersFolder, ListsComponentsFromModelIndex) {
  TempDir dir;
  write_pipeline(dir);
  DiffusersFolder folder(dir.path());
  std::vector<std::string> names;
  for (const auto& c : folder.components()) names.push_back(c.name);
  // [null, null] entries, "_" keys and plain settings are not components.
  EXPECT_EQ(names, (std::vector<std::string>{"scheduler", "text_encoder", "tokenizer", "unet", "vae"}));
  const auto& unet = folder.require("unet");
  EXPECT_EQ(unet.library, "diffusers");
  EXPECT_EQ(unet.class_name, "UNet2DConditionModel");
  EXPECT_EQ(unet.dir, dir / "unet");
  EXPECT_EQ(folder.find("safety_checker"), nullptr);
  EXPECT_FALSE(folder.model_index().find("requires_safety_checker")->as_bool("flag"));
}

TEST(DiffusersFolder, ConfigFilesByComponentKind) {
  TempDir dir;
  write_pipeline(dir);
  DiffusersFolder folder(dir.path());
  EXPECT_EQ(folder.config_path(folder.require("scheduler")), dir / "scheduler/scheduler_config.json");
  EXPECT_EQ(folder.config_path(folder.require("tokenizer")), dir / "tokenizer/tokenizer_config.json");
  EXPECT_EQ(folder.config_path(folder.require("unet")), dir / "unet/config.json");
  EXPECT_EQ(folder.config(folder.require("scheduler")).find("num_train_timesteps")->as_int(""), 1000);
  EXPECT_EQ(folder.config(folder.require("text_encoder")).find("hidden_size")->as_int(""), 32);
}

TEST(DiffusersFolder, WeightsOnlyWhereThereAreWeights) {
  TempDir dir;
  write_pipeline(dir);
  DiffusersFolder folder(dir.path());
  EXPECT_TRUE(folder.has_weights(folder.require("unet")));
  EXPECT_TRUE(folder.has_weights(folder.require("text_encoder")));
  EXPECT_FALSE(folder.has_weights(folder.require("scheduler")));
  EXPECT_FALSE(folder.has_weights(folder.require("tokenizer")));
  EXPECT_EQ(folder.weights(folder.require("text_encoder")).names(), (std::vector<std::string>{"text"}));
  EXPECT_EQ(folder.weights(folder.require("vae")).names(), (std::vector<std::string>{"vae"}));
}

TEST(DiffusersFolder, VariantIsPreferredWhenAsked) {
  TempDir dir;
  write_pipeline(dir);
  write_file(dir / "unet/diffusion_pytorch_model.fp16.safetensors", f32_file({{"fp16", {1}}}));
  EXPECT_EQ(DiffusersFolder(dir.path(), "fp16").weights(DiffusersFolder(dir.path()).require("unet")).names(),
            (std::vector<std::string>{"fp16"}));
  DiffusersFolder plain(dir.path());
  EXPECT_EQ(plain.weights(plain.require("unet")).names(), (std::vector<std::string>{"plain"}));
}

TEST(DiffusersFolder, VariantFallsBackToPlainWeights) {
  TempDir dir;
  write_pipeline(dir);
  DiffusersFolder folder(dir.path(), "fp16");
  EXPECT_EQ(folder.weights(folder.require("unet")).names(), (std::vector<std::string>{"plain"}));
}

TEST(DiffusersFolder, ShardedWeightsThroughTheIndex) {
  TempDir dir;
  write_pipeline(dir);
  std::filesystem::remove(dir / "unet/diffusion_pytorch_model.safetensors");
  write_file(dir / "unet/diffusion_pytorch_model-00001-of-00002.safetensors", f32_file({{"a", {1}}}));
  write_file(dir / "unet/diffusion_pytorch_model-00002-of-00002.safetensors", f32_file({{"b", {2}}}));
  write_file(dir / "unet/diffusion_pytorch_model.safetensors.index.json",
             R"({"metadata": {"total_size": 8}, "weight_map": {
                  "a": "diffusion_pytorch_model-00001-of-00002.safetensors",
                  "b": "diffusion_pytorch_model-00002-of-00002.safetensors"}})");
  DiffusersFolder folder(dir.path());
  auto weights = folder.weights(folder.require("unet"));
  EXPECT_EQ(weights.names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(weights.source(), dir / "unet/diffusion_pytorch_model.safetensors.index.json");
}

TEST(DiffusersFolder, SingleComponentFolderFromTransformers) {
  TempDir dir;
  write_file(dir / "config.json", R"({"architectures": ["CLIPTextModelWithProjection"], "hidden_size": 32})");
  write_file(dir / "model.safetensors", f32_file({{"w", {1}}}));
  DiffusersFolder folder(dir.path());
  ASSERT_EQ(folder.components().size(), 1u);
  const auto& model = folder.components()[0];
  EXPECT_EQ(model.name, "model");
  EXPECT_EQ(model.class_name, "CLIPTextModelWithProjection");
  EXPECT_EQ(model.library, "transformers");
  EXPECT_EQ(model.dir, dir.path());
  EXPECT_TRUE(folder.model_index().is_object());
  EXPECT_EQ(folder.weights(model).names(), (std::vector<std::string>{"w"}));
  EXPECT_EQ(folder.config(model).find("hidden_size")->as_int(""), 32);
}

TEST(DiffusersFolder, SingleComponentFolderFromDiffusers) {
  TempDir dir;
  write_file(dir / "config.json", R"({"_class_name": "UNet2DConditionModel"})");
  DiffusersFolder folder(dir.path());
  EXPECT_EQ(folder.require("model").class_name, "UNet2DConditionModel");
  EXPECT_EQ(folder.require("model").library, "diffusers");
}

TEST(DiffusersFolder, SingleComponentConfigWithoutAClass) {
  TempDir dir;
  write_file(dir / "config.json", R"({"hidden_size": 32})");
  EXPECT_CONTAINS(error_of([&] { DiffusersFolder folder(dir.path()); }),
                  (dir / "config.json").string() + ": names no model class");
}

TEST(DiffusersFolder, OnlyPickleWeights) {
  TempDir dir;
  write_pipeline(dir);
  std::filesystem::remove(dir / "unet/diffusion_pytorch_model.safetensors");
  write_file(dir / "unet/diffusion_pytorch_model.bin", "not read");
  DiffusersFolder folder(dir.path());
  const auto& unet = folder.require("unet");
  EXPECT_TRUE(folder.has_weights(unet));
  EXPECT_EQ(error_of([&] { folder.weights(unet); }),
            (dir / "unet").string() +
                ": only pickle weights (diffusion_pytorch_model.bin) found; hspace never loads pickle: convert them "
                "to safetensors (e.g. with diffusers' save_pretrained(safe_serialization=True))");
}

TEST(DiffusersFolder, PickleBesideSafetensorsIsIgnored) {
  TempDir dir;
  write_pipeline(dir);
  write_file(dir / "unet/diffusion_pytorch_model.bin", "not read");
  DiffusersFolder folder(dir.path());
  EXPECT_EQ(folder.weights(folder.require("unet")).names(), (std::vector<std::string>{"plain"}));
}

TEST(DiffusersFolder, NoWeightsAtAll) {
  TempDir dir;
  write_pipeline(dir);
  DiffusersFolder folder(dir.path());
  std::string e = error_of([&] { folder.weights(folder.require("scheduler")); });
  EXPECT_CONTAINS(e, (dir / "scheduler").string() + ": no weights for component 'scheduler' (looked for "
                                                    "diffusion_pytorch_model.safetensors");
}

TEST(DiffusersFolder, MissingComponentFolder) {
  TempDir dir;
  write_pipeline(dir);
  std::filesystem::remove_all(dir / "vae");
  DiffusersFolder folder(dir.path());
  const auto& vae = folder.require("vae");
  EXPECT_FALSE(folder.has_weights(vae));
  EXPECT_CONTAINS(error_of([&] { folder.weights(vae); }),
                  (dir / "vae").string() + ": folder of component 'vae' is missing");
  EXPECT_CONTAINS(error_of([&] { folder.config(vae); }), (dir / "vae").string() + ": folder of component 'vae' is missing");
}

TEST(DiffusersFolder, MissingComponentConfig) {
  TempDir dir;
  write_pipeline(dir);
  std::filesystem::remove(dir / "unet/config.json");
  DiffusersFolder folder(dir.path());
  EXPECT_EQ(error_of([&] { folder.config(folder.require("unet")); }),
            (dir / "unet/config.json").string() + ": config of component 'unet' is missing");
}

TEST(DiffusersFolder, UnknownComponentName) {
  TempDir dir;
  write_pipeline(dir);
  DiffusersFolder folder(dir.path());
  EXPECT_EQ(error_of([&] { folder.require("text_encoder_2"); }),
            dir.path().string() + ": no component 'text_encoder_2' (the folder has: scheduler, text_encoder, tokenizer, unet, vae)");
}

TEST(DiffusersFolder, MalformedComponentEntry) {
  TempDir dir;
  write_file(dir / "model_index.json", R"({"unet": ["diffusers"]})");
  EXPECT_CONTAINS(error_of([&] { DiffusersFolder folder(dir.path()); }),
                  "model_index.json: component 'unet' must be [\"library\", \"ClassName\"], got [\"diffusers\"]");
}

TEST(DiffusersFolder, MalformedModelIndex) {
  TempDir dir;
  write_file(dir / "model_index.json", "{\"unet\": [\"diffusers\", \"UNet2DConditionModel\"]");
  EXPECT_CONTAINS(error_of([&] { DiffusersFolder folder(dir.path()); }),
                  (dir / "model_index.json").string() + ": line 1, column");
}

TEST(DiffusersFolder, FolderWithoutIndexOrConfig) {
  TempDir dir;
  EXPECT_EQ(error_of([&] { DiffusersFolder folder(dir.path()); }),
            dir.path().string() + ": neither model_index.json (a diffusers pipeline) nor config.json (one model) found");
}

TEST(DiffusersFolder, MissingFolder) {
  TempDir dir;
  EXPECT_EQ(error_of([&] { DiffusersFolder folder(dir / "nope"); }), (dir / "nope").string() + ": model folder not found");
}
