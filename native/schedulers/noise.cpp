// ref: diffusers/utils/torch_utils.py (randn_tensor), pipelines' prepare_latents (0.35.2)
#include "schedulers/noise.h"

#include <ATen/CPUGeneratorImpl.h>

#include <stdexcept>
#include <string>

namespace hspace::schedulers {

at::Generator make_cpu_generator(uint64_t seed) {
  // manual_seed reseeds the mt19937 engine and clears the cached normal samples; a fresh
  // CPUGeneratorImpl built with the seed is in that same state.
  return at::make_generator<at::CPUGeneratorImpl>(seed);
}

torch::Tensor randn_per_item(at::IntArrayRef shape, const std::vector<at::Generator>& generators,
                             torch::Dtype dtype, torch::Device device) {
  if (shape.empty()) throw std::runtime_error("randn_per_item: the shape needs a batch dimension");
  auto cpu = torch::TensorOptions().dtype(dtype).device(torch::kCPU);
  const int64_t batch = shape[0];
  if (generators.size() == 1) return torch::randn(shape, generators[0], cpu).to(device);
  if (static_cast<int64_t>(generators.size()) != batch) {
    throw std::runtime_error("randn_per_item: " + std::to_string(generators.size()) + " generators for a batch of " +
                             std::to_string(batch) + " (need one per item, or one)");
  }
  std::vector<int64_t> row(shape.begin(), shape.end());
  row[0] = 1;
  std::vector<torch::Tensor> rows;
  rows.reserve(generators.size());
  for (const auto& generator : generators) rows.push_back(torch::randn(row, generator, cpu));
  return torch::cat(rows, /*dim=*/0).to(device);
}

torch::Tensor initial_latents(const std::vector<at::Generator>& generators, int64_t channels, int64_t height,
                              int64_t width, double init_noise_sigma, torch::Dtype dtype, torch::Device device) {
  auto batch = static_cast<int64_t>(generators.size());
  if (batch == 0) throw std::runtime_error("initial_latents: no generators (one per item is needed)");
  auto latents = randn_per_item({batch, channels, height, width}, generators, dtype, device);
  // diffusers multiplies by a Python 1.0 (DDIM, LCM) or by a 0-d float32 CPU tensor (Euler);
  // the two differ in half precision, so mirror the kind as well as the value.
  if (init_noise_sigma == 1.0) return latents;
  return latents * torch::scalar_tensor(init_noise_sigma, torch::kFloat32);
}

}  // namespace hspace::schedulers
