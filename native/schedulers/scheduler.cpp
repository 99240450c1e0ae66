// ref: diffusers/schedulers/scheduling_ddim.py (betas_for_alpha_bar, rescale_zero_terminal_snr,
// set_timesteps), diffusers/configuration_utils.py (from_config), diffusers 0.35.2.
#include "schedulers/scheduler.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "schedulers/ddim.h"
#include "schedulers/euler.h"
#include "schedulers/lcm.h"

namespace hspace::schedulers {
namespace {

// betas_for_alpha_bar with the "cosine" transform, in Python float (double) arithmetic, then
// torch.tensor(..., dtype=float32).
torch::Tensor cosine_betas(int64_t num_train_timesteps) {
  constexpr double kMaxBeta = 0.999;
  auto alpha_bar = [](double t) {
    double c = std::cos((t + 0.008) / 1.008 * M_PI / 2);
    return std::pow(c, 2.0);
  };
  std::vector<float> betas(static_cast<size_t>(num_train_timesteps));
  for (int64_t i = 0; i < num_train_timesteps; ++i) {
    double t1 = static_cast<double>(i) / static_cast<double>(num_train_timesteps);
    double t2 = static_cast<double>(i + 1) / static_cast<double>(num_train_timesteps);
    betas[static_cast<size_t>(i)] = static_cast<float>(std::min(1 - alpha_bar(t2) / alpha_bar(t1), kMaxBeta));
  }
  return torch::tensor(betas, torch::kFloat32);
}

// Algorithm 1 of "Common Diffusion Noise Schedules and Sample Steps are Flawed": shift and
// scale sqrt(alphas_cumprod) so the last one is exactly 0 (zero terminal SNR).
torch::Tensor rescale_zero_terminal_snr(const torch::Tensor& betas) {
  auto alphas = 1.0 - betas;
  auto alphas_bar_sqrt = torch::cumprod(alphas, /*dim=*/0).sqrt();
  auto first = alphas_bar_sqrt[0].clone();
  auto last = alphas_bar_sqrt[-1].clone();
  alphas_bar_sqrt -= last;
  alphas_bar_sqrt *= first / (first - last);
  auto alphas_bar = alphas_bar_sqrt.pow(2);
  auto rebuilt = torch::cat({alphas_bar.slice(0, 0, 1), alphas_bar.slice(0, 1) / alphas_bar.slice(0, 0, -1)});
  return 1 - rebuilt;
}

double np_round(double v) { return std::nearbyint(v); }  // numpy rounds half to even

// The __init__ arguments of each diffusers scheduler class this engine knows (0.35.2).
const std::map<std::string, std::vector<std::string>>& known_classes() {
  static const std::map<std::string, std::vector<std::string>> classes = {
      {"DDIMScheduler",
       {"num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "trained_betas", "clip_sample",
        "set_alpha_to_one", "steps_offset", "prediction_type", "thresholding", "dynamic_thresholding_ratio",
        "clip_sample_range", "sample_max_value", "timestep_spacing", "rescale_betas_zero_snr"}},
      {"DDIMInverseScheduler",
       {"num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "trained_betas", "clip_sample",
        "set_alpha_to_one", "steps_offset", "prediction_type", "clip_sample_range", "timestep_spacing",
        "rescale_betas_zero_snr"}},
      {"EulerDiscreteScheduler",
       {"num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "trained_betas", "prediction_type",
        "interpolation_type", "use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas", "sigma_min",
        "sigma_max", "timestep_spacing", "timestep_type", "steps_offset", "rescale_betas_zero_snr",
        "final_sigmas_type"}},
      {"LCMScheduler",
       {"num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "trained_betas",
        "original_inference_steps", "clip_sample", "clip_sample_range", "set_alpha_to_one", "steps_offset",
        "prediction_type", "thresholding", "dynamic_thresholding_ratio", "sample_max_value", "timestep_spacing",
        "timestep_scaling", "rescale_betas_zero_snr"}},
      {"PNDMScheduler",
       {"num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "trained_betas", "skip_prk_steps",
        "set_alpha_to_one", "prediction_type", "timestep_spacing", "steps_offset"}},
  };
  return classes;
}

}  // namespace

const char* prediction_type_name(PredictionType type) {
  switch (type) {
    case PredictionType::Epsilon: return "epsilon";
    case PredictionType::VPrediction: return "v_prediction";
    case PredictionType::Sample: return "sample";
  }
  return "?";
}

const char* timestep_spacing_name(TimestepSpacing spacing) {
  switch (spacing) {
    case TimestepSpacing::Leading: return "leading";
    case TimestepSpacing::Trailing: return "trailing";
    case TimestepSpacing::Linspace: return "linspace";
  }
  return "?";
}

TrainSchedule TrainSchedule::read(io::ConfigReader& reader, double default_beta_start, double default_beta_end,
                                  const std::string& default_beta_schedule) {
  TrainSchedule s;
  s.num_train_timesteps = reader.get_int("num_train_timesteps", 1000);
  if (s.num_train_timesteps < 1) {
    throw std::runtime_error(reader.where("num_train_timesteps") + " must be at least 1, got " +
                             std::to_string(s.num_train_timesteps));
  }
  double beta_start = reader.get_double("beta_start", default_beta_start);
  double beta_end = reader.get_double("beta_end", default_beta_end);
  std::string beta_schedule =
      reader.get_choice("beta_schedule", {"linear", "scaled_linear", "squaredcos_cap_v2"}, default_beta_schedule);
  const io::Json* trained = reader.raw("trained_betas");
  auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
  if (trained != nullptr && !trained->is_null()) {
    // Given betas replace the schedule (diffusers: torch.tensor(trained_betas, dtype=float32)).
    const auto& items = trained->as_array(reader.where("trained_betas"));
    if (static_cast<int64_t>(items.size()) != s.num_train_timesteps) {
      throw std::runtime_error(reader.where("trained_betas") + " holds " + std::to_string(items.size()) +
                               " values but num_train_timesteps is " + std::to_string(s.num_train_timesteps));
    }
    std::vector<float> values;
    values.reserve(items.size());
    for (const auto& item : items) values.push_back(static_cast<float>(item.as_double(reader.where("trained_betas"))));
    s.betas = torch::tensor(values, f32);
  } else if (beta_schedule == "linear") {
    s.betas = torch::linspace(beta_start, beta_end, s.num_train_timesteps, f32);
  } else if (beta_schedule == "scaled_linear") {
    // The latent diffusion schedule: linear in sqrt(beta).
    s.betas = torch::linspace(std::pow(beta_start, 0.5), std::pow(beta_end, 0.5), s.num_train_timesteps, f32).pow(2);
  } else {
    s.betas = cosine_betas(s.num_train_timesteps);
  }
  s.zero_terminal_snr = reader.get_bool("rescale_betas_zero_snr", false);
  if (s.zero_terminal_snr) s.betas = rescale_zero_terminal_snr(s.betas);
  s.alphas_cumprod = torch::cumprod(1.0 - s.betas, /*dim=*/0);
  return s;
}

PredictionType read_prediction_type(io::ConfigReader& reader, const std::vector<std::string>& allowed) {
  std::string value = reader.get_choice("prediction_type", allowed, "epsilon");
  if (value == "v_prediction") return PredictionType::VPrediction;
  if (value == "sample" || value == "original_sample") return PredictionType::Sample;
  return PredictionType::Epsilon;
}

TimestepSpacing read_timestep_spacing(io::ConfigReader& reader, const std::string& fallback,
                                      const std::vector<std::string>& allowed) {
  std::string value = reader.get_choice("timestep_spacing", allowed, fallback);
  if (value == "trailing") return TimestepSpacing::Trailing;
  if (value == "linspace") return TimestepSpacing::Linspace;
  return TimestepSpacing::Leading;
}

void reject_thresholding(io::ConfigReader& reader) {
  if (reader.get_bool("thresholding", false)) {
    throw std::runtime_error(reader.where("thresholding") +
                             " is true: dynamic thresholding (pixel-space models such as Imagen) is not supported");
  }
  reader.ignore({"dynamic_thresholding_ratio", "sample_max_value"});
}

void check_steps(int64_t steps, int64_t num_train_timesteps, const std::string& who) {
  if (steps < 1) {
    throw std::runtime_error(who + ": the number of inference steps must be at least 1, got " + std::to_string(steps));
  }
  if (steps > num_train_timesteps) {
    throw std::runtime_error(who + ": " + std::to_string(steps) +
                             " inference steps is more than the model's num_train_timesteps (" +
                             std::to_string(num_train_timesteps) + ")");
  }
}

std::vector<double> np_linspace(double start, double stop, int64_t num, bool endpoint) {
  std::vector<double> y(static_cast<size_t>(std::max<int64_t>(num, 0)));
  int64_t div = endpoint ? num - 1 : num;
  double delta = stop - start;
  double step = div > 0 ? delta / static_cast<double>(div) : 0.0;
  for (int64_t i = 0; i < num; ++i) {
    double v = div > 0 ? static_cast<double>(i) * step : static_cast<double>(i) * delta;
    y[static_cast<size_t>(i)] = v + start;
  }
  if (endpoint && num > 1) y.back() = stop;
  return y;
}

std::vector<double> leading_timesteps(int64_t steps, int64_t num_train_timesteps) {
  int64_t step_ratio = num_train_timesteps / steps;
  std::vector<double> t;
  for (int64_t i = steps - 1; i >= 0; --i) t.push_back(static_cast<double>(i * step_ratio));
  return t;
}

std::vector<double> trailing_timesteps(int64_t steps, int64_t num_train_timesteps) {
  // np.round(np.arange(T, 0, -T / steps)): numpy sizes the range as ceil((stop - start) / step)
  // and fills it as start + i * (second - start), which this reproduces to the bit.
  double start = static_cast<double>(num_train_timesteps);
  double step = -start / static_cast<double>(steps);
  auto length = static_cast<int64_t>(std::ceil((0.0 - start) / step));
  double delta = (start + step) - start;
  std::vector<double> t;
  for (int64_t i = 0; i < length; ++i) {
    double v = i == 0 ? start : (i == 1 ? start + step : start + static_cast<double>(i) * delta);
    t.push_back(np_round(v));
  }
  return t;
}

std::vector<double> linspace_timesteps(int64_t steps, int64_t num_train_timesteps) {
  auto t = np_linspace(0.0, static_cast<double>(num_train_timesteps - 1), steps, /*endpoint=*/true);
  std::reverse(t.begin(), t.end());
  return t;
}

const torch::Tensor& Scheduler::timesteps() const {
  if (!timesteps_.defined()) throw std::runtime_error(name() + ": set_timesteps must be called before sampling");
  return timesteps_;
}

double Scheduler::timestep(int64_t index) const {
  check_index(index);
  return timesteps_[index].item<double>();
}

void Scheduler::check_index(int64_t index) const {
  if (!timesteps_.defined()) throw std::runtime_error(name() + ": set_timesteps must be called before sampling");
  if (index < 0 || index >= timesteps_.size(0)) {
    throw std::runtime_error(name() + ": step index " + std::to_string(index) + " is outside the " +
                             std::to_string(timesteps_.size(0)) + " timesteps");
  }
}

torch::Tensor Scheduler::add_noise(const torch::Tensor& x0, const torch::Tensor& noise, int64_t t) const {
  if (t < 0 || t >= schedule_.num_train_timesteps) {
    throw std::runtime_error(name() + ": add_noise timestep " + std::to_string(t) + " is outside [0, " +
                             std::to_string(schedule_.num_train_timesteps) + ")");
  }
  // DDPM's add_noise: the cumulative alphas are cast to the sample's dtype before indexing.
  auto alpha_prod = schedule_.alphas_cumprod.to(x0.device(), x0.scalar_type())[t];
  return alpha_prod.pow(0.5) * x0 + (1 - alpha_prod).pow(0.5) * noise;
}

const std::vector<std::string>& scheduler_names() {
  static const std::vector<std::string> names = {"ddim", "euler", "lcm"};
  return names;
}

namespace detail {

const std::vector<std::string>& class_fields(const std::string& class_name) {
  static const std::vector<std::string> none;
  auto it = known_classes().find(class_name);
  return it == known_classes().end() ? none : it->second;
}

void ignore_foreign_fields(io::ConfigReader& reader, const std::string& target_class) {
  const auto& own = class_fields(target_class);
  std::vector<std::string> foreign;
  for (const auto& [cls, fields] : known_classes()) {
    for (const auto& f : fields) {
      if (std::find(own.begin(), own.end(), f) == own.end()) foreign.push_back(f);
    }
  }
  reader.ignore(foreign);
}

std::string source_class(const io::Json& config, const std::string& source) {
  const io::Json* cls = config.find("_class_name");
  if (cls == nullptr || !cls->is_string()) {
    throw std::runtime_error(source + ": no _class_name string naming the scheduler class");
  }
  const std::string& name = cls->as_string(source + ": _class_name");
  if (known_classes().count(name) == 0 || name == "DDIMInverseScheduler") {
    throw std::runtime_error(source + ": scheduler class '" + name +
                             "' is not supported (supported: DDIMScheduler, EulerDiscreteScheduler, LCMScheduler, "
                             "PNDMScheduler)");
  }
  return name;
}

}  // namespace detail

std::unique_ptr<Scheduler> make_scheduler(const io::Json& config, const std::string& source,
                                          const std::string& override_name) {
  std::string cls = detail::source_class(config, source);
  std::string target = override_name;
  if (target.empty()) {
    if (cls == "EulerDiscreteScheduler") target = "euler";
    else if (cls == "LCMScheduler") target = "lcm";
    else target = "ddim";  // DDIMScheduler, and PNDMScheduler (not implemented; see the header)
  }
  if (target == "ddim") return std::make_unique<DDIMScheduler>(config, source);
  if (target == "euler") return std::make_unique<EulerDiscreteScheduler>(config, source);
  if (target == "lcm") return std::make_unique<LCMScheduler>(config, source);
  std::string valid;
  for (const auto& n : scheduler_names()) valid += (valid.empty() ? "" : ", ") + n;
  throw std::runtime_error("unknown scheduler '" + override_name + "' (valid: " + valid + ")");
}

}  // namespace hspace::schedulers
