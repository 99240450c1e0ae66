// ref: diffusers/pipelines/stable_diffusion/pipeline_stable_diffusion_img2img.py (prepare_latents:
// VAE encode, scaling, add_noise) and schedulers/scheduling_ddim_inverse.py (DDIM inversion, as
// the DiffEdit and pix2pix-zero pipelines run it), diffusers 0.35.2.
//
// Image conditioning: h of external images. Each image is VAE-encoded (the latent
// distribution's mean, deterministic), brought to the timestep of step k either by the
// scheduler's add_noise or by DDIM inversion with the prompt (conditional branch, guidance 1),
// and read by one U-Net down + mid pass at that timestep with the prompt's conditioning.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "engine/conditioning.h"
#include "engine/extract.h"
#include "engine/pipeline.h"

namespace hspace::engine {

enum class ConditionMode { Noise, Invert };

struct ConditionJob {
  torch::Tensor images;         // [N, 3, H, W] float32 RGB in [0, 1]
  TokenIds prompt;              // [1, L] (and [1, L] for tokenizer_2)
  std::string scheduler;        // noise mode: "" (the model's), "ddim", "euler", "lcm"; invert: "" or "ddim"
  int64_t steps = 0;            // the schedule's length
  int64_t step = 0;             // 0-based index k of the step whose timestep h is read at
  ConditionMode mode = ConditionMode::Noise;
  std::vector<int64_t> seeds;   // noise mode: one per image
  Pooling pooling = Pooling::None;
  int64_t batch_size = 0;       // images per batch; 0: all
};

struct ConditionOutput {
  torch::Tensor h;          // [N, C, H', W'] or [N, C], float32 CPU
  torch::Tensor timesteps;  // [1] the timestep of step k
};

/// Runs the job; throws naming the field at fault (images, size, step, seeds, mode, VAE).
ConditionOutput condition(Pipeline& pipeline, const ConditionJob& job);

}  // namespace hspace::engine
