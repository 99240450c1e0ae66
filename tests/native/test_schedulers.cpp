// Schedulers and per-item noise against diffusers 0.35.2 (tests/golden/schedulers, made by
// tools/golden/gen_schedulers.py). Timesteps are compared bit for bit; the training schedule,
// sigmas and the first sample (noise x init_noise_sigma) elementwise to a relative 1e-5; step
// outputs in fp32 to a max relative error (max |a - e| / max |e|) of 1e-5 (1e-4 for the
// zero-terminal-SNR Euler schedule).
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "golden.h"
#include "io/json.h"
#include "schedulers/ddim.h"
#include "schedulers/euler.h"
#include "schedulers/lcm.h"
#include "schedulers/noise.h"
#include "schedulers/scheduler.h"

namespace hspace::schedulers {
namespace {

using hspace::testing::golden_dir;
using hspace::testing::golden_file;
using hspace::testing::max_relative_error;

// The float32 schedule (the cumprod of 1000 alphas, its square roots, the sigmas) rounds
// differently in its last bits across CPU vector kernels (AVX2 and AVX-512 machines of this
// project) and LibTorch versions: elementwise up to 3.5e-6 at the small end of alphas_cumprod,
// where a thousand float32 products have accumulated their rounding. A zero-terminal-SNR Euler
// schedule (first sigma 4096) amplifies that in its steps: within 6.1e-5 of the goldens on an
// AVX-512 machine and under torch 2.11.
constexpr double kScheduleTolerance = 1e-5;
constexpr double kScheduleFloor = 1e-12;
constexpr double kStepTolerance = 1e-5;
constexpr double kStepToleranceZeroSnrEuler = 1e-4;

struct GoldenCase {
  std::string name;
  io::Json config;
  std::string override_name;
  std::string class_name;
  bool inverse = false;
};

struct Manifest {
  std::vector<GoldenCase> cases;
  std::vector<int64_t> step_counts;
  int64_t run_steps = 0;
  std::vector<uint64_t> item_seeds;
};

const Manifest& manifest() {
  static const Manifest m = [] {
    Manifest out;
    io::Json json = io::read_json_file((golden_dir("schedulers") / "manifest.json").string());
    for (const auto& c : json.find("cases")->as_array("cases")) {
      out.cases.push_back({c.find("name")->as_string("name"), *c.find("config"),
                           c.find("override")->as_string("override"), c.find("class")->as_string("class"),
                           c.find("inverse")->as_bool("inverse")});
    }
    for (const auto& n : json.find("step_counts")->as_array("step_counts")) out.step_counts.push_back(n.as_int("n"));
    out.run_steps = json.find("run_steps")->as_int("run_steps");
    for (const auto& s : json.find("item_seeds")->as_array("item_seeds")) {
      out.item_seeds.push_back(static_cast<uint64_t>(s.as_int("seed")));
    }
    return out;
  }();
  return m;
}

io::Json parse(const std::string& text) { return io::parse_json(text, "test config"); }

// The step bound of a case: a zero-terminal-SNR Euler schedule carries its first sigma's 4096 into
// the steps' rounding.
double step_tolerance(const GoldenCase& c) {
  const io::Json* zero_snr = c.config.find("rescale_betas_zero_snr");
  const bool amplified = c.class_name.rfind("EulerDiscreteScheduler", 0) == 0 && zero_snr && zero_snr->as_bool("zero_snr");
  return amplified ? kStepToleranceZeroSnrEuler : kStepTolerance;
}

::testing::AssertionResult matches_golden(const torch::Tensor& actual, const torch::Tensor& expected) {
  if (actual.sizes() == expected.sizes()) {
    auto a = actual.to(torch::kDouble), e = expected.to(torch::kDouble);
    // Elementwise, so that the small values are held as tightly as the large ones (a schedule's
    // largest sigma is 4096, its smallest 0.03); the absolute floor covers float32's last bit at
    // a zero-terminal-SNR schedule's alphas_cumprod of 1e-8 and less.
    auto worst = ((a - e).abs() / (e.abs() * kScheduleTolerance + kScheduleFloor)).max().item<double>();
    if (worst <= 1.0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << actual << " vs diffusers " << expected << ": " << worst
                                         << " x the bound (rtol " << kScheduleTolerance << ", atol " << kScheduleFloor << ")";
  }
  return ::testing::AssertionFailure() << "shape " << actual.sizes() << " vs diffusers " << expected.sizes();
}

// Runs `body` and expects a std::runtime_error whose message contains every one of `parts`.
void expect_error(const std::function<void()>& body, const std::vector<std::string>& parts) {
  try {
    body();
    ADD_FAILURE() << "no error was raised";
  } catch (const std::runtime_error& e) {
    std::string message = e.what();
    for (const auto& part : parts) EXPECT_NE(message.find(part), std::string::npos) << message;
  }
}

TEST(Schedulers, TimestepsMatchDiffusers) {
  for (const auto& c : manifest().cases) {
    SCOPED_TRACE(c.name);
    auto golden = golden_file(golden_dir("schedulers") / (c.name + ".safetensors"));
    auto scheduler = make_scheduler(c.config, c.name, c.override_name);
    EXPECT_EQ(scheduler->name().rfind(c.class_name, 0), 0u) << scheduler->name();
    EXPECT_TRUE(matches_golden(scheduler->train_schedule().alphas_cumprod, golden->tensor("alphas_cumprod")));
    for (int64_t n : manifest().step_counts) {
      SCOPED_TRACE("steps " + std::to_string(n));
      scheduler->set_timesteps(n);
      auto expected = golden->tensor("timesteps_" + std::to_string(n));
      ASSERT_EQ(scheduler->timesteps().scalar_type(), expected.scalar_type());
      EXPECT_TRUE(torch::equal(scheduler->timesteps(), expected))
          << scheduler->timesteps() << " vs diffusers " << expected;
      if (auto* euler = dynamic_cast<EulerDiscreteScheduler*>(scheduler.get())) {
        EXPECT_TRUE(matches_golden(euler->sigmas(), golden->tensor("sigmas_" + std::to_string(n))));
        auto expected_sigma = golden->tensor("init_noise_sigma_" + std::to_string(n)).to(torch::kDouble).reshape({1});
        EXPECT_TRUE(matches_golden(torch::tensor({euler->init_noise_sigma()}, torch::kDouble), expected_sigma));
      }
    }
  }
}

TEST(Schedulers, StepsMatchDiffusers) {
  double worst = 0;
  for (const auto& c : manifest().cases) {
    SCOPED_TRACE(c.name);
    auto golden = golden_file(golden_dir("schedulers") / (c.name + ".safetensors"));
    auto scheduler = make_scheduler(c.config, c.name, c.override_name);
    scheduler->set_timesteps(manifest().run_steps);
    std::vector<at::Generator> generators;
    for (uint64_t seed : manifest().item_seeds) generators.push_back(make_cpu_generator(seed));
    auto sample = initial_latents(generators, 4, 8, 8, scheduler->init_noise_sigma(), torch::kFloat32, torch::kCPU);
    // The pipeline's first draw, scaled by init_noise_sigma.
    EXPECT_TRUE(matches_golden(sample, golden->tensor("initial_sample")));
    for (int64_t i = 0; i < manifest().run_steps; ++i) {
      auto tag = std::to_string(i);
      auto model_output = golden->tensor("model_output_" + tag);
      auto scaled = scheduler->scale_model_input(sample, i);
      double e_scaled = max_relative_error(scaled, golden->tensor("scaled_" + tag));
      auto out = scheduler->step(model_output, i, sample, generators);
      double e_prev = max_relative_error(out.prev_sample, golden->tensor("prev_sample_" + tag));
      double e_x0 = max_relative_error(out.pred_original_sample, golden->tensor("pred_x0_" + tag));
      EXPECT_LE(e_scaled, step_tolerance(c)) << "scale_model_input, step " << i;
      EXPECT_LE(e_prev, step_tolerance(c)) << "prev_sample, step " << i;
      EXPECT_LE(e_x0, step_tolerance(c)) << "pred_original_sample, step " << i;
      worst = std::max({worst, e_scaled, e_prev, e_x0});
      sample = out.prev_sample;  // chained on our own output, as a run is
    }
    auto noisy = scheduler->add_noise(golden->tensor("add_noise_x0"), golden->tensor("add_noise_noise"),
                                      golden->tensor("add_noise_t").item<int64_t>());
    double e_noise = max_relative_error(noisy, golden->tensor("add_noise"));
    EXPECT_LE(e_noise, step_tolerance(c)) << "add_noise";
    worst = std::max(worst, e_noise);
  }
  std::cout << "[ figures  ] worst step relative error over " << manifest().cases.size() << " configs: " << worst
            << "\n";
}

TEST(Schedulers, DDIMInversionMatchesDiffusers) {
  double worst = 0;
  int checked = 0;
  for (const auto& c : manifest().cases) {
    if (!c.inverse) continue;
    SCOPED_TRACE(c.name);
    auto golden = golden_file(golden_dir("schedulers") / (c.name + ".safetensors"));
    DDIMInverseScheduler inverse(c.config, c.name);
    inverse.set_timesteps(manifest().run_steps);
    EXPECT_TRUE(torch::equal(inverse.timesteps(), golden->tensor("inverse_timesteps"))) << inverse.timesteps();
    auto sample = golden->tensor("inverse_initial_sample");
    for (int64_t i = 0; i < manifest().run_steps; ++i) {
      auto tag = std::to_string(i);
      auto out = inverse.step(golden->tensor("inverse_model_output_" + tag), i, sample);
      double e_prev = max_relative_error(out.prev_sample, golden->tensor("inverse_prev_sample_" + tag));
      double e_x0 = max_relative_error(out.pred_original_sample, golden->tensor("inverse_pred_x0_" + tag));
      EXPECT_LE(e_prev, step_tolerance(c)) << "inverse step " << i;
      EXPECT_LE(e_x0, step_tolerance(c)) << "inverse pred_x0 " << i;
      worst = std::max({worst, e_prev, e_x0});
      sample = out.prev_sample;
    }
    ++checked;
  }
  EXPECT_GE(checked, 3);
  std::cout << "[ figures  ] worst inversion relative error over " << checked << " configs: " << worst << "\n";
}

// With the true noise as the model output, DDIM inversion followed by DDIM sampling returns
// the clean latent: both directions predict the same x0 at every step.
void expect_round_trip(const io::Json& config, int64_t steps) {
  DDIMInverseScheduler inverse(config, "round trip");
  DDIMScheduler sampler(config, "round trip");
  inverse.set_timesteps(steps);
  sampler.set_timesteps(steps);
  EXPECT_TRUE(torch::equal(inverse.timesteps(), sampler.timesteps().flip(0)));
  auto g = make_cpu_generator(11);
  auto x0 = torch::randn({2, 4, 8, 8}, g);
  auto eps = torch::randn({2, 4, 8, 8}, g);
  auto x = x0;
  for (int64_t i = 0; i < steps; ++i) x = inverse.step(eps, i, x).prev_sample;
  double moved = max_relative_error(x, x0);
  EXPECT_GT(moved, 0.5) << "inversion did not move towards noise";
  for (int64_t i = 0; i < steps; ++i) x = sampler.step(eps, i, x, {}).prev_sample;
  double error = max_relative_error(x, x0);
  EXPECT_LE(error, 1e-5);
  std::cout << "[ figures  ] DDIM inversion round trip, " << steps << " steps: relative error " << error << "\n";
}

TEST(Schedulers, DDIMInversionRoundTripLeading) {
  expect_round_trip(manifest().cases.front().config, 10);  // SD 1.5's PNDM config as DDIM
}

TEST(Schedulers, DDIMInversionRoundTripTrailing) {
  expect_round_trip(parse(R"({"_class_name": "DDIMScheduler", "beta_schedule": "scaled_linear",
      "beta_start": 0.00085, "beta_end": 0.012, "clip_sample": false, "set_alpha_to_one": true,
      "timestep_spacing": "trailing"})"),
                    25);
}

TEST(Noise, InitialLatentsBitIdenticalToTorchGenerator) {
  auto golden = golden_file(golden_dir("schedulers") / "noise.safetensors");
  for (uint64_t seed : {0ull, 1ull, 1234ull}) {
    auto latent = initial_latents({make_cpu_generator(seed)}, 4, 8, 8, 1.0, torch::kFloat32, torch::kCPU);
    EXPECT_TRUE(torch::equal(latent, golden->tensor("seed_" + std::to_string(seed)))) << "seed " << seed;
  }
  auto batch = initial_latents({make_cpu_generator(0), make_cpu_generator(1), make_cpu_generator(1234)}, 4, 8, 8,
                               1.0, torch::kFloat32, torch::kCPU);
  EXPECT_TRUE(torch::equal(batch, golden->tensor("batch_0_1_1234")));
  auto big = initial_latents({make_cpu_generator(42)}, 4, 64, 64, 1.0, torch::kFloat32, torch::kCPU);
  EXPECT_TRUE(torch::equal(big, golden->tensor("seed_42_4x64x64")));
  auto half = initial_latents({make_cpu_generator(0)}, 4, 8, 8, 1.0, torch::kFloat16, torch::kCPU);
  EXPECT_TRUE(torch::equal(half.to(torch::kFloat32), golden->tensor("seed_0_half")));
  auto large_seed = initial_latents({make_cpu_generator(~uint64_t{0} - 4)}, 4, 8, 8, 1.0, torch::kFloat32, torch::kCPU);
  EXPECT_TRUE(torch::equal(large_seed, golden->tensor("seed_big")));
}

TEST(Noise, GeneratorCountMustMatchBatch) {
  std::vector<at::Generator> two = {make_cpu_generator(0), make_cpu_generator(1)};
  expect_error([&] { randn_per_item({3, 4, 8, 8}, two, torch::kFloat32, torch::kCPU); },
               {"2 generators", "batch of 3"});
}

TEST(Noise, NoGeneratorsFails) {
  expect_error([] { initial_latents({}, 4, 8, 8, 1.0, torch::kFloat32, torch::kCPU); }, {"no generators"});
}

// --- configs and bad input ------------------------------------------------------------------

const char* kSd15 = R"({"_class_name": "PNDMScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear",
    "beta_start": 0.00085, "num_train_timesteps": 1000, "set_alpha_to_one": false, "skip_prk_steps": true,
    "steps_offset": 1, "trained_betas": null, "clip_sample": false})";
