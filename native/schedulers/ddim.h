// ref: diffusers/schedulers/scheduling_ddim.py and scheduling_ddim_inverse.py (diffusers 0.35.2)
//
// DDIM sampling with eta = 0 (the deterministic sampler every SD pipeline uses by default),
// and DDIM inversion, which runs the same update from x0 towards noise for image conditioning.
#pragma once

#include <string>

#include "schedulers/scheduler.h"

namespace hspace::schedulers {

/// The DDIM fields both directions read the same way.
struct DDIMConfig {
  std::string source_class;  // the config's _class_name (PNDMScheduler for SD 1.x)
  PredictionType prediction_type = PredictionType::Epsilon;
  TimestepSpacing timestep_spacing = TimestepSpacing::Leading;
  int64_t steps_offset = 0;
  bool clip_sample = true;
  double clip_sample_range = 1.0;
  bool set_alpha_to_one = true;
};

class DDIMScheduler : public Scheduler {
 public:
  /// Reads a DDIMScheduler config, or another known scheduler's config the way
  /// DDIMScheduler.from_config does. Unsupported values fail naming the field.
  DDIMScheduler(const io::Json& config, const std::string& source);

  std::string name() const override;
  std::string summary() const override;
  void set_timesteps(int64_t steps) override;
  StepOutput step(const torch::Tensor& model_output, int64_t index, const torch::Tensor& sample,
                  const std::vector<at::Generator>& generators) const override;

  const DDIMConfig& config() const { return config_; }

 private:
  DDIMConfig config_;
  torch::Tensor final_alpha_cumprod_;  // alpha product "before" timestep 0
};

/// DDIMInverseScheduler: timesteps ascend, and each step moves the sample from the previous
/// grid point (x0 at the start) to the current timestep, which is the timestep the U-Net sees.
/// Run with the DDIM config of the same pipeline it undoes DDIM sampling: an exact noise
/// prediction brings the inverted latent back to x0.
class DDIMInverseScheduler {
 public:
  /// Reads the config as DDIMInverseScheduler.from_config does (only leading and trailing
  /// spacing exist for it).
  DDIMInverseScheduler(const io::Json& config, const std::string& source);

  std::string summary() const;
  void set_timesteps(int64_t steps);
  /// [steps] int64, ascending.
  const torch::Tensor& timesteps() const;
  int64_t num_inference_steps() const { return num_inference_steps_; }
  /// Moves `sample` one grid point towards noise; `model_output` is the U-Net's prediction at
  /// timesteps()[index].
  StepOutput step(const torch::Tensor& model_output, int64_t index, const torch::Tensor& sample) const;

  const DDIMConfig& config() const { return config_; }
  const TrainSchedule& train_schedule() const { return schedule_; }

 private:
  DDIMConfig config_;
  TrainSchedule schedule_;
  torch::Tensor initial_alpha_cumprod_;
  torch::Tensor timesteps_;
  int64_t num_inference_steps_ = 0;
};

}  // namespace hspace::schedulers
