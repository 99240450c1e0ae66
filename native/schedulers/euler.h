// ref: diffusers/schedulers/scheduling_euler_discrete.py (diffusers 0.35.2)
//
// Euler's method on the probability-flow ODE in sigma space (Karras et al. 2022, Algorithm 2
// with s_churn = 0, as every SD pipeline calls it), so it draws no noise.
#pragma once

#include <string>

#include "schedulers/scheduler.h"

namespace hspace::schedulers {

struct EulerConfig {
  std::string source_class;
  PredictionType prediction_type = PredictionType::Epsilon;
  TimestepSpacing timestep_spacing = TimestepSpacing::Linspace;
  int64_t steps_offset = 0;
  bool final_sigma_zero = true;  // final_sigmas_type "zero"; false: "sigma_min"
};

class EulerDiscreteScheduler : public Scheduler {
 public:
  /// Reads an EulerDiscreteScheduler config, or another known scheduler's config the way
  /// EulerDiscreteScheduler.from_config does. Karras / exponential / beta sigmas, log_linear
  /// interpolation and continuous v-prediction timesteps are not supported and fail by name.
  EulerDiscreteScheduler(const io::Json& config, const std::string& source);

  std::string name() const override;
  std::string summary() const override;
  void set_timesteps(int64_t steps) override;
  /// sqrt(sigma_max^2 + 1) for leading spacing, sigma_max otherwise (diffusers' rule).
  double init_noise_sigma() const override;
  torch::Tensor scale_model_input(const torch::Tensor& sample, int64_t index) const override;
  StepOutput step(const torch::Tensor& model_output, int64_t index, const torch::Tensor& sample,
                  const std::vector<at::Generator>& generators) const override;
  /// x0 + noise * sigma at training timestep `t`, which must be one of timesteps().
  torch::Tensor add_noise(const torch::Tensor& x0, const torch::Tensor& noise, int64_t t) const override;

  /// [steps + 1] float32 on the CPU; the last is the final sigma.
  const torch::Tensor& sigmas() const { return sigmas_; }
  const EulerConfig& config() const { return config_; }

 private:
  EulerConfig config_;
  torch::Tensor sigmas_;
};

}  // namespace hspace::schedulers
