// ref: diffusers/pipelines/stable_diffusion/pipeline_stable_diffusion.py (__call__) and
// stable_diffusion_xl/pipeline_stable_diffusion_xl.py (__call__): the denoising loop.
//
// Batched sampling of prompts x seeds with classifier-free guidance (both branches in one
// U-Net batch), recording the mid-block output h at the steps a capture plan names. When no
// image is wanted the loop stops after the last captured step, which runs only the down path
// and the mid-block. Steering adds alpha * d to h at chosen steps, through the U-Net's
// mid-block hook, so the up path and the rest of sampling see the steered h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "engine/conditioning.h"
#include "engine/pipeline.h"

namespace hspace::engine {

enum class Branch { Cond, Uncond, Both };
enum class Pooling { None, SpatialMean };

struct ExtractJob {
  TokenIds prompts;                 // [P, L] (and [P, L] for tokenizer_2)
  TokenIds negative;                // [1, L]; undefined ids: the empty prompt zeroed (SDXL)
  bool negative_is_empty = true;
  std::vector<int64_t> seeds;       // the grid: every prompt with every seed, prompt-major
  std::vector<int64_t> item_prompts;  // or explicit items (prompt row, seed); then seeds is unused
  std::vector<int64_t> item_seeds;
  int64_t steps = 0;
  double guidance = 7.5;
  int64_t width = 0, height = 0;    // 0: the model's default
  std::string scheduler;            // "" (the model's), "ddim", "euler", "lcm"
  std::vector<int64_t> capture_steps;
  Branch branch = Branch::Cond;
  Pooling pooling = Pooling::None;
  bool want_images = false;
  int64_t batch_size = 0;           // items per U-Net batch; 0: all
  // Steering: h + alpha_i * d at the steered steps, in steer_branch's CFG branch(es); empty alphas: none.
  torch::Tensor steer_direction;     // float32 [C*H'*W'] (one item's h) or [C], flat
  std::vector<double> steer_alphas;  // one per item (grid order or items order)
  std::vector<int64_t> steer_steps;  // 0-based; empty: every step
  Branch steer_branch = Branch::Both;
};

struct ExtractOutput {
  torch::Tensor h;          // [P, S, K, C, h, w] or [P, S, K, C] ([N, ...] for items), float32 CPU
  torch::Tensor h_uncond;   // same, when asked
  torch::Tensor timesteps;  // [K] float32
  torch::Tensor images;     // [P, S, 3, H, W] in [0, 1], when asked
};

/// h [B, C, h, w] as asked: itself, or its spatial mean [B, C].
torch::Tensor pool(const torch::Tensor& h, Pooling pooling);

/// Runs the job; throws naming the setting at fault (steps, guidance, size, capture plan, steering).
ExtractOutput extract(Pipeline& pipeline, const ExtractJob& job);

}  // namespace hspace::engine
