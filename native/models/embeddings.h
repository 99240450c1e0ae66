// ref: diffusers/models/embeddings.py (get_timestep_embedding, Timesteps, TimestepEmbedding)
//
// The U-Net's time embedding: a sinusoidal projection of the timestep (no weights) followed by
// an MLP, with LCM's optional guidance condition (cond_proj) and SDXL's text_time addition
// built from the same two parts.
#pragma once

#include <cstdint>

#include <torch/torch.h>

namespace hspace::models {

/// diffusers' get_timestep_embedding with scale 1 and max_period 10000: `timesteps` [N] (any
/// real or integer dtype) -> [N, dim] float32, the sin half first unless flip_sin_to_cos.
torch::Tensor timestep_embedding(const torch::Tensor& timesteps, int64_t dim, bool flip_sin_to_cos,
                                 double downscale_freq_shift);

/// diffusers' Timesteps module: the projection above with fixed settings (it has no weights).
struct Timesteps {
  int64_t num_channels = 0;
  bool flip_sin_to_cos = true;
  double downscale_freq_shift = 0;
  torch::Tensor operator()(const torch::Tensor& timesteps) const {
    return timestep_embedding(timesteps, num_channels, flip_sin_to_cos, downscale_freq_shift);
  }
};

/// linear_1 -> SiLU -> linear_2; with cond_proj_dim, `condition` [N, cond_proj_dim] is projected
/// (no bias) and added to the input first (LCM's guidance-scale embedding).
class TimestepEmbeddingImpl : public torch::nn::Module {
 public:
  TimestepEmbeddingImpl(int64_t in_channels, int64_t time_embed_dim, int64_t cond_proj_dim = 0);
  torch::Tensor forward(const torch::Tensor& sample, const torch::Tensor& condition = {});
  bool has_cond_proj() const { return !cond_proj_.is_empty(); }

 private:
  torch::nn::Linear linear_1_{nullptr};
  torch::nn::Linear linear_2_{nullptr};
  torch::nn::Linear cond_proj_{nullptr};
};
TORCH_MODULE(TimestepEmbedding);

}  // namespace hspace::models