const char* kLcm = R"({"_class_name": "LCMScheduler", "original_inference_steps": 50})";

TEST(SchedulerConfig, PNDMBuildsDDIMAndSaysSo) {
  auto scheduler = make_scheduler(parse(kSd15), "sd15");
  EXPECT_EQ(scheduler->name(), "DDIMScheduler (from PNDMScheduler config)");
  EXPECT_NE(dynamic_cast<DDIMScheduler*>(scheduler.get()), nullptr);
}

TEST(SchedulerConfig, TrainedBetasReplaceTheSchedule) {
  std::string betas;
  auto linear = torch::linspace(0.0001, 0.02, 1000, torch::kFloat32);
  for (int64_t i = 0; i < 1000; ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", linear[i].item<float>());
    betas += (i ? "," : "") + std::string(buf);
  }
  auto given = make_scheduler(parse(R"({"_class_name": "DDIMScheduler", "trained_betas": [)" + betas + "]}"), "t");
  auto plain = make_scheduler(parse(R"({"_class_name": "DDIMScheduler"})"), "t");
  EXPECT_TRUE(torch::equal(given->train_schedule().alphas_cumprod, plain->train_schedule().alphas_cumprod));
}

TEST(SchedulerConfig, StepsZeroFails) {
  for (const char* name : {"ddim", "euler", "lcm"}) {
    auto scheduler = make_scheduler(parse(kSd15), "sd15", name);
    expect_error([&] { scheduler->set_timesteps(0); }, {"at least 1", "got 0"});
  }
}

