// ref: diffusers/schedulers/scheduling_lcm.py (diffusers 0.35.2)
#include "schedulers/lcm.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "schedulers/noise.h"

namespace hspace::schedulers {

LCMScheduler::LCMScheduler(const io::Json& config, const std::string& source) : Scheduler(TrainSchedule{}) {
  config_.source_class = detail::source_class(config, source);
  io::ConfigReader reader(config, source);
  detail::ignore_foreign_fields(reader, "LCMScheduler");
  schedule_ = TrainSchedule::read(reader, 0.00085, 0.012, "scaled_linear");
  config_.prediction_type = read_prediction_type(reader, {"epsilon", "sample", "v_prediction"});
  config_.original_inference_steps = reader.get_int("original_inference_steps", 50);
  config_.timestep_scaling = reader.get_double("timestep_scaling", 10.0);
  config_.clip_sample = reader.get_bool("clip_sample", false);
  config_.clip_sample_range = reader.get_double("clip_sample_range", 1.0);
  config_.set_alpha_to_one = reader.get_bool("set_alpha_to_one", true);
  reject_thresholding(reader);
  // LCM's schedule comes from original_inference_steps alone; diffusers stores these two but
  // never reads them.
  reader.ignore({"timestep_spacing", "steps_offset"});
  reader.finish();
  if (config_.original_inference_steps < 1 || config_.original_inference_steps > schedule_.num_train_timesteps) {
    throw std::runtime_error(reader.where("original_inference_steps") + " must be in [1, num_train_timesteps = " +
                             std::to_string(schedule_.num_train_timesteps) + "], got " +
                             std::to_string(config_.original_inference_steps));
  }
  final_alpha_cumprod_ = config_.set_alpha_to_one ? torch::tensor(1.0f) : schedule_.alphas_cumprod[0];
}

std::string LCMScheduler::name() const {
  if (config_.source_class == "LCMScheduler") return "LCMScheduler";
  return "LCMScheduler (from " + config_.source_class + " config)";
}

std::string LCMScheduler::summary() const {
  std::ostringstream out;
  out << name() << ": num_train_timesteps=" << schedule_.num_train_timesteps
      << " prediction_type=" << prediction_type_name(config_.prediction_type)
      << " original_inference_steps=" << config_.original_inference_steps
      << " timestep_scaling=" << config_.timestep_scaling;
  return out.str();
}

void LCMScheduler::set_timesteps(int64_t steps) {
  const int64_t T = schedule_.num_train_timesteps;
  const int64_t original = config_.original_inference_steps;
  check_steps(steps, T, name());
  if (steps > original) {
    throw std::runtime_error(name() + ": " + std::to_string(steps) +
                             " inference steps is more than original_inference_steps (" + std::to_string(original) +
                             "); LCM's schedule is a subset of the distillation schedule");
  }
  // The distillation schedule k-1, 2k-1, ..., original*k - 1 (k = T // original), descending,
  // sampled at evenly spaced positions.
  const int64_t k = T / original;
  std::vector<int64_t> origin;
  for (int64_t i = original; i >= 1; --i) origin.push_back(i * k - 1);
  std::vector<int64_t> t;
  for (double position : np_linspace(0.0, static_cast<double>(original), steps, /*endpoint=*/false)) {
    t.push_back(origin[static_cast<size_t>(std::floor(position))]);
  }
  timesteps_ = torch::tensor(t, torch::kInt64);
  num_inference_steps_ = steps;
}

StepOutput LCMScheduler::step(const torch::Tensor& model_output, int64_t index, const torch::Tensor& sample,
                              const std::vector<at::Generator>& generators) const {
  check_index(index);
  auto timestep = timesteps_[index];
  const int64_t t = timestep.item<int64_t>();
  const int64_t prev_t = index + 1 < num_inference_steps_ ? timesteps_[index + 1].item<int64_t>() : t;
  auto alpha_prod_t = schedule_.alphas_cumprod[t];
  auto alpha_prod_t_prev = prev_t >= 0 ? schedule_.alphas_cumprod[prev_t] : final_alpha_cumprod_;
  auto beta_prod_t = 1 - alpha_prod_t;
  auto beta_prod_t_prev = 1 - alpha_prod_t_prev;

  // Boundary condition scalings with sigma_data = 0.5, from the int64 timestep promoted to
  // float32 as in diffusers. Python's `0.25 / x` is x.reciprocal() * 0.25 for a tensor x.
  constexpr double kSigmaDataSquared = 0.25;
  auto scaled = timestep * config_.timestep_scaling;
  auto c_skip = (scaled.pow(2) + kSigmaDataSquared).reciprocal() * kSigmaDataSquared;
  auto c_out = scaled / (scaled.pow(2) + kSigmaDataSquared).pow(0.5);

  torch::Tensor pred_x0;
  switch (config_.prediction_type) {
    case PredictionType::Epsilon:
      pred_x0 = (sample - beta_prod_t.sqrt() * model_output) / alpha_prod_t.sqrt();
      break;
    case PredictionType::Sample:
      pred_x0 = model_output;
      break;
    case PredictionType::VPrediction:
      pred_x0 = alpha_prod_t.sqrt() * sample - beta_prod_t.sqrt() * model_output;
      break;
  }
  if (config_.clip_sample) pred_x0 = pred_x0.clamp(-config_.clip_sample_range, config_.clip_sample_range);

  auto denoised = c_out * pred_x0 + c_skip * sample;
  if (index == num_inference_steps_ - 1) return {denoised, denoised};
  auto noise = randn_per_item(model_output.sizes(), generators, denoised.scalar_type(), model_output.device());
  auto prev_sample = alpha_prod_t_prev.sqrt() * denoised + beta_prod_t_prev.sqrt() * noise;
  return {prev_sample, denoised};
}

}  // namespace hspace::schedulers
