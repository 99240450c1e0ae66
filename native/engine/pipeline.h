// The loaded model: every component of a diffusers pipeline folder (or a single component
// folder) that the engine supports, on one device and dtype.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "io/diffusers_folder.h"
#include "models/autoencoder_kl.h"
#include "models/clip_text.h"
#include "models/unet_2d_condition.h"
#include "schedulers/ddim.h"
#include "schedulers/scheduler.h"

namespace hspace::engine {

struct EngineOptions {
  torch::Device device = torch::kCPU;
  torch::Dtype dtype = torch::kFloat32;
  bool channels_last = false;  // the U-Net in NHWC memory
  bool reuse_cpu_blocks = true;  // engine/cpu_block_reuse.h, for the length of each extract or condition call
};

/// What `hspace info` shows about one component.
struct ComponentSummary {
  std::string name;
  std::string class_name;
  int64_t parameters = 0;            // from the weight file headers; 0 for weightless parts
  std::vector<std::string> dtypes;   // weight dtypes on disk
  bool loaded = false;               // the engine built and loaded it
};

class Pipeline {
 public:
  Pipeline(const std::filesystem::path& dir, EngineOptions options);

  const EngineOptions& options() const { return options_; }
  /// Architecture family derived from the configs ("SD 1.x", "SD 2.x", "SDXL", "CLIP text encoder", ...).
  const std::string& family() const { return family_; }
  const std::vector<ComponentSummary>& components() const { return summaries_; }
  /// Text encoder `index` (0: text_encoder, 1: text_encoder_2); throws naming the folder when absent.
  models::CLIPTextModel& text_encoder(int index);
  /// The U-Net and VAE; throw naming the folder when the model has none.
  models::UNet2DConditionModel& unet();
  models::AutoencoderKL& vae();
  /// A fresh scheduler from scheduler/scheduler_config.json; `override_name` ("ddim", "euler",
  /// "lcm", or "" for the model's own) builds that one from the same config.
  std::unique_ptr<schedulers::Scheduler> make_scheduler(const std::string& override_name) const;
  /// DDIMInverseScheduler.from_config of the same scheduler config (image inversion).
  schedulers::DDIMInverseScheduler make_inverse_scheduler() const;
  bool is_sdxl() const;
  /// model_index.json's force_zeros_for_empty_prompt; when absent, diffusers' default: true for
  /// SDXL (StableDiffusionXLPipeline's __init__), false otherwise.
  bool force_zeros_for_empty_prompt() const;
  /// 2^(number of VAE blocks - 1): pixels per latent cell.
  int64_t vae_scale_factor() const;
  /// unet sample_size x vae_scale_factor, the image size the model was trained at.
  int64_t default_size() const;
  const std::filesystem::path& dir() const { return folder_.dir(); }
  /// JSON for hs_engine_describe.
  std::string describe_json() const;

 private:
  io::DiffusersFolder folder_;
  EngineOptions options_;
  std::string family_;
  std::vector<ComponentSummary> summaries_;
  std::vector<models::CLIPTextModel> text_encoders_;
  models::UNet2DConditionModel unet_{nullptr};
  models::AutoencoderKL vae_{nullptr};
};

}  // namespace hspace::engine