TEST(SchedulerConfig, StepsAboveTrainingTimestepsFails) {
  for (const char* name : {"ddim", "euler"}) {
    auto scheduler = make_scheduler(parse(kSd15), "sd15", name);
    expect_error([&] { scheduler->set_timesteps(1001); }, {"1001", "num_train_timesteps (1000)"});
  }
}

TEST(SchedulerConfig, LCMStepsAboveOriginalInferenceStepsFails) {
  auto scheduler = make_scheduler(parse(kLcm), "lcm");
  expect_error([&] { scheduler->set_timesteps(51); }, {"51", "original_inference_steps (50)"});
}

TEST(SchedulerConfig, InverseStepsZeroFails) {
  DDIMInverseScheduler inverse(parse(kSd15), "sd15");
  expect_error([&] { inverse.set_timesteps(0); }, {"DDIMInverseScheduler", "at least 1"});
}

TEST(SchedulerConfig, StepsOffsetPastLastTimestepFails) {
  auto scheduler = make_scheduler(parse(kSd15), "sd15");  // leading, steps_offset 1
  expect_error([&] { scheduler->set_timesteps(1000); }, {"1000", "outside the training range"});
}

TEST(SchedulerConfig, UnknownClassNameFails) {
  expect_error([] { make_scheduler(parse(R"({"_class_name": "DPMSolverMultistepScheduler"})"), "cfg.json"); },
               {"cfg.json", "DPMSolverMultistepScheduler", "not supported"});
}

