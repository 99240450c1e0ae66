// Whole pipeline runs against diffusers 0.35.2 (tests/golden/pipelines, made by
// tools/golden/gen_pipelines.py): tiny SD 1.5, SD 2.1, SDXL and LCM folders loaded by
// engine::Pipeline, each golden run rebuilt as an ExtractJob from the saved token ids, seeds and
// settings. h at every step (both CFG branches) and the final images must agree to a max
// relative error of 1e-3 (max |a - e| / max |e|, fp32 on CPU). Then the engine's own
// invariants (early stop, pooling, batching) and bad input, each its own test.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "engine/extract.h"
#include "engine/pipeline.h"
#include "golden.h"
#include "io/json.h"

namespace hspace::engine {
namespace {

namespace fs = std::filesystem;
using hspace::testing::golden_dir;
using hspace::testing::golden_file;
using hspace::testing::max_relative_error;

constexpr double kRunTolerance = 1e-3;
// The same computation batched differently may round differently in the convolutions.
constexpr double kBatchingTolerance = 1e-5;

struct GoldenRun {
  std::string pipeline;
  std::string name;
  std::string scheduler;
  double guidance = 0;
  bool negative_given = false;  // settings.json "negative" is a string, not null
  bool cfg = false;
  int64_t width = 0, height = 0;
};

// gtest prints a failing parameter with this instead of its bytes.
void PrintTo(const GoldenRun& run, std::ostream* os) { *os << run.pipeline << "/" << run.name; }

struct GoldenPipeline {
  fs::path dir;
  std::vector<int64_t> seeds;
  int64_t steps = 0;
  std::vector<GoldenRun> runs;
  std::shared_ptr<io::SafetensorsFile> tensors;
};

const std::vector<std::string> kPipelines = {"sd15", "sd21", "sdxl", "lcm_sd15"};

const GoldenPipeline& golden(const std::string& name) {
  static std::map<std::string, GoldenPipeline> cache;
  auto found = cache.find(name);
  if (found != cache.end()) return found->second;
  GoldenPipeline g;
  g.dir = golden_dir("pipelines") / name;
  io::Json settings = io::read_json_file((g.dir / "settings.json").string());
  for (const auto& s : settings.find("seeds")->as_array("seeds")) g.seeds.push_back(s.as_int("seed"));
  g.steps = settings.find("steps")->as_int("steps");
  for (const auto& r : settings.find("runs")->as_array("runs")) {
    GoldenRun run;
    run.pipeline = name;
    run.name = r.find("name")->as_string("name");
    run.scheduler = r.find("scheduler")->as_string("scheduler");
    run.guidance = r.find("guidance")->as_double("guidance");
    run.negative_given = !r.find("negative")->is_null();
    run.cfg = r.find("cfg")->as_bool("cfg");
    run.width = r.find("width")->as_int("width");
    run.height = r.find("height")->as_int("height");
    g.runs.push_back(run);
  }
  g.tensors = golden_file(g.dir / "golden.safetensors");
  return cache.emplace(name, std::move(g)).first->second;
}

// One loaded pipeline per folder for the whole test binary.
Pipeline& loaded(const std::string& name) {
  static std::map<std::string, std::unique_ptr<Pipeline>> cache;
  auto& slot = cache[name];
  if (!slot) slot = std::make_unique<Pipeline>(golden(name).dir, EngineOptions{});
  return *slot;
}

torch::Tensor golden_tensor(const GoldenPipeline& g, const std::string& key) {
  return g.tensors->tensor(key).clone();  // out of the mapping
}

bool has_tensor(const GoldenPipeline& g, const std::string& key) { return g.tensors->find(key) != nullptr; }

/// The job a user of the engine would send for this golden run: every step, both branches
/// under CFG, images.
ExtractJob job_for(const GoldenRun& run) {
  const GoldenPipeline& g = golden(run.pipeline);
  ExtractJob job;
  job.prompts.ids = golden_tensor(g, "prompt_ids");
  if (has_tensor(g, "prompt_ids_2")) job.prompts.ids_2 = golden_tensor(g, "prompt_ids_2");
  // diffusers encodes "" (SD) or the negative prompt for the unconditional branch, or zeroes it
  // (SDXL, no negative prompt): the golden file holds the ids it encoded, when it encoded any.
  if (has_tensor(g, run.name + ".negative_ids")) job.negative.ids = golden_tensor(g, run.name + ".negative_ids");
  if (has_tensor(g, run.name + ".negative_ids_2")) job.negative.ids_2 = golden_tensor(g, run.name + ".negative_ids_2");
  job.negative_is_empty = !run.negative_given;
  job.seeds = g.seeds;
  job.steps = g.steps;
  job.guidance = run.guidance;
  job.width = run.width;
  job.height = run.height;
  job.scheduler = run.scheduler;
  for (int64_t s = 0; s < g.steps; ++s) job.capture_steps.push_back(s);
  job.branch = run.cfg ? Branch::Both : Branch::Cond;
  job.want_images = true;
  return job;
}

std::vector<GoldenRun> all_runs() {
  std::vector<GoldenRun> runs;
  for (const auto& name : kPipelines) {
    for (const auto& run : golden(name).runs) runs.push_back(run);
  }
  return runs;
}

std::string run_label(const ::testing::TestParamInfo<GoldenRun>& info) {
  return info.param.pipeline + "_" + info.param.name;
}

class PipelineRun : public ::testing::TestWithParam<GoldenRun> {};

TEST_P(PipelineRun, MatchesDiffusers) {
  const GoldenRun& run = GetParam();
  const GoldenPipeline& g = golden(run.pipeline);
  ExtractOutput out = extract(loaded(run.pipeline), job_for(run));

  EXPECT_TRUE(torch::equal(out.timesteps, golden_tensor(g, run.name + ".timesteps")))
      << out.timesteps << " vs " << golden_tensor(g, run.name + ".timesteps");
  double h_error = max_relative_error(out.h, golden_tensor(g, run.name + ".h"));
  EXPECT_LE(h_error, kRunTolerance) << "h (conditional branch)";
  double uncond_error = 0;
  if (run.cfg) {
    ASSERT_TRUE(out.h_uncond.defined());
    uncond_error = max_relative_error(out.h_uncond, golden_tensor(g, run.name + ".h_uncond"));
    EXPECT_LE(uncond_error, kRunTolerance) << "h_uncond";
  }
  double image_error = max_relative_error(out.images, golden_tensor(g, run.name + ".images"));
  EXPECT_LE(image_error, kRunTolerance) << "images";
  RecordProperty("h_max_relative_error", std::to_string(h_error));
  RecordProperty("h_uncond_max_relative_error", std::to_string(uncond_error));
  RecordProperty("images_max_relative_error", std::to_string(image_error));
  std::cout << "[parity] " << run.pipeline << "/" << run.name << ": h " << h_error;
  if (run.cfg) std::cout << ", h_uncond " << uncond_error;
  std::cout << ", images " << image_error << "\n";
}

// Every golden run on a CUDA device in fp32 with TF32 off (skipped without one), in both memory
// layouts: h, h_uncond and images at the CPU's bound. Noise is drawn on the CPU, as diffusers does.
TEST_P(PipelineRun, MatchesDiffusersOnCuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device on this machine";
  testing::NoTF32 no_tf32;
  const GoldenRun& run = GetParam();
  const GoldenPipeline& g = golden(run.pipeline);
  for (bool channels_last : {false, true}) {
    Pipeline pipeline(g.dir, EngineOptions{torch::kCUDA, torch::kFloat32, channels_last});
    ExtractOutput out = extract(pipeline, job_for(run));
    double h_error = max_relative_error(out.h, golden_tensor(g, run.name + ".h"));
    double image_error = max_relative_error(out.images, golden_tensor(g, run.name + ".images"));
    std::cout << "[parity] cuda " << run.pipeline << "/" << run.name << (channels_last ? " channels-last" : "")
              << ": h " << h_error << ", images " << image_error << "\n";
    EXPECT_LE(h_error, kRunTolerance) << "h" << (channels_last ? " (channels-last)" : "");
    EXPECT_LE(image_error, kRunTolerance) << "images" << (channels_last ? " (channels-last)" : "");
    if (run.cfg) {
      double uncond_error = max_relative_error(out.h_uncond, golden_tensor(g, run.name + ".h_uncond"));
      std::cout << "[parity] cuda " << run.pipeline << "/" << run.name << ": h_uncond " << uncond_error << "\n";
      EXPECT_LE(uncond_error, kRunTolerance) << "h_uncond";
    }
  }
}

// The whole engine with a channels-last U-Net, on the CPU: the same h and images.
TEST_P(PipelineRun, ChannelsLastMatchesDiffusers) {
  const GoldenRun& run = GetParam();
  const GoldenPipeline& g = golden(run.pipeline);
  Pipeline pipeline(g.dir, EngineOptions{torch::kCPU, torch::kFloat32, /*channels_last=*/true});
  EXPECT_NE(pipeline.describe_json().find("\"memory_format\":\"channels_last\""), std::string::npos);
  ExtractOutput out = extract(pipeline, job_for(run));
  EXPECT_LE(max_relative_error(out.h, golden_tensor(g, run.name + ".h")), kRunTolerance) << "h";
  EXPECT_LE(max_relative_error(out.images, golden_tensor(g, run.name + ".images")), kRunTolerance) << "images";
}

// Early stop: capturing only the last step without images runs the down path and mid-block there
// (forward_to_mid) and nothing after; h must be what the full run saw at that step.
TEST_P(PipelineRun, LastStepAloneEqualsFullRun) {
  const GoldenRun& run = GetParam();
  const GoldenPipeline& g = golden(run.pipeline);
  Pipeline& pipeline = loaded(run.pipeline);
  ExtractOutput full = extract(pipeline, job_for(run));
  ExtractJob job = job_for(run);
  job.capture_steps = {g.steps - 1};
  job.want_images = false;
  ExtractOutput last = extract(pipeline, job);
  EXPECT_FALSE(last.images.defined());
  ASSERT_EQ(last.h.size(2), 1);
  EXPECT_TRUE(torch::equal(last.h.select(2, 0), full.h.select(2, g.steps - 1)));
  if (run.cfg) EXPECT_TRUE(torch::equal(last.h_uncond.select(2, 0), full.h_uncond.select(2, g.steps - 1)));
  EXPECT_TRUE(torch::equal(last.timesteps, full.timesteps.narrow(0, g.steps - 1, 1)));
  EXPECT_LE(max_relative_error(last.h.select(2, 0), golden_tensor(g, run.name + ".h").select(2, g.steps - 1)),
            kRunTolerance);

  // Conditional h only: the last step runs the conditional half alone, in a batch half the size.
  job.branch = Branch::Cond;
  ExtractOutput cond = extract(pipeline, job);
  EXPECT_FALSE(cond.h_uncond.defined());
  EXPECT_LE(max_relative_error(cond.h.select(2, 0), full.h.select(2, g.steps - 1)), 1e-6);
}

TEST_P(PipelineRun, SpatialMeanPoolingIsTheMeanOfH) {
  const GoldenRun& run = GetParam();
  Pipeline& pipeline = loaded(run.pipeline);
  ExtractJob job = job_for(run);
  job.want_images = false;
  ExtractOutput full = extract(pipeline, job);
  job.pooling = Pooling::SpatialMean;
  ExtractOutput pooled = extract(pipeline, job);
  ASSERT_EQ(pooled.h.dim(), 4);  // [P, S, K, C]
  EXPECT_LE(max_relative_error(pooled.h, full.h.mean({4, 5})), 1e-6);
  if (run.cfg) EXPECT_LE(max_relative_error(pooled.h_uncond, full.h_uncond.mean({4, 5})), 1e-6);
}

TEST_P(PipelineRun, BatchOfOneEqualsOneBatch) {
  const GoldenRun& run = GetParam();
  Pipeline& pipeline = loaded(run.pipeline);
  ExtractJob job = job_for(run);
  job.batch_size = 0;  // all items in one batch
  ExtractOutput together = extract(pipeline, job);
  job.batch_size = 1;
  ExtractOutput alone = extract(pipeline, job);
  EXPECT_LE(max_relative_error(alone.h, together.h), kBatchingTolerance);
  if (run.cfg) EXPECT_LE(max_relative_error(alone.h_uncond, together.h_uncond), kBatchingTolerance);
  EXPECT_LE(max_relative_error(alone.images, together.images), kBatchingTolerance);
}

// Explicit (prompt, seed) items, in any order, give the rows of the grid they name.
TEST_P(PipelineRun, ItemsEqualTheirGridRows) {
  const GoldenRun& run = GetParam();
  const GoldenPipeline& g = golden(run.pipeline);
  Pipeline& pipeline = loaded(run.pipeline);
  ExtractJob job = job_for(run);
  ExtractOutput grid = extract(pipeline, job);
  job.item_prompts = {1, 0, 1};
  job.item_seeds = {g.seeds[0], g.seeds[1], g.seeds[1]};
  ExtractOutput items = extract(pipeline, job);
  ASSERT_EQ(items.h.size(0), 3);
  for (int64_t i = 0; i < 3; ++i) {
    int64_t p = job.item_prompts[i], s = job.item_seeds[i] == g.seeds[0] ? 0 : 1;
    EXPECT_LE(max_relative_error(items.h[i], grid.h[p][s]), kBatchingTolerance) << "item " << i;
    if (run.cfg) EXPECT_LE(max_relative_error(items.h_uncond[i], grid.h_uncond[p][s]), kBatchingTolerance);
    EXPECT_LE(max_relative_error(items.images[i], grid.images[p][s]), kBatchingTolerance) << "item " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Golden, PipelineRun, ::testing::ValuesIn(all_runs()), run_label);

// ---- bad input ------------------------------------------------------------------------------

const GoldenRun& sd15_ddim() { return golden("sd15").runs.at(0); }
const GoldenRun& lcm_run() { return golden("lcm_sd15").runs.at(0); }

/// Runs `job` on `pipeline` and returns the error message; fails the test when nothing is thrown.
std::string extract_error(Pipeline& pipeline, const ExtractJob& job) {
  try {
    extract(pipeline, job);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "extract accepted the job";
  return "";
}

#define EXPECT_MESSAGE_HAS(message, part) \
  EXPECT_NE((message).find(part), std::string::npos) << "message: " << (message) << "\nlacks: " << (part)

TEST(PipelineBadInput, SizeNotDivisibleBy8) {
  ExtractJob job = job_for(sd15_ddim());
  job.width = 20;  // a whole latent for the VAE factor 2, but diffusers asks for multiples of 8
  std::string message = extract_error(loaded("sd15"), job);
  EXPECT_MESSAGE_HAS(message, "20x16");
  EXPECT_MESSAGE_HAS(message, "divisible by 8");
}

TEST(PipelineBadInput, ZeroSteps) {
  ExtractJob job = job_for(sd15_ddim());
  job.steps = 0;
  job.capture_steps.clear();
  EXPECT_MESSAGE_HAS(extract_error(loaded("sd15"), job), "steps");
}

TEST(PipelineBadInput, StepsAboveTrainingSteps) {
  ExtractJob job = job_for(sd15_ddim());
  job.steps = 1001;
  std::string message = extract_error(loaded("sd15"), job);
  EXPECT_MESSAGE_HAS(message, "1000");
  EXPECT_MESSAGE_HAS(message, "1001");
}

TEST(PipelineBadInput, GuidanceNaN) {
  ExtractJob job = job_for(sd15_ddim());
  job.guidance = std::numeric_limits<double>::quiet_NaN();
  EXPECT_MESSAGE_HAS(extract_error(loaded("sd15"), job), "guidance");
}

TEST(PipelineBadInput, GuidanceNegative) {
  ExtractJob job = job_for(sd15_ddim());
  job.guidance = -2.0;
  EXPECT_MESSAGE_HAS(extract_error(loaded("sd15"), job), "guidance");
}

TEST(PipelineBadInput, CaptureStepOutOfRange) {
  ExtractJob job = job_for(sd15_ddim());
  job.capture_steps = {1, job.steps};
  EXPECT_MESSAGE_HAS(extract_error(loaded("sd15"), job), "capture step " + std::to_string(job.steps));
}

TEST(PipelineBadInput, CaptureStepsNotAscending) {
  ExtractJob job = job_for(sd15_ddim());
  job.capture_steps = {2, 1};
  EXPECT_MESSAGE_HAS(extract_error(loaded("sd15"), job), "ascending");
}

TEST(PipelineBadInput, UncondBranchWithoutGuidance) {
  ExtractJob job = job_for(sd15_ddim());
  job.guidance = 1.0;
  job.branch = Branch::Uncond;
  EXPECT_MESSAGE_HAS(extract_error(loaded("sd15"), job), "unconditional branch");
}

TEST(PipelineBadInput, UncondBranchOnLCM) {
  ExtractJob job = job_for(lcm_run());
  job.guidance = 7.5;  // an LCM model takes guidance as an embedding: there is no second branch
  job.branch = Branch::Both;
  std::string message = extract_error(loaded("lcm_sd15"), job);
  EXPECT_MESSAGE_HAS(message, "unconditional branch");
  EXPECT_MESSAGE_HAS(message, "LCM");
}

TEST(PipelineBadInput, NegativeIdsMissingUnderCFG) {
  ExtractJob job = job_for(sd15_ddim());
  job.negative = TokenIds{};  // SD encodes "" for the unconditional branch: its ids are needed
  EXPECT_MESSAGE_HAS(extract_error(loaded("sd15"), job), "negative prompt token ids");
}

TEST(PipelineBadInput, SDXLWithoutSecondTokenizerIds) {
  ExtractJob job = job_for(golden("sdxl").runs.at(0));
  job.prompts.ids_2 = torch::Tensor();
  EXPECT_MESSAGE_HAS(extract_error(loaded("sdxl"), job), "tokenizer_2");
}

/// A copy of a golden pipeline folder in a fresh temporary folder, removed at the end.
class ScratchCopy {
 public:
  explicit ScratchCopy(const std::string& name) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("hspace_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::copy(golden(name).dir, dir_, fs::copy_options::recursive);
  }
  ~ScratchCopy() { fs::remove_all(dir_); }
  const fs::path& dir() const { return dir_; }

  /// Replaces the one occurrence of `from` in the file at `relative` with `to`.
  void rewrite(const std::string& relative, const std::string& from, const std::string& to) const {
    fs::path path = dir_ / relative;
    std::ifstream in(path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string text = buffer.str();
    size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << path << " has no " << from;
    ASSERT_EQ(text.find(from, at + 1), std::string::npos) << path << " has " << from << " twice";
    text.replace(at, from.size(), to);
    std::ofstream(path, std::ios::trunc) << text;
  }

 private:
  fs::path dir_;
};

/// Loads `dir` and extracts the golden sd15 job; returns the first error, failing when none.
std::string load_and_extract_error(const fs::path& dir) {
  try {
    Pipeline pipeline(dir, EngineOptions{});
    extract(pipeline, job_for(sd15_ddim()));
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "the folder loaded and extracted";
  return "";
}

TEST(PipelineBadInput, UnetFolderMissing) {
  ScratchCopy copy("sd15");
  fs::remove_all(copy.dir() / "unet");
  EXPECT_MESSAGE_HAS(load_and_extract_error(copy.dir()), "unet");
}

TEST(PipelineBadInput, UnetLeftOutOfModelIndex) {
  ScratchCopy copy("sd15");
  copy.rewrite("model_index.json", "\"unet\": [\n    \"diffusers\",\n    \"UNet2DConditionModel\"\n  ]",
               "\"unet\": [\n    null,\n    null\n  ]");
  fs::remove_all(copy.dir() / "unet");
  EXPECT_MESSAGE_HAS(load_and_extract_error(copy.dir()), "no unet");
}

TEST(PipelineBadInput, UnetTensorsDoNotFitConfig) {
  ScratchCopy copy("sd15");
  // Cross-attention keys and values then expect 24 text features where the checkpoint has 32.
  copy.rewrite("unet/config.json", "\"cross_attention_dim\": 32", "\"cross_attention_dim\": 24");
  std::string message = load_and_extract_error(copy.dir());
  EXPECT_MESSAGE_HAS(message, "unet");
  EXPECT_MESSAGE_HAS(message, "attn2.to_k.weight");
}

TEST(PipelineBadInput, UnetConfigWantsMoreLayersThanTheCheckpointHas) {
  ScratchCopy copy("sd15");
  copy.rewrite("unet/config.json", "\"layers_per_block\": 1", "\"layers_per_block\": 2");
  std::string message = load_and_extract_error(copy.dir());
  EXPECT_MESSAGE_HAS(message, "unet");
  EXPECT_MESSAGE_HAS(message, "resnets.1");
}

TEST(PipelineBadInput, TextEncoderTensorsDoNotFitConfig) {
  ScratchCopy copy("sd15");
  copy.rewrite("text_encoder/config.json", "\"vocab_size\": 1000", "\"vocab_size\": 999");
  std::string message = load_and_extract_error(copy.dir());
  EXPECT_MESSAGE_HAS(message, "text_encoder");
  EXPECT_MESSAGE_HAS(message, "token_embedding");
}

}  // namespace
}  // namespace hspace::engine
