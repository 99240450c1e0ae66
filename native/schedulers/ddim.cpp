// ref: diffusers/schedulers/scheduling_ddim.py and scheduling_ddim_inverse.py (diffusers 0.35.2)
#include "schedulers/ddim.h"

#include <sstream>
#include <stdexcept>

namespace hspace::schedulers {
namespace {

DDIMConfig read_ddim_fields(io::ConfigReader& reader, const std::string& source_class,
                            const std::vector<std::string>& spacings) {
  DDIMConfig c;
  c.source_class = source_class;
  c.prediction_type = read_prediction_type(reader, {"epsilon", "sample", "v_prediction"});
  c.timestep_spacing = read_timestep_spacing(reader, "leading", spacings);
  c.steps_offset = reader.get_int("steps_offset", 0);
  c.clip_sample = reader.get_bool("clip_sample", true);
  c.clip_sample_range = reader.get_double("clip_sample_range", 1.0);
  c.set_alpha_to_one = reader.get_bool("set_alpha_to_one", true);
  return c;
}

std::string describe(const DDIMConfig& c, const TrainSchedule& s) {
  std::ostringstream out;
  out << "from " << c.source_class << " config: num_train_timesteps=" << s.num_train_timesteps
      << " prediction_type=" << prediction_type_name(c.prediction_type)
      << " timestep_spacing=" << timestep_spacing_name(c.timestep_spacing) << " steps_offset=" << c.steps_offset
      << " clip_sample=" << (c.clip_sample ? "true" : "false") << " set_alpha_to_one="
      << (c.set_alpha_to_one ? "true" : "false");
  return out.str();
}

// Step 3 of DDIM (formula 12 of the DDIM paper): x0 and the noise implied by the model output.
std::pair<torch::Tensor, torch::Tensor> predict_x0_and_epsilon(PredictionType type, const torch::Tensor& alpha_prod_t,
                                                               const torch::Tensor& model_output,
                                                               const torch::Tensor& sample) {
  auto beta_prod_t = 1 - alpha_prod_t;
  switch (type) {
    case PredictionType::Epsilon:
      return {(sample - beta_prod_t.pow(0.5) * model_output) / alpha_prod_t.pow(0.5), model_output};
    case PredictionType::Sample:
      return {model_output, (sample - alpha_prod_t.pow(0.5) * model_output) / beta_prod_t.pow(0.5)};
    case PredictionType::VPrediction:
      return {alpha_prod_t.pow(0.5) * sample - beta_prod_t.pow(0.5) * model_output,
              alpha_prod_t.pow(0.5) * model_output + beta_prod_t.pow(0.5) * sample};
  }
  throw std::logic_error("unreachable prediction type");
}

torch::Tensor check_timesteps(torch::Tensor timesteps, int64_t num_train_timesteps, const std::string& who) {
  int64_t lo = timesteps.min().item<int64_t>();
  int64_t hi = timesteps.max().item<int64_t>();
  if (lo < 0 || hi >= num_train_timesteps) {
    throw std::runtime_error(who + ": the timesteps reach " + std::to_string(lo < 0 ? lo : hi) +
                             ", outside the training range [0, " + std::to_string(num_train_timesteps) +
                             ") (steps_offset too large for this number of steps)");
  }
  return timesteps;
}

}  // namespace

DDIMScheduler::DDIMScheduler(const io::Json& config, const std::string& source)
    : Scheduler(TrainSchedule{}) {
  std::string cls = detail::source_class(config, source);
  io::ConfigReader reader(config, source);
  detail::ignore_foreign_fields(reader, "DDIMScheduler");
  schedule_ = TrainSchedule::read(reader, 0.0001, 0.02, "linear");
  config_ = read_ddim_fields(reader, cls, {"leading", "trailing", "linspace"});
  reject_thresholding(reader);
  reader.finish();
  // With set_alpha_to_one the last step lands on the clean sample (alpha product 1);
  // otherwise it stops at the alpha product of timestep 0.
  final_alpha_cumprod_ = config_.set_alpha_to_one ? torch::tensor(1.0f) : schedule_.alphas_cumprod[0];
}

std::string DDIMScheduler::name() const {
  if (config_.source_class == "DDIMScheduler") return "DDIMScheduler";
  return "DDIMScheduler (from " + config_.source_class + " config)";
}

std::string DDIMScheduler::summary() const { return name() + ": " + describe(config_, schedule_); }

void DDIMScheduler::set_timesteps(int64_t steps) {
  const int64_t T = schedule_.num_train_timesteps;
  check_steps(steps, T, name());
  std::vector<int64_t> t;
  switch (config_.timestep_spacing) {
    case TimestepSpacing::Linspace:
      for (double v : linspace_timesteps(steps, T)) t.push_back(static_cast<int64_t>(std::nearbyint(v)));
      break;
    case TimestepSpacing::Leading:
      for (double v : leading_timesteps(steps, T)) t.push_back(static_cast<int64_t>(v) + config_.steps_offset);
      break;
    case TimestepSpacing::Trailing:
      for (double v : trailing_timesteps(steps, T)) t.push_back(static_cast<int64_t>(v) - 1);
      break;
  }
  timesteps_ = check_timesteps(torch::tensor(t, torch::kInt64), T, name());
  num_inference_steps_ = steps;
}

StepOutput DDIMScheduler::step(const torch::Tensor& model_output, int64_t index, const torch::Tensor& sample,
                               const std::vector<at::Generator>& /*generators*/) const {
  check_index(index);
  const int64_t t = timesteps_[index].item<int64_t>();
  // diffusers steps back by T // n whatever the spacing (for linspace this is not the next
  // grid point; kept for parity).
  const int64_t prev_t = t - schedule_.num_train_timesteps / num_inference_steps_;
  auto alpha_prod_t = schedule_.alphas_cumprod[t];
  auto alpha_prod_t_prev = prev_t >= 0 ? schedule_.alphas_cumprod[prev_t] : final_alpha_cumprod_;

  auto [pred_x0, pred_epsilon] = predict_x0_and_epsilon(config_.prediction_type, alpha_prod_t, model_output, sample);
  if (config_.clip_sample) pred_x0 = pred_x0.clamp(-config_.clip_sample_range, config_.clip_sample_range);

  // eta = 0: the variance term std_dev_t is exactly 0, so the direction coefficient is
  // sqrt(1 - alpha_prev) and no noise is drawn.
  auto direction = (1 - alpha_prod_t_prev).pow(0.5) * pred_epsilon;
  auto prev_sample = alpha_prod_t_prev.pow(0.5) * pred_x0 + direction;
  return {prev_sample, pred_x0};
}

DDIMInverseScheduler::DDIMInverseScheduler(const io::Json& config, const std::string& source) {
  std::string cls = detail::source_class(config, source);
  io::ConfigReader reader(config, source);
  detail::ignore_foreign_fields(reader, "DDIMInverseScheduler");
  schedule_ = TrainSchedule::read(reader, 0.0001, 0.02, "linear");
  config_ = read_ddim_fields(reader, cls, {"leading", "trailing"});
  reader.finish();
  initial_alpha_cumprod_ = config_.set_alpha_to_one ? torch::tensor(1.0f) : schedule_.alphas_cumprod[0];
}

std::string DDIMInverseScheduler::summary() const {
  return "DDIMInverseScheduler: " + describe(config_, schedule_);
}

void DDIMInverseScheduler::set_timesteps(int64_t steps) {
  const int64_t T = schedule_.num_train_timesteps;
  check_steps(steps, T, "DDIMInverseScheduler");
  std::vector<int64_t> t;
  if (config_.timestep_spacing == TimestepSpacing::Leading) {
    for (double v : leading_timesteps(steps, T)) t.push_back(static_cast<int64_t>(v) + config_.steps_offset);
  } else {
    for (double v : trailing_timesteps(steps, T)) t.push_back(static_cast<int64_t>(v) - 1);
  }
  std::reverse(t.begin(), t.end());
  timesteps_ = check_timesteps(torch::tensor(t, torch::kInt64), T, "DDIMInverseScheduler");
  num_inference_steps_ = steps;
}

const torch::Tensor& DDIMInverseScheduler::timesteps() const {
  if (!timesteps_.defined()) throw std::runtime_error("DDIMInverseScheduler: set_timesteps must be called first");
  return timesteps_;
}

StepOutput DDIMInverseScheduler::step(const torch::Tensor& model_output, int64_t index,
                                      const torch::Tensor& sample) const {
  if (index < 0 || index >= timesteps().size(0)) {
    throw std::runtime_error("DDIMInverseScheduler: step index " + std::to_string(index) + " is outside the " +
                             std::to_string(timesteps_.size(0)) + " timesteps");
  }
  const int64_t T = schedule_.num_train_timesteps;
  // Moving from `from_t` (one grid point earlier) up to `to_t`.
  const int64_t to_t = timesteps_[index].item<int64_t>();
  const int64_t from_t = std::min(to_t - T / num_inference_steps_, T - 1);
  auto alpha_prod_t = from_t >= 0 ? schedule_.alphas_cumprod[from_t] : initial_alpha_cumprod_;
  auto alpha_prod_t_next = schedule_.alphas_cumprod[to_t];

  auto [pred_x0, pred_epsilon] = predict_x0_and_epsilon(config_.prediction_type, alpha_prod_t, model_output, sample);
  if (config_.clip_sample) pred_x0 = pred_x0.clamp(-config_.clip_sample_range, config_.clip_sample_range);
  auto direction = (1 - alpha_prod_t_next).pow(0.5) * pred_epsilon;
  auto next_sample = alpha_prod_t_next.pow(0.5) * pred_x0 + direction;
  return {next_sample, pred_x0};
}

}  // namespace hspace::schedulers