TEST(SchedulerConfig, MissingClassNameFails) {
  expect_error([] { make_scheduler(parse(R"({"beta_start": 0.001})"), "cfg.json"); }, {"cfg.json", "_class_name"});
}

TEST(SchedulerConfig, UnknownOverrideFails) {
  expect_error([] { make_scheduler(parse(kSd15), "sd15", "heun"); }, {"heun", "ddim, euler, lcm"});
}

TEST(SchedulerConfig, UnknownFieldFails) {
  expect_error([] { make_scheduler(parse(R"({"_class_name": "DDIMScheduler", "shift_noise": 2})"), "cfg.json"); },
               {"cfg.json", "shift_noise"});
}

TEST(SchedulerConfig, ThresholdingFails) {
  expect_error([] { make_scheduler(parse(R"({"_class_name": "DDIMScheduler", "thresholding": true})"), "cfg.json"); },
               {"cfg.json", "thresholding"});
}

TEST(SchedulerConfig, KarrasSigmasFail) {
  expect_error(
      [] { make_scheduler(parse(R"({"_class_name": "EulerDiscreteScheduler", "use_karras_sigmas": true})"), "c"); },
      {"use_karras_sigmas", "not supported"});
}

TEST(SchedulerConfig, LogLinearInterpolationFails) {
  expect_error(
      [] {
        make_scheduler(parse(R"({"_class_name": "EulerDiscreteScheduler", "interpolation_type": "log_linear"})"), "c");
      },
      {"interpolation_type", "log_linear"});
}

