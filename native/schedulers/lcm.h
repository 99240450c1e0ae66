// ref: diffusers/schedulers/scheduling_lcm.py (diffusers 0.35.2)
//
// Multi-step latent consistency sampling: each step maps the sample to its denoised estimate
// through the consistency boundary condition, then re-noises it to the next timestep with
// fresh noise from each item's generator (not after the last step).
#pragma once

#include <string>

#include "schedulers/scheduler.h"

namespace hspace::schedulers {

struct LCMConfig {
  std::string source_class;
  PredictionType prediction_type = PredictionType::Epsilon;
  int64_t original_inference_steps = 50;  // the distillation schedule's length
  double timestep_scaling = 10.0;
  bool clip_sample = false;
  double clip_sample_range = 1.0;
  bool set_alpha_to_one = true;
};

class LCMScheduler : public Scheduler {
 public:
  /// Reads an LCMScheduler config, or another known scheduler's config the way
  /// LCMScheduler.from_config does. timestep_spacing and steps_offset exist in LCM configs but
  /// do not affect its schedule; thresholding fails by name.
  LCMScheduler(const io::Json& config, const std::string& source);

  std::string name() const override;
  std::string summary() const override;
  /// Fails when steps exceeds original_inference_steps (the schedule is a subset of it).
  void set_timesteps(int64_t steps) override;
  /// pred_original_sample is the denoised sample (diffusers' `denoised`). Except at the last
  /// step, draws noise shaped like one row of model_output from each generator in row order
  /// (one generator may serve the whole batch), on the CPU in the sample's dtype.
  StepOutput step(const torch::Tensor& model_output, int64_t index, const torch::Tensor& sample,
                  const std::vector<at::Generator>& generators) const override;

  const LCMConfig& config() const { return config_; }

 private:
  LCMConfig config_;
  torch::Tensor final_alpha_cumprod_;
};

}  // namespace hspace::schedulers
