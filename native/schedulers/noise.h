// ref: diffusers/utils/torch_utils.py (randn_tensor) and the pipelines' prepare_latents
// (diffusers 0.35.2)
//
// Per-item noise, drawn exactly as a diffusers pipeline given a list of
// torch.Generator("cpu").manual_seed(seed) draws it: each batch row from its own CPU
// generator, with the shape of one row, then moved to the device. The same generator keeps
// serving the item's later draws (LCM between steps), so the stream stays in diffusers' order.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/torch.h>

namespace hspace::schedulers {

/// A CPU generator in the state torch.Generator("cpu").manual_seed(seed) leaves it (the seed
/// as torch reads a Python int: taken modulo 2^64).
at::Generator make_cpu_generator(uint64_t seed);

/// diffusers' randn_tensor with CPU generators: `shape` is the batch shape; with one generator
/// the whole batch is one draw, with one per row each row [1, ...] is drawn from its own.
/// Other counts fail.
torch::Tensor randn_per_item(at::IntArrayRef shape, const std::vector<at::Generator>& generators,
                             torch::Dtype dtype, torch::Device device);

/// prepare_latents: the initial latent [B, C, H, W] of B items, one generator each, scaled by
/// the scheduler's init_noise_sigma.
torch::Tensor initial_latents(const std::vector<at::Generator>& generators, int64_t channels, int64_t height,
                              int64_t width, double init_noise_sigma, torch::Dtype dtype, torch::Device device);

}  // namespace hspace::schedulers
