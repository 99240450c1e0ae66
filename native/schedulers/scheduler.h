// ref: diffusers/schedulers/scheduling_ddim.py (betas, rescale_zero_terminal_snr, timestep
// spacing), diffusers/configuration_utils.py (from_config), diffusers 0.35.2.
//
// What the DDIM, Euler and LCM schedulers share: the training noise schedule built from
// scheduler_config.json, the interface the sampler drives, and the factory.
//
// Every scheduler is stateless after set_timesteps: step() and scale_model_input() take the
// index of the step in timesteps() rather than the timestep value. diffusers' Euler and LCM
// keep a private step counter found from the timestep value on the first call; passing the
// index is the same for a full run and lets one scheduler serve any number of batches.
//
// Arithmetic mirrors diffusers op for op (float32 0-d tensors on the CPU for the
// coefficients, torch's pow / sqrt choices), so fp32 results agree to the last bit or close.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "io/config.h"
#include "io/json.h"

namespace hspace::schedulers {

enum class PredictionType { Epsilon, VPrediction, Sample };
enum class TimestepSpacing { Leading, Trailing, Linspace };

const char* prediction_type_name(PredictionType type);
const char* timestep_spacing_name(TimestepSpacing spacing);

/// The training-time noise schedule: betas and their cumulative alpha products (float32, CPU),
/// exactly as diffusers' scheduler constructors compute them.
struct TrainSchedule {
  int64_t num_train_timesteps = 1000;
  torch::Tensor betas;           // [T] float32
  torch::Tensor alphas_cumprod;  // [T] float32
  bool zero_terminal_snr = false;  // rescale_betas_zero_snr: alphas_cumprod ends at exactly 0

  /// Reads num_train_timesteps, beta_start, beta_end, beta_schedule (linear, scaled_linear,
  /// squaredcos_cap_v2), trained_betas and rescale_betas_zero_snr; the defaults are the
  /// scheduler class's own (diffusers fills absent fields from the target class).
  static TrainSchedule read(io::ConfigReader& reader, double default_beta_start, double default_beta_end,
                            const std::string& default_beta_schedule);
};

/// The fields every scheduler here reads in the same way.
PredictionType read_prediction_type(io::ConfigReader& reader, const std::vector<std::string>& allowed);
TimestepSpacing read_timestep_spacing(io::ConfigReader& reader, const std::string& fallback,
                                      const std::vector<std::string>& allowed);
/// `thresholding: true` (Imagen's dynamic thresholding) is not supported; its two parameters
/// only matter with it and are ignored.
void reject_thresholding(io::ConfigReader& reader);

/// Fails unless 1 <= steps <= num_train_timesteps; `who` names the scheduler.
void check_steps(int64_t steps, int64_t num_train_timesteps, const std::string& who);

/// diffusers' training timestep grids for `steps` inference steps, computed as numpy does
/// (float64 arithmetic, round-half-to-even). Values are descending and not yet offset.
std::vector<double> leading_timesteps(int64_t steps, int64_t num_train_timesteps);
std::vector<double> trailing_timesteps(int64_t steps, int64_t num_train_timesteps);  // before "- 1"
std::vector<double> linspace_timesteps(int64_t steps, int64_t num_train_timesteps);  // unrounded
/// numpy.linspace(start, stop, num, endpoint) in float64.
std::vector<double> np_linspace(double start, double stop, int64_t num, bool endpoint);

struct StepOutput {
  torch::Tensor prev_sample;           // the sample for the next step
  torch::Tensor pred_original_sample;  // x0 as predicted at this step (LCM: the denoised sample)
};

class Scheduler {
 public:
  virtual ~Scheduler() = default;

  /// "DDIMScheduler", "EulerDiscreteScheduler", "LCMScheduler".
  virtual std::string name() const = 0;
  /// The config the scheduler was built from and anything derived from it, in one line.
  virtual std::string summary() const = 0;

  /// Fails naming the scheduler when steps is 0, negative or above num_train_timesteps (or,
  /// for LCM, above original_inference_steps).
  virtual void set_timesteps(int64_t steps) = 0;
  int64_t num_inference_steps() const { return num_inference_steps_; }
  /// [steps], descending, in diffusers' dtype: int64 for DDIM and LCM, float32 for Euler.
  const torch::Tensor& timesteps() const;
  /// Timestep `index` as the U-Net receives it.
  double timestep(int64_t index) const;

  /// The factor diffusers multiplies the initial noise by (float32 value).
  virtual double init_noise_sigma() const { return 1.0; }
  /// The U-Net input at step `index` (Euler divides by sqrt(sigma^2 + 1); others return sample).
  virtual torch::Tensor scale_model_input(const torch::Tensor& sample, int64_t index) const { return sample; }
  /// One denoising step at step `index`. `generators` holds one CPU generator per batch row
  /// (or one for the whole batch); only schedulers that draw noise (LCM) use it, drawing in
  /// diffusers' order on the CPU and moving the noise to the sample's device.
  virtual StepOutput step(const torch::Tensor& model_output, int64_t index, const torch::Tensor& sample,
                          const std::vector<at::Generator>& generators) const = 0;
  /// Forward diffusion of x0 to training timestep `t` with `noise`.
  virtual torch::Tensor add_noise(const torch::Tensor& x0, const torch::Tensor& noise, int64_t t) const;

  const TrainSchedule& train_schedule() const { return schedule_; }

 protected:
  explicit Scheduler(TrainSchedule schedule) : schedule_(std::move(schedule)) {}
  void check_index(int64_t index) const;

  TrainSchedule schedule_;
  torch::Tensor timesteps_;
  int64_t num_inference_steps_ = 0;
};

/// Names accepted by make_scheduler's `override_name` (--scheduler).
const std::vector<std::string>& scheduler_names();

/// Builds the scheduler a pipeline's scheduler/scheduler_config.json names (`source` names the
/// file in errors). `override_name` ("ddim", "euler", "lcm"; empty for none) builds that
/// scheduler from the same config instead, as `XScheduler.from_config(pipe.scheduler.config)`
/// does: fields the target class defines are read, absent ones take the target's defaults,
/// and fields that belong only to another known scheduler class are ignored.
///
/// Supported classes: DDIMScheduler, EulerDiscreteScheduler, LCMScheduler, and
/// PNDMScheduler (SD 1.x ships it). PNDM itself is not implemented: without an override a
/// PNDM config builds a DDIMScheduler from its fields (what diffusers users do with
/// `DDIMScheduler.from_config`), and name() says so. Any other class fails, naming it.
std::unique_ptr<Scheduler> make_scheduler(const io::Json& config, const std::string& source,
                                          const std::string& override_name = "");

namespace detail {
/// The fields a diffusers scheduler class takes (its __init__ arguments); empty for unknown.
const std::vector<std::string>& class_fields(const std::string& class_name);
/// Tells `reader` to ignore every field of the other known scheduler classes that
/// `target_class` does not define (diffusers' from_config drops them too).
void ignore_foreign_fields(io::ConfigReader& reader, const std::string& target_class);
/// The config's _class_name, required to be a known scheduler class.
std::string source_class(const io::Json& config, const std::string& source);
}  // namespace detail

}  // namespace hspace::schedulers