TEST(SchedulerConfig, UnknownPredictionTypeFails) {
  expect_error([] { make_scheduler(parse(R"({"_class_name": "DDIMScheduler", "prediction_type": "flow"})"), "c"); },
               {"prediction_type", "flow"});
}

TEST(SchedulerConfig, UnknownBetaScheduleFails) {
  expect_error([] { make_scheduler(parse(R"({"_class_name": "DDIMScheduler", "beta_schedule": "sigmoid"})"), "c"); },
               {"beta_schedule", "sigmoid"});
}

TEST(SchedulerConfig, TrainedBetasOfWrongLengthFail) {
  expect_error([] { make_scheduler(parse(R"({"_class_name": "DDIMScheduler", "trained_betas": [0.1, 0.2]})"), "c"); },
               {"trained_betas", "2 values", "1000"});
}

TEST(SchedulerConfig, InverseLinspaceSpacingFails) {
  expect_error(
      [] { DDIMInverseScheduler(parse(R"({"_class_name": "DDIMScheduler", "timestep_spacing": "linspace"})"), "c"); },
      {"timestep_spacing", "linspace"});
}

TEST(SchedulerConfig, StepIndexOutOfRangeFails) {
  auto scheduler = make_scheduler(parse(kSd15), "sd15");
  scheduler->set_timesteps(4);
  auto x = torch::zeros({1, 4, 8, 8});
  expect_error([&] { scheduler->step(x, 4, x, {}); }, {"step index 4", "4 timesteps"});
}

TEST(SchedulerConfig, StepBeforeSetTimestepsFails) {
  auto scheduler = make_scheduler(parse(kSd15), "sd15", "euler");
  auto x = torch::zeros({1, 4, 8, 8});
  expect_error([&] { scheduler->step(x, 0, x, {}); }, {"set_timesteps"});
}

TEST(SchedulerConfig, LCMStepWithoutGeneratorsFails) {
  auto scheduler = make_scheduler(parse(kLcm), "lcm");
  scheduler->set_timesteps(4);
  auto x = torch::zeros({2, 4, 8, 8});
  expect_error([&] { scheduler->step(x, 0, x, {make_cpu_generator(1), make_cpu_generator(2), make_cpu_generator(3)}); },
               {"3 generators", "batch of 2"});
}

}  // namespace
}  // namespace hspace::schedulers
