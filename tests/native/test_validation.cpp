// Steering and image conditioning against diffusers 0.35.2 (tests/golden/validation, made by
// tools/golden/gen_validation.py on the tiny SD 1.5 folder of tests/golden/pipelines/sd15).
// Steered sampling (a forward hook adding alpha * d on unet.mid_block in both CFG halves or the
// conditional one, CFG on, alpha 0 among the items) and conditioning (VAE encode, add_noise or DDIM inversion, one U-Net pass) must
// agree to a max relative error of 1e-4 (fp32, CPU). Then each bad input, its own test.
#include <cmath>
#include <iostream>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "engine/condition.h"
#include "engine/extract.h"
#include "engine/pipeline.h"
#include "golden.h"
#include "hspace.h"
#include "io/json.h"

namespace hspace::engine {
namespace {

using hspace::testing::golden_dir;
using hspace::testing::golden_file;
using hspace::testing::max_relative_error;

constexpr double kTolerance = 1e-4;

struct Golden {
  io::Json settings;
  std::shared_ptr<io::SafetensorsFile> tensors;
  torch::Tensor get(const std::string& key) const { return tensors->tensor(key).clone(); }
};

const Golden& golden() {
  static Golden g = [] {
    Golden out;
    auto dir = golden_dir("validation");
    out.settings = io::read_json_file((dir / "settings.json").string());
    out.tensors = golden_file(dir / "golden.safetensors");
    return out;
  }();
  return g;
}

Pipeline& sd15() {
  static std::unique_ptr<Pipeline> pipeline =
      std::make_unique<Pipeline>(golden_dir("pipelines") / "sd15", EngineOptions{});
  return *pipeline;
}

std::vector<int64_t> ints(const io::Json& array, const char* what) {
  std::vector<int64_t> out;
  for (const auto& v : array.as_array(what)) out.push_back(v.as_int(what));
  return out;
}

const io::Json& run_settings(const char* list, const std::string& name) {
  for (const auto& r : golden().settings.find(list)->as_array(list)) {
    if (r.find("name")->as_string("name") == name) return r;
  }
  throw std::runtime_error("no golden run " + name);
}

/// The steered job of golden run `name`: the items, every step captured, images.
ExtractJob steer_job(const std::string& name) {
  const Golden& g = golden();
  const io::Json& s = g.settings;
  const io::Json& run = run_settings("steer_runs", name);
  ExtractJob job;
  job.prompts.ids = g.get("prompt_ids");
  job.negative.ids = g.get("negative_ids");
  job.item_prompts = ints(*s.find("item_prompts"), "item_prompts");
  job.item_seeds = ints(*s.find("item_seeds"), "item_seeds");
  job.steps = s.find("steps")->as_int("steps");
  job.guidance = s.find("guidance")->as_double("guidance");
  job.width = s.find("width")->as_int("width");
  job.height = s.find("height")->as_int("height");
  job.scheduler = s.find("scheduler")->as_string("scheduler");
  for (int64_t k = 0; k < job.steps; ++k) job.capture_steps.push_back(k);
  job.want_images = true;
  job.steer_direction = g.get(name + ".direction");
  for (const auto& a : run.find("alphas")->as_array("alphas")) job.steer_alphas.push_back(a.as_double("alpha"));
  if (!run.find("steps")->is_null()) job.steer_steps = ints(*run.find("steps"), "steps");
  const std::string branch = run.find("branch")->as_string("branch");
  if (branch != "cond" && branch != "both") throw std::runtime_error("golden run " + name + ": unknown branch " + branch);
  job.steer_branch = branch == "cond" ? Branch::Cond : Branch::Both;
  job.branch = Branch::Both;  // both halves recorded, so the unsteered half is checked too
  return job;
}

class SteerRun : public ::testing::TestWithParam<std::string> {};

TEST_P(SteerRun, MatchesDiffusersHook) {
  const std::string name = GetParam();
  ExtractOutput out = extract(sd15(), steer_job(name));
  double h_error = max_relative_error(out.h, golden().get(name + ".h"));
  double uncond_error = max_relative_error(out.h_uncond, golden().get(name + ".h_uncond"));
  double image_error = max_relative_error(out.images, golden().get(name + ".images"));
  EXPECT_LE(h_error, kTolerance) << "h (conditional branch)";
  EXPECT_LE(uncond_error, kTolerance) << "h (unconditional branch)";
  EXPECT_LE(image_error, kTolerance) << "images";
  std::cout << "[parity] " << name << ": h " << h_error << ", h_uncond " << uncond_error << ", images " << image_error
            << "\n";
}

// Item 0 has alpha 0: it must be the unsteered extraction, bit for bit; the others must differ.
TEST_P(SteerRun, AlphaZeroIsUnsteered) {
  ExtractJob job = steer_job(GetParam());
  ExtractOutput steered = extract(sd15(), job);
  job.steer_alphas.clear();
  ExtractOutput plain = extract(sd15(), job);
  EXPECT_TRUE(torch::equal(steered.h[0], plain.h[0]));
  EXPECT_TRUE(torch::equal(steered.images[0], plain.images[0]));
  EXPECT_FALSE(torch::equal(steered.images[1], plain.images[1]));
}

INSTANTIATE_TEST_SUITE_P(Golden, SteerRun, ::testing::Values("steer_full", "steer_channel", "steer_cond"));

// Steering the conditional half only: at the first steered step (1) the unconditional h is the
// unsteered run's, bit for bit, and the conditional h is the unsteered one plus alpha * d.
TEST(SteerBranch, CondLeavesTheUnconditionalHalfAlone) {
  ExtractJob job = steer_job("steer_cond");
  ExtractOutput steered = extract(sd15(), job);
  ExtractJob plain_job = job;
  plain_job.steer_alphas.clear();
  ExtractOutput plain = extract(sd15(), plain_job);
  const int64_t step = 1;
  for (int64_t i = 1; i < 3; ++i) {
    EXPECT_TRUE(torch::equal(steered.h_uncond[i][step], plain.h_uncond[i][step])) << "item " << i;
    auto shift = job.steer_alphas[i] * job.steer_direction.view_as(plain.h[i][step]);
    EXPECT_LE(max_relative_error(steered.h[i][step], plain.h[i][step] + shift), 1e-6) << "item " << i;
    EXPECT_FALSE(torch::equal(steered.images[i], plain.images[i])) << "item " << i;
  }
}

// Without CFG there is one branch, which cond and both steer alike.
TEST(SteerBranch, WithoutGuidanceCondAndBothAgree) {
  ExtractJob job = steer_job("steer_cond");
  job.guidance = 1.0;
  job.branch = Branch::Cond;
  ExtractOutput cond = extract(sd15(), job);
  job.steer_branch = Branch::Both;
  ExtractOutput both = extract(sd15(), job);
  EXPECT_TRUE(torch::equal(cond.images, both.images));
}

ConditionJob condition_job(const std::string& name) {
  const Golden& g = golden();
  const io::Json& run = run_settings("condition_runs", name);
  ConditionJob job;
  job.images = g.get("condition.images");
  job.prompt.ids = g.get("prompt_ids").narrow(0, g.settings.find("condition_prompt")->as_int("condition_prompt"), 1);
  job.scheduler = run.find("scheduler")->as_string("scheduler");
  job.steps = g.settings.find("steps")->as_int("steps");
  job.step = g.settings.find("condition_step")->as_int("condition_step");
  job.mode = run.find("mode")->as_string("mode") == "invert" ? ConditionMode::Invert : ConditionMode::Noise;
  job.seeds = ints(*g.settings.find("condition_seeds"), "condition_seeds");
  return job;
}

class ConditionRun : public ::testing::TestWithParam<std::string> {};

TEST_P(ConditionRun, MatchesDiffusers) {
  const std::string name = GetParam();
  ConditionOutput out = condition(sd15(), condition_job(name));
  EXPECT_TRUE(torch::equal(out.timesteps, golden().get(name + ".timesteps")))
      << out.timesteps << " vs " << golden().get(name + ".timesteps");
  double error = max_relative_error(out.h, golden().get(name + ".h"));
  EXPECT_LE(error, kTolerance) << "h";
  std::cout << "[parity] condition " << name << ": h " << error << "\n";
}

TEST_P(ConditionRun, BatchOfOneAndPoolingAgree) {
  ConditionJob job = condition_job(GetParam());
  ConditionOutput together = condition(sd15(), job);
  job.batch_size = 1;
  ConditionOutput alone = condition(sd15(), job);
  // Batched convolutions round differently; inversion compounds that over its U-Net passes.
  EXPECT_LE(max_relative_error(alone.h, together.h), kTolerance);
  job.pooling = Pooling::SpatialMean;
  ConditionOutput pooled = condition(sd15(), job);
  ASSERT_EQ(pooled.h.dim(), 2);
  EXPECT_LE(max_relative_error(pooled.h, together.h.mean({2, 3})), 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Golden, ConditionRun, ::testing::Values("noise_ddim", "noise_euler", "invert"));

// ---- bad input ------------------------------------------------------------------------------

template <typename Job, typename Run>
std::string error_of(const Job& job, Run run) {
  try {
    run(sd15(), job);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "the job was accepted";
  return "";
}

std::string steer_error(const ExtractJob& job) { return error_of(job, extract); }
std::string condition_error(const ConditionJob& job) { return error_of(job, condition); }

#define EXPECT_MESSAGE_HAS(message, part) \
  EXPECT_NE((message).find(part), std::string::npos) << "message: " << (message) << "\nlacks: " << (part)

TEST(SteerBadInput, AlphaNaN) {
  ExtractJob job = steer_job("steer_full");
  job.steer_alphas[2] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_MESSAGE_HAS(steer_error(job), "steer_alphas[2] is NaN");
}

TEST(SteerBadInput, UncondBranchWithoutGuidance) {
  ExtractJob job = steer_job("steer_cond");
  job.guidance = 1.0;
  job.branch = Branch::Cond;
  job.steer_branch = Branch::Uncond;
  EXPECT_MESSAGE_HAS(steer_error(job), "steer_branch uncond needs classifier-free guidance");
}

TEST(SteerBadInput, AlphaInfinite) {
  ExtractJob job = steer_job("steer_full");
  job.steer_alphas[1] = -std::numeric_limits<double>::infinity();
  EXPECT_MESSAGE_HAS(steer_error(job), "steer_alphas[1] is -inf");
}

TEST(SteerBadInput, AlphaCountDiffersFromItems) {
  ExtractJob job = steer_job("steer_full");
  job.steer_alphas.pop_back();
  std::string message = steer_error(job);
  EXPECT_MESSAGE_HAS(message, "steer_alphas has 2 values for 3 items");
}

TEST(SteerBadInput, DirectionSizeMismatch) {
  ExtractJob job = steer_job("steer_full");
  job.steer_direction = torch::ones({10});
  std::string message = steer_error(job);
  EXPECT_MESSAGE_HAS(message, "steer_direction has 10 values [10]");
  EXPECT_MESSAGE_HAS(message, "[16, 4, 4]");
}

TEST(SteerBadInput, DirectionNotFinite) {
  ExtractJob job = steer_job("steer_channel");
  job.steer_direction[5] = std::numeric_limits<float>::infinity();
  EXPECT_MESSAGE_HAS(steer_error(job), "steer_direction[5] is +inf");
}

TEST(SteerBadInput, StepOutOfRange) {
  ExtractJob job = steer_job("steer_full");
  job.steer_steps = {1, 4};
  EXPECT_MESSAGE_HAS(steer_error(job), "steer_steps: step 4 is outside the 4 steps");
}

TEST(SteerBadInput, WithoutImages) {
  ExtractJob job = steer_job("steer_full");
  job.want_images = false;
  EXPECT_MESSAGE_HAS(steer_error(job), "steering needs want_images");
}

TEST(ConditionBadInput, SizeNotAMultipleOfTheVaeFactor) {
  ConditionJob job = condition_job("noise_ddim");
  job.images = torch::full({1, 3, 15, 16}, 0.5);
  job.seeds = {1};
  std::string message = condition_error(job);
  EXPECT_MESSAGE_HAS(message, "16x15");
  EXPECT_MESSAGE_HAS(message, "VAE factor 2");
}

TEST(ConditionBadInput, NoImages) {
  ConditionJob job = condition_job("noise_ddim");
  job.images = torch::zeros({0, 3, 16, 16});
  job.seeds.clear();
  EXPECT_MESSAGE_HAS(condition_error(job), "num_images is 0");
}

TEST(ConditionBadInput, ValueAboveOne) {
  ConditionJob job = condition_job("noise_ddim");
  job.images[1][2][3][4] = 1.5;
  std::string message = condition_error(job);
  EXPECT_MESSAGE_HAS(message, "image 1");
  EXPECT_MESSAGE_HAS(message, "outside [0, 1]");
}

TEST(ConditionBadInput, ValueNaN) {
  ConditionJob job = condition_job("invert");
  job.images[2][0][0][0] = std::numeric_limits<float>::quiet_NaN();
  std::string message = condition_error(job);
  EXPECT_MESSAGE_HAS(message, "image 2");
  EXPECT_MESSAGE_HAS(message, "not finite");
}

TEST(ConditionBadInput, StepOutOfRange) {
  ConditionJob job = condition_job("invert");
  job.step = job.steps;
  EXPECT_MESSAGE_HAS(condition_error(job), "step 4 is outside the 4 steps");
}

TEST(ConditionBadInput, SeedsMissingInNoiseMode) {
  ConditionJob job = condition_job("noise_ddim");
  job.seeds.pop_back();
  EXPECT_MESSAGE_HAS(condition_error(job), "seeds has 2 values for 3 images");
}

TEST(ConditionBadInput, InvertWithEuler) {
  ConditionJob job = condition_job("invert");
  job.scheduler = "euler";
  EXPECT_MESSAGE_HAS(condition_error(job), "scheduler euler cannot invert");
}

TEST(ConditionBadInput, ModelWithoutVae) {
  // A text-encoder-only folder has no VAE to encode images with.
  Pipeline encoder_only(golden_dir("text_encoders") / "sd15", EngineOptions{});
  try {
    condition(encoder_only, condition_job("noise_ddim"));
    ADD_FAILURE() << "accepted a model without a VAE";
  } catch (const std::runtime_error& e) {
    std::string message = e.what();
    EXPECT_MESSAGE_HAS(message, "no vae component");
    EXPECT_MESSAGE_HAS(message, "encoder");
  }
}

// ---- the same through the C API (hspace.h), as Java calls it --------------------------------

TEST(ValidationApi, RequestInitsLeaveSteeringOffAndSetConditionDefaults) {
  hs_extract_request extract_request;
  extract_request.steer_alphas = reinterpret_cast<const float*>(&extract_request);
  extract_request.num_steer_steps = 3;
  hs_extract_request_init(&extract_request);
  EXPECT_EQ(extract_request.steer_alphas, nullptr);
  EXPECT_EQ(extract_request.steer_direction, nullptr);
  EXPECT_EQ(extract_request.num_steer_steps, 0);
  EXPECT_EQ(extract_request.steer_branch, HS_BRANCH_BOTH);
  hs_condition_request condition_request;
  condition_request.mode = 7;
  hs_condition_request_init(&condition_request);
  EXPECT_EQ(condition_request.mode, HS_CONDITION_NOISE);
  EXPECT_EQ(condition_request.images, nullptr);
  EXPECT_EQ(condition_request.steps, 25);
  EXPECT_EQ(condition_request.pooling, HS_POOL_NONE);
}

struct EngineHandle {
  hs_engine* engine = hs_engine_create((golden_dir("pipelines") / "sd15").c_str(), nullptr);
  ~EngineHandle() { hs_engine_destroy(engine); }
};

TEST(ValidationApi, ConditionMatchesTheEngine) {
  EngineHandle handle;
  ConditionJob job = condition_job("invert");
  auto images = job.images.contiguous();
  auto ids = job.prompt.ids.contiguous();
  hs_condition_request r;
  hs_condition_request_init(&r);
  r.images = images.data_ptr<float>();
  r.num_images = images.size(0);
  r.height = static_cast<int32_t>(images.size(2));
  r.width = static_cast<int32_t>(images.size(3));
  r.prompt_ids = ids.data_ptr<int64_t>();
  r.token_length = ids.size(1);
  r.scheduler = HS_SCHEDULER_DDIM;
  r.steps = static_cast<int32_t>(job.steps);
  r.step = static_cast<int32_t>(job.step);
  r.mode = HS_CONDITION_INVERT;
  hs_result* result = hs_condition(handle.engine, &r);
  ASSERT_EQ(hs_result_count(result), 2);
  EXPECT_STREQ(hs_result_name(result, 0), "h");
  auto h = torch::from_blob(const_cast<float*>(hs_result_data(result, 0)), {hs_result_numel(result, 0)}, torch::kFloat32);
  auto expected = golden().get("invert.h");
  EXPECT_LE(max_relative_error(h.view(expected.sizes()), expected), kTolerance);
  EXPECT_EQ(hs_result_data(result, 1)[0], golden().get("invert.timesteps")[0].item<float>());
  hs_result_destroy(result);
}

/// The golden steer_full job as a C API request, with its own alphas; owns what the request points to.
struct ApiSteerRequest {
  ExtractJob job = steer_job("steer_full");
  torch::Tensor ids = job.prompts.ids.contiguous();
  torch::Tensor negative = job.negative.ids.contiguous();
  torch::Tensor direction = job.steer_direction.contiguous();
  std::vector<float> alphas;
  hs_extract_request r;

  explicit ApiSteerRequest(std::vector<float> steer_alphas) : alphas(std::move(steer_alphas)) {
    hs_extract_request_init(&r);
    r.prompt_ids = ids.data_ptr<int64_t>();
    r.num_prompts = ids.size(0);
    r.token_length = ids.size(1);
    r.negative_ids = negative.data_ptr<int64_t>();
    r.item_prompts = job.item_prompts.data();
    r.item_seeds = job.item_seeds.data();
    r.num_items = static_cast<int64_t>(job.item_prompts.size());
    r.steps = static_cast<int32_t>(job.steps);
    r.width = r.height = 16;
    r.scheduler = HS_SCHEDULER_DDIM;
    r.want_images = 1;
    r.steer_direction = direction.data_ptr<float>();
    r.steer_numel = direction.numel();
    r.steer_alphas = alphas.data();
  }

  std::string error() {
    EngineHandle handle;
    try {
      hs_result_destroy(hs_extract(handle.engine, &r));
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    ADD_FAILURE() << "the request was accepted";
    return "";
  }
};

TEST(ValidationApi, SteeringAlphaNaNIsNamed) {
  ApiSteerRequest request({0.0f, std::numeric_limits<float>::quiet_NaN(), 1.0f});
  EXPECT_MESSAGE_HAS(request.error(), "steer_alphas[1] is NaN");
}

TEST(ValidationApi, UnknownSteerBranchCodeIsNamed) {
  ApiSteerRequest request({0.0f, 1.0f, 1.0f});
  request.r.steer_branch = 9;
  EXPECT_MESSAGE_HAS(request.error(), "unknown steer_branch code 9");
}

}  // namespace
}  // namespace hspace::engine
