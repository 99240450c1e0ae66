// ref: diffusers/models/embeddings.py (get_timestep_embedding, Timesteps, TimestepEmbedding)
#include "models/embeddings.h"

#include <cmath>
#include <stdexcept>

namespace hspace::models {

torch::Tensor timestep_embedding(const torch::Tensor& timesteps, int64_t dim, bool flip_sin_to_cos,
                                 double downscale_freq_shift) {
  if (timesteps.dim() != 1) {
    throw std::runtime_error("timestep embedding: timesteps must be 1-D, got shape " +
                             c10::str(timesteps.sizes()));
  }
  constexpr double kMaxPeriod = 10000.0;
  const int64_t half = dim / 2;
  // Same ops in the same order as diffusers, in float32, so the embedding matches bit for bit.
  auto exponent = torch::arange(0, half, torch::dtype(torch::kFloat32).device(timesteps.device())) *
                  (-std::log(kMaxPeriod));                                    // [half]
  exponent = exponent / (static_cast<double>(half) - downscale_freq_shift);    // [half]
  auto emb = timesteps.unsqueeze(1).to(torch::kFloat32) * torch::exp(exponent).unsqueeze(0);  // [N, half]
  emb = torch::cat({torch::sin(emb), torch::cos(emb)}, /*dim=*/-1);           // [N, 2*half]
  if (flip_sin_to_cos) {
    emb = torch::cat({emb.slice(1, half), emb.slice(1, 0, half)}, /*dim=*/-1);  // [N, 2*half] cos first
  }
  if (dim % 2 == 1) emb = torch::constant_pad_nd(emb, {0, 1, 0, 0});           // [N, dim]
  return emb;
}

TimestepEmbeddingImpl::TimestepEmbeddingImpl(int64_t in_channels, int64_t time_embed_dim, int64_t cond_proj_dim) {
  linear_1_ = register_module("linear_1", torch::nn::Linear(in_channels, time_embed_dim));
  if (cond_proj_dim > 0) {
    cond_proj_ = register_module(
        "cond_proj", torch::nn::Linear(torch::nn::LinearOptions(cond_proj_dim, in_channels).bias(false)));
  }
  linear_2_ = register_module("linear_2", torch::nn::Linear(time_embed_dim, time_embed_dim));
}

torch::Tensor TimestepEmbeddingImpl::forward(const torch::Tensor& sample, const torch::Tensor& condition) {
  auto x = sample;                                                   // [N, in]
  if (condition.defined()) {
    if (cond_proj_.is_empty()) {
      throw std::runtime_error("time_embedding: a timestep condition was given but the model has no cond_proj "
                               "(its config sets no time_cond_proj_dim)");
    }
    x = x + cond_proj_->forward(condition);                          // [N, in]
  }
  x = torch::silu(linear_1_->forward(x));                            // [N, time_embed_dim]
  return linear_2_->forward(x);                                      // [N, time_embed_dim]
}

}  // namespace hspace::models
