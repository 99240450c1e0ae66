// ref: diffusers/schedulers/scheduling_euler_discrete.py (diffusers 0.35.2)
#include "schedulers/euler.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace hspace::schedulers {
namespace {

// numpy.interp(x, arange(len(fp)), fp) in float64, for the integer grid diffusers uses.
double interp_on_index_grid(double x, const std::vector<double>& fp) {
  const auto n = static_cast<int64_t>(fp.size());
  if (x < 0) return fp.front();
  if (x >= static_cast<double>(n - 1)) return fp.back();
  auto j = static_cast<int64_t>(std::floor(x));
  if (static_cast<double>(j) == x) return fp[static_cast<size_t>(j)];
  double slope = fp[static_cast<size_t>(j + 1)] - fp[static_cast<size_t>(j)];  // grid spacing is 1
  return slope * (x - static_cast<double>(j)) + fp[static_cast<size_t>(j)];
}

void reject_true(io::ConfigReader& reader, const std::string& key, const std::string& what) {
  if (reader.get_bool(key, false)) {
    throw std::runtime_error(reader.where(key) + " is true: " + what + " are not supported");
  }
}

}  // namespace

EulerDiscreteScheduler::EulerDiscreteScheduler(const io::Json& config, const std::string& source)
    : Scheduler(TrainSchedule{}) {
  config_.source_class = detail::source_class(config, source);
  io::ConfigReader reader(config, source);
  detail::ignore_foreign_fields(reader, "EulerDiscreteScheduler");
  schedule_ = TrainSchedule::read(reader, 0.0001, 0.02, "linear");
  config_.prediction_type = read_prediction_type(reader, {"epsilon", "v_prediction", "sample", "original_sample"});
  config_.timestep_spacing = read_timestep_spacing(reader, "linspace", {"linspace", "leading", "trailing"});
  config_.steps_offset = reader.get_int("steps_offset", 0);
  reader.get_choice("interpolation_type", {"linear"}, "linear");
  reject_true(reader, "use_karras_sigmas", "Karras sigmas");
  reject_true(reader, "use_exponential_sigmas", "exponential sigmas");
  reject_true(reader, "use_beta_sigmas", "beta sigmas");
  // Bounds of the Karras / exponential / beta sigma ramps, rejected above.
  reader.ignore({"sigma_min", "sigma_max"});
  std::string timestep_type = reader.get_choice("timestep_type", {"discrete", "continuous"}, "discrete");
  if (timestep_type == "continuous" && config_.prediction_type == PredictionType::VPrediction) {
    throw std::runtime_error(reader.where("timestep_type") +
                             " 'continuous' with v_prediction (EDM timesteps 0.25 log sigma) is not supported");
  }
  config_.final_sigma_zero = reader.get_choice("final_sigmas_type", {"zero", "sigma_min"}, "zero") == "zero";
  reader.finish();
  if (schedule_.zero_terminal_snr) {
    // diffusers: close to 0 without being 0 so the first sigma is finite (fp16's smallest
    // subnormal).
    schedule_.alphas_cumprod = schedule_.alphas_cumprod.clone();
    schedule_.alphas_cumprod[-1] = std::pow(2.0, -24);
  }
}

std::string EulerDiscreteScheduler::name() const {
  if (config_.source_class == "EulerDiscreteScheduler") return "EulerDiscreteScheduler";
  return "EulerDiscreteScheduler (from " + config_.source_class + " config)";
}

std::string EulerDiscreteScheduler::summary() const {
  std::ostringstream out;
  out << name() << ": num_train_timesteps=" << schedule_.num_train_timesteps
      << " prediction_type=" << prediction_type_name(config_.prediction_type)
      << " timestep_spacing=" << timestep_spacing_name(config_.timestep_spacing)
      << " steps_offset=" << config_.steps_offset
      << " final_sigmas_type=" << (config_.final_sigma_zero ? "zero" : "sigma_min");
  return out.str();
}

