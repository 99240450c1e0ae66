// The native CLIP text encoders against transformers 4.57.3 (tests/golden/text_encoders, made
// by tools/golden/gen_text_encoders.py), the config parsing, and each bad input.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "golden.h"
#include "io/json.h"
#include "io/safetensors.h"
#include "io/state_dict.h"
#include "models/clip_text.h"

namespace hspace {
namespace {

using models::CLIPTextConfig;
using models::CLIPTextModel;
using testing::max_relative_error;

constexpr double kTolerance = 1e-4;  // fp32, the project's parity bound

std::filesystem::path model_dir(const std::string& name) { return testing::golden_dir("text_encoders") / name; }

io::Json config_json(const std::string& name) {
  return io::read_json_file((model_dir(name) / "config.json").string());
}

// The class transformers saved the golden model as (architectures[0]), as a pipeline would
// read it from model_index.json.
std::string class_of(const io::Json& config) {
  return config.find("architectures")->as_array("architectures").at(0).as_string("architectures[0]");
}

// `config` with `key` set to `value`, or removed when `value` is empty.
io::Json edited(const io::Json& config, const std::string& key, std::optional<io::Json> value) {
  std::vector<std::pair<std::string, io::Json>> members;
  bool found = false;
  for (const auto& [k, v] : config.as_object("config")) {
    if (k != key) {
      members.emplace_back(k, v);
    } else if (value) {
      members.emplace_back(k, *value);
      found = true;
    } else {
      found = true;
    }
  }
  if (!found && value) members.emplace_back(key, *value);
  if (!found && !value) throw std::logic_error("test setup: no field " + key + " to remove");
  return io::Json::make_object(std::move(members));
}

CLIPTextModel load(const std::string& name, const std::filesystem::path& weights_path, const io::Json& config) {
  auto weights = io::Checkpoint::open(weights_path);
  return models::load_clip_text(config, (model_dir(name) / "config.json").string(), class_of(config), weights,
                                "text encoder " + name);
}

CLIPTextModel load(const std::string& name) {
  return load(name, model_dir(name) / "model.safetensors", config_json(name));
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

// A minimal safetensors writer (F32/I64 only) for the corrupted-checkpoint tests.
void write_safetensors(const std::filesystem::path& path, const std::map<std::string, torch::Tensor>& tensors) {
  std::string header = "{";
  std::string data;
  for (const auto& [name, tensor] : tensors) {
    auto t = tensor.contiguous();
    std::string shape;
    for (auto d : t.sizes()) shape += (shape.empty() ? "" : ",") + std::to_string(d);
    const auto begin = data.size();
    data.append(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size());
    header += (header.size() > 1 ? "," : "") + std::string("\"") + name + "\":{\"dtype\":\"" +
              (t.scalar_type() == torch::kInt64 ? "I64" : "F32") + "\",\"shape\":[" + shape +
              "],\"data_offsets\":[" + std::to_string(begin) + "," + std::to_string(data.size()) + "]}";
  }
  header += "}";
  uint64_t length = header.size();
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(&length), sizeof length);
  out << header << data;
}

std::map<std::string, torch::Tensor> tensors_of(const std::string& name) {
  auto checkpoint = io::Checkpoint::open(model_dir(name) / "model.safetensors");
  std::map<std::string, torch::Tensor> out;
  for (const auto& key : checkpoint.names()) out[key] = checkpoint.tensor(key).clone();
  return out;
}

std::filesystem::path temp_file(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("hspace_test_clip_text_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir / name;
}

// ---- parity --------------------------------------------------------------------------------

class CLIPTextGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(CLIPTextGolden, MatchesTransformers) {
  const auto name = GetParam();
  auto model = load(name);
  auto golden = testing::golden_file(model_dir(name) / "golden.safetensors");
  torch::NoGradGuard no_grad;
  auto ids = golden->tensor("input_ids");
  auto out = model->forward(ids, /*hidden_layer=*/-2);

  std::map<std::string, std::pair<torch::Tensor, std::string>> checks{
      {"last_hidden_state", {out.last_hidden_state, "last_hidden_state"}},
      {"penultimate_hidden_state", {out.hidden_states, "hidden_states[-2]"}},
      {"pooler_output", {out.pooler_output, "pooler_output"}},
  };
  if (model->config().with_projection) {
    checks["text_embeds"] = {out.text_embeds, "text_embeds"};
  } else {
    EXPECT_FALSE(out.text_embeds.defined()) << name << ": text_embeds without a projection";
    EXPECT_EQ(golden->find("text_embeds"), nullptr);
  }
  auto layer1 = model->forward(ids, /*hidden_layer=*/1).hidden_states;
  checks["hidden_state_1"] = {layer1, "hidden_states[1]"};

  for (const auto& [key, actual] : checks) {
    ASSERT_TRUE(actual.first.defined()) << name << ": " << actual.second << " missing";
    double err = max_relative_error(actual.first, golden->tensor(key));
    std::cout << "[ figures  ] " << name << " " << actual.second << " max rel err " << err << "\n";
    EXPECT_LE(err, kTolerance) << name << " " << actual.second;
  }
}

INSTANTIATE_TEST_SUITE_P(TextEncoders, CLIPTextGolden,
                         ::testing::Values("sd15", "sd21", "sdxl_te1", "sdxl_te2", "sdxl_te2_eos"));

TEST(CLIPText, HiddenLayerCountsLikeTransformersTuple) {
  auto model = load("sd15");  // 3 layers: hidden_states has 4 entries
  torch::NoGradGuard no_grad;
  auto ids = testing::golden_file(model_dir("sd15") / "golden.safetensors")->tensor("input_ids");
  auto last = model->forward(ids, /*hidden_layer=*/3).hidden_states;
  auto also_last = model->forward(ids, /*hidden_layer=*/-1).hidden_states;
  EXPECT_TRUE(torch::equal(last, also_last));
  // The last layer's output is the last hidden state before the final layer norm.
  auto out = model->forward(ids);
  EXPECT_FALSE(out.hidden_states.defined());
  EXPECT_FALSE(torch::allclose(last, out.last_hidden_state));
  auto ln = model->named_modules()["text_model.final_layer_norm"]->as<torch::nn::LayerNorm>();
  EXPECT_TRUE(torch::allclose(ln->forward(last), out.last_hidden_state));
}

TEST(CLIPText, NonLegacyEosPoolsAtFirstEosNotArgmax) {
  auto model = load("sdxl_te2_eos");
  torch::NoGradGuard no_grad;
  auto ids = testing::golden_file(model_dir("sdxl_te2_eos") / "golden.safetensors")->tensor("input_ids");
  const auto eos = model->config().eos_token_id;
  ASSERT_NE(eos, 2);
  auto out = model->forward(ids);
  for (int64_t row = 0; row < ids.size(0); ++row) {
    auto first_eos = ids[row].eq(eos).nonzero()[0][0].item<int64_t>();
    ASSERT_NE(first_eos, ids[row].argmax().item<int64_t>()) << "the golden ids must tell the rules apart";
    EXPECT_TRUE(torch::equal(out.pooler_output[row], out.last_hidden_state[row][first_eos])) << "row " << row;
  }
}

TEST(CLIPText, LoadsCheckpointsWithAndWithoutPositionIds) {
  const std::string key = "text_model.embeddings.position_ids";
  // sd15 is saved like SD 1.5's own checkpoint (transformers < 4.31), sd21 like today's.
  EXPECT_NO_THROW(io::Checkpoint::open(model_dir("sd15") / "model.safetensors").info(key));
  auto names = io::Checkpoint::open(model_dir("sd21") / "model.safetensors").names();
  EXPECT_EQ(std::count(names.begin(), names.end(), key), 0);
  EXPECT_NO_THROW(load("sd15"));
  EXPECT_NO_THROW(load("sd21"));
}

TEST(CLIPText, RegisteredNamesAreTheCheckpointKeys) {
  for (const std::string name : {"sd15", "sdxl_te2"}) {
    auto model = CLIPTextModel(CLIPTextConfig::from_json(config_json(name), name, class_of(config_json(name))));
    std::set<std::string> registered;
    for (const auto& p : model->named_parameters()) registered.insert(p.key());
    for (const auto& b : model->named_buffers()) registered.insert(b.key());
    auto keys = io::Checkpoint::open(model_dir(name) / "model.safetensors").names();
    std::set<std::string> expected(keys.begin(), keys.end());
    expected.insert("text_model.embeddings.position_ids");
    EXPECT_EQ(registered, expected) << name;
  }
}

// ---- config --------------------------------------------------------------------------------

TEST(CLIPTextConfig, ParsesRealFieldValues) {
  auto c = CLIPTextConfig::from_json(config_json("sdxl_te2"), "sdxl_te2", "CLIPTextModelWithProjection");
  EXPECT_TRUE(c.with_projection);
  EXPECT_EQ(c.hidden_act, "gelu");
  EXPECT_EQ(c.hidden_size, 48);
  EXPECT_EQ(c.num_hidden_layers, 4);
  EXPECT_EQ(c.num_attention_heads, 4);
  EXPECT_EQ(c.projection_dim, 40);
  EXPECT_EQ(c.eos_token_id, 2);
  auto legacy = CLIPTextConfig::from_json(config_json("sd15"), "sd15", "CLIPTextModel");
  EXPECT_FALSE(legacy.with_projection);
  EXPECT_EQ(legacy.hidden_act, "quick_gelu");
  auto eos = CLIPTextConfig::from_json(config_json("sdxl_te2_eos"), "sdxl_te2_eos", "CLIPTextModelWithProjection");
  EXPECT_EQ(eos.eos_token_id, 989);
  EXPECT_DOUBLE_EQ(eos.layer_norm_eps, 1e-6);
  EXPECT_NE(eos.summary().find("first eos 989"), std::string::npos) << eos.summary();
}

TEST(CLIPTextConfig, UnknownHiddenActFailsNamingTheField) {
  auto config = edited(config_json("sd21"), "hidden_act", io::Json::make_string("gelu_new"));
  auto message = error_of([&] { CLIPTextConfig::from_json(config, "sd21/config.json", "CLIPTextModel"); });
  EXPECT_NE(message.find("hidden_act"), std::string::npos) << message;
  EXPECT_NE(message.find("sd21/config.json"), std::string::npos) << message;
}

TEST(CLIPTextConfig, MissingRequiredFieldFailsNamingIt) {
  auto config = edited(config_json("sd21"), "num_hidden_layers", std::nullopt);
  auto message = error_of([&] { CLIPTextConfig::from_json(config, "sd21/config.json", "CLIPTextModel"); });
  EXPECT_NE(message.find("num_hidden_layers"), std::string::npos) << message;
}

TEST(CLIPTextConfig, MissingProjectionDimFailsForProjectionModel) {
  auto config = edited(config_json("sdxl_te2"), "projection_dim", std::nullopt);
  EXPECT_NO_THROW(CLIPTextConfig::from_json(config, "sdxl_te2/config.json", "CLIPTextModel"));
  auto message =
      error_of([&] { CLIPTextConfig::from_json(config, "sdxl_te2/config.json", "CLIPTextModelWithProjection"); });
  EXPECT_NE(message.find("projection_dim"), std::string::npos) << message;
}

TEST(CLIPTextConfig, UnknownFieldFailsNamingIt) {
  auto config = edited(config_json("sd15"), "rope_theta", io::Json::make_number(10000, true, 10000));
  auto message = error_of([&] { CLIPTextConfig::from_json(config, "sd15/config.json", "CLIPTextModel"); });
  EXPECT_NE(message.find("rope_theta"), std::string::npos) << message;
}

TEST(CLIPTextConfig, BookkeepingFieldsAreIgnored) {
  auto config = edited(config_json("sd15"), "_name_or_path", io::Json::make_string("openai/clip-vit-large-patch14"));
  EXPECT_NO_THROW(CLIPTextConfig::from_json(config, "sd15/config.json", "CLIPTextModel"));
}

TEST(CLIPTextConfig, HeadsNotDividingHiddenSizeFail) {
  auto config = edited(config_json("sd15"), "num_attention_heads", io::Json::make_number(5, true, 5));
  auto message = error_of([&] { CLIPTextConfig::from_json(config, "sd15/config.json", "CLIPTextModel"); });
  EXPECT_NE(message.find("num_attention_heads"), std::string::npos) << message;
}

TEST(CLIPTextConfig, OtherClassFailsNamingIt) {
  auto message = error_of([&] { CLIPTextConfig::from_json(config_json("sd15"), "sd15/config.json", "CLIPVisionModel"); });
  EXPECT_NE(message.find("CLIPVisionModel"), std::string::npos) << message;
  EXPECT_NE(message.find("sd15/config.json"), std::string::npos) << message;
}

// ---- weights and inputs --------------------------------------------------------------------

TEST(CLIPTextWeights, WrongShapeFailsNamingTheTensor) {
  const std::string bad = "text_model.encoder.layers.1.mlp.fc2.weight";
  auto tensors = tensors_of("sd21");
  tensors[bad] = tensors[bad].t().contiguous();  // [D, I] -> [I, D]
  auto path = temp_file("wrong_shape.safetensors");
  write_safetensors(path, tensors);
  auto message = error_of([&] { load("sd21", path, config_json("sd21")); });
  EXPECT_NE(message.find(bad), std::string::npos) << message;
}

TEST(CLIPTextWeights, MissingTensorFailsNamingIt) {
  const std::string gone = "text_projection.weight";
  auto tensors = tensors_of("sdxl_te2");
  tensors.erase(gone);
  auto path = temp_file("missing.safetensors");
  write_safetensors(path, tensors);
  auto message = error_of([&] { load("sdxl_te2", path, config_json("sdxl_te2")); });
  EXPECT_NE(message.find(gone), std::string::npos) << message;
}

TEST(CLIPTextWeights, ConfigDisagreeingWithCheckpointFails) {
  auto config = edited(config_json("sdxl_te2"), "projection_dim", io::Json::make_number(64, true, 64));
  auto message = error_of([&] { load("sdxl_te2", model_dir("sdxl_te2") / "model.safetensors", config); });
  EXPECT_NE(message.find("text_projection.weight"), std::string::npos) << message;
}

TEST(CLIPTextInputs, TokenIdOutsideVocabularyFails) {
  auto model = load("sd15");
  auto ids = torch::full({1, 77}, 1000, torch::kInt64);
  auto message = error_of([&] { model->forward(ids); });
  EXPECT_NE(message.find("1000"), std::string::npos) << message;
}

TEST(CLIPTextInputs, TooManyTokensFail) {
  auto model = load("sd15");
  auto message = error_of([&] { model->forward(torch::zeros({1, 78}, torch::kInt64)); });
  EXPECT_NE(message.find("max_position_embeddings"), std::string::npos) << message;
}

TEST(CLIPTextInputs, HiddenLayerOutOfRangeFails) {
  auto model = load("sd15");
  auto ids = torch::zeros({1, 77}, torch::kInt64);
  EXPECT_NE(error_of([&] { model->forward(ids, 4); }).find("hidden_layer 4"), std::string::npos);
  EXPECT_NE(error_of([&] { model->forward(ids, -5); }).find("hidden_layer -5"), std::string::npos);
  EXPECT_NO_THROW(model->forward(ids, -4));
}

}  // namespace
}  // namespace hspace