void EulerDiscreteScheduler::set_timesteps(int64_t steps) {
  const int64_t T = schedule_.num_train_timesteps;
  check_steps(steps, T, name());
  // Timesteps are float32 in diffusers, built from float64 numpy grids.
  std::vector<float> t;
  switch (config_.timestep_spacing) {
    case TimestepSpacing::Linspace:
      for (double v : linspace_timesteps(steps, T)) t.push_back(static_cast<float>(v));
      break;
    case TimestepSpacing::Leading:
      for (double v : leading_timesteps(steps, T)) {
        t.push_back(static_cast<float>(v) + static_cast<float>(config_.steps_offset));
      }
      break;
    case TimestepSpacing::Trailing:
      for (double v : trailing_timesteps(steps, T)) t.push_back(static_cast<float>(v) - 1.0f);
      break;
  }

  const auto& ac = schedule_.alphas_cumprod;
  auto train_sigmas = ((1 - ac) / ac).pow(0.5).contiguous();
  std::vector<double> fp(train_sigmas.data_ptr<float>(), train_sigmas.data_ptr<float>() + train_sigmas.numel());
  std::vector<float> sigmas;
  for (float v : t) sigmas.push_back(static_cast<float>(interp_on_index_grid(static_cast<double>(v), fp)));
  sigmas.push_back(config_.final_sigma_zero ? 0.0f : ((1 - ac[0]) / ac[0]).pow(0.5).item<float>());

  timesteps_ = torch::tensor(t, torch::kFloat32);
  sigmas_ = torch::tensor(sigmas, torch::kFloat32);
  num_inference_steps_ = steps;
}

double EulerDiscreteScheduler::init_noise_sigma() const {
  if (!sigmas_.defined()) throw std::runtime_error(name() + ": set_timesteps must be called before sampling");
  auto max_sigma = sigmas_.max();
  if (config_.timestep_spacing != TimestepSpacing::Leading) return max_sigma.item<double>();
  return (max_sigma.pow(2) + 1).pow(0.5).item<double>();
}

torch::Tensor EulerDiscreteScheduler::scale_model_input(const torch::Tensor& sample, int64_t index) const {
  check_index(index);
  auto sigma = sigmas_[index];
  return sample / (sigma.pow(2) + 1).pow(0.5);
}

StepOutput EulerDiscreteScheduler::step(const torch::Tensor& model_output, int64_t index, const torch::Tensor& sample,
                                        const std::vector<at::Generator>& /*generators*/) const {
  check_index(index);
  // diffusers upcasts the sample so the update is done in float32.
  auto x = sample.to(torch::kFloat32);
  auto sigma = sigmas_[index];
  // s_churn = 0 makes gamma 0, so sigma_hat = sigma and no noise is added.
  auto sigma_hat = sigma * 1.0;
  torch::Tensor pred_x0;
  switch (config_.prediction_type) {
    case PredictionType::Sample:
      pred_x0 = model_output;
      break;
    case PredictionType::Epsilon:
      pred_x0 = x - sigma_hat * model_output;
      break;
    case PredictionType::VPrediction:
      pred_x0 = model_output * (-sigma / (sigma.pow(2) + 1).pow(0.5)) + (x / (sigma.pow(2) + 1));
      break;
  }
  auto derivative = (x - pred_x0) / sigma_hat;
  auto dt = sigmas_[index + 1] - sigma_hat;
  auto prev_sample = (x + derivative * dt).to(model_output.scalar_type());
  return {prev_sample, pred_x0};
}

torch::Tensor EulerDiscreteScheduler::add_noise(const torch::Tensor& x0, const torch::Tensor& noise, int64_t t) const {
  auto matches = (timesteps() == static_cast<double>(t)).nonzero();
  if (matches.size(0) == 0) {
    throw std::runtime_error(name() + ": add_noise timestep " + std::to_string(t) +
                             " is not one of the scheduler's timesteps");
  }
  // index_for_timestep: with a repeated timestep diffusers takes the second occurrence.
  int64_t index = matches[matches.size(0) > 1 ? 1 : 0][0].item<int64_t>();
  auto sigma = sigmas_.to(x0.device(), x0.scalar_type())[index];
  return x0 + noise * sigma;
}

}  // namespace hspace::schedulers
