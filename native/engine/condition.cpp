#include "engine/condition.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "engine/cpu_block_reuse.h"
#include "schedulers/noise.h"

namespace hspace::engine {
namespace {

void check_job(Pipeline& pipeline, const ConditionJob& job) {
  if (!job.images.defined() || job.images.dim() != 4 || job.images.size(1) != 3) {
    throw std::runtime_error("condition: images must be [N, 3, height, width] RGB" +
                             (job.images.defined() ? " (got " + c10::str(job.images.sizes()) + ")" : std::string()));
  }
  if (job.images.size(0) == 0) throw std::runtime_error("condition: num_images is 0: no images to condition on");
  const int64_t factor = pipeline.vae_scale_factor();
  const int64_t height = job.images.size(2), width = job.images.size(3);
  if (height <= 0 || width <= 0 || height % factor != 0 || width % factor != 0) {
    throw std::runtime_error("condition: image size (width x height) " + std::to_string(width) + "x" +
                             std::to_string(height) + " cannot be encoded: both must be positive multiples of the VAE factor " +
                             std::to_string(factor));
  }
  auto finite = torch::isfinite(job.images);
  if (!finite.all().item<bool>()) {
    int64_t at = (~finite).reshape({-1}).nonzero()[0][0].item<int64_t>();
    throw std::runtime_error("condition: images value " + std::to_string(at) + " (image " +
                             std::to_string(at / (3 * height * width)) + ") is not finite");
  }
  auto outside = (job.images < 0).logical_or(job.images > 1);
  if (outside.any().item<bool>()) {
    int64_t at = outside.reshape({-1}).nonzero()[0][0].item<int64_t>();
    throw std::runtime_error("condition: images value " + std::to_string(at) + " (image " +
                             std::to_string(at / (3 * height * width)) + ") is " +
                             std::to_string(job.images.reshape({-1})[at].item<double>()) + ", outside [0, 1]");
  }
  if (!job.prompt.ids.defined() || job.prompt.ids.size(0) != 1) {
    throw std::runtime_error("condition: prompt_ids must be one row [1, token_length] (tokenize \"\" for no prompt)");
  }
  if (job.steps < 1) throw std::runtime_error("condition: steps must be >= 1 (got " + std::to_string(job.steps) + ")");
  if (job.step < 0 || job.step >= job.steps) {
    throw std::runtime_error("condition: step " + std::to_string(job.step) + " is outside the " + std::to_string(job.steps) +
                             " steps (0-based)");
  }
  if (job.mode == ConditionMode::Noise && static_cast<int64_t>(job.seeds.size()) != job.images.size(0)) {
    throw std::runtime_error("condition: seeds has " + std::to_string(job.seeds.size()) + " values for " +
                             std::to_string(job.images.size(0)) + " images (noise mode needs one per image)");
  }
  if (job.mode == ConditionMode::Invert && !job.scheduler.empty() && job.scheduler != "ddim") {
    throw std::runtime_error("condition: scheduler " + job.scheduler + " cannot invert: invert mode runs DDIM inversion "
                             "(use the model's scheduler or ddim)");
  }
}

models::AutoencoderKL& vae_with_encoder(Pipeline& pipeline) {
  try {
    return pipeline.vae();
  } catch (const std::runtime_error&) {
    throw std::runtime_error("condition: " + pipeline.dir().string() +
                             ": the model has no vae component, whose encoder image conditioning needs");
  }
}

}  // namespace

ConditionOutput condition(Pipeline& pipeline, const ConditionJob& job) {
  torch::NoGradGuard no_grad;
  CpuBlockReuse reuse(pipeline.options().reuse_cpu_blocks);
  auto& vae = vae_with_encoder(pipeline);
  auto& unet = pipeline.unet();
  models::ForgetContextAtExit forget(unet);
  check_job(pipeline, job);
  const auto device = pipeline.options().device;
  const auto dtype = pipeline.options().dtype;
  const int64_t N = job.images.size(0), height = job.images.size(2), width = job.images.size(3);

  // The timestep of step k, and what brings a clean latent there.
  std::unique_ptr<schedulers::Scheduler> scheduler;
  std::optional<schedulers::DDIMInverseScheduler> inverse;
  torch::Tensor t;                       // 0-d, in the scheduler's dtype
  int64_t inverse_steps = 0;             // inversion steps: up to and including t
  if (job.mode == ConditionMode::Noise) {
    scheduler = pipeline.make_scheduler(job.scheduler);
    scheduler->set_timesteps(job.steps);
    t = scheduler->timesteps()[job.step];
  } else {
    inverse.emplace(pipeline.make_inverse_scheduler());
    inverse->set_timesteps(job.steps);
    // Inverse timesteps ascend: step k of sampling is entry steps-1-k.
    inverse_steps = job.steps - job.step;
    t = inverse->timesteps()[inverse_steps - 1];
  }

  TextConditioning text = encode_prompts(pipeline, job.prompt);
  ConditionOutput out;
  out.timesteps = t.to(torch::kFloat32).reshape({1});
  const int64_t batch = job.batch_size > 0 ? std::min(job.batch_size, N) : N;
  for (int64_t begin = 0; begin < N; begin += batch) {
    const int64_t n = std::min(batch, N - begin);
    auto rows = torch::zeros({n}, torch::kInt64);
    TextConditioning c = select_rows(text, rows);
    models::UNetConditioning extra = unet_conditioning(pipeline, c.text_embeds, n, height, width, /*guidance=*/1.0);

    auto pixels = job.images.narrow(0, begin, n).to(device, dtype) * 2 - 1;          // [n, 3, H, W] in [-1, 1]
    auto latents = vae->scale_latents(vae->encode(pixels).mean);                      // [n, 4, H/f, W/f]
    if (job.mode == ConditionMode::Noise) {
      std::vector<at::Generator> generators;
      for (int64_t i = begin; i < begin + n; ++i) {
        generators.push_back(schedulers::make_cpu_generator(static_cast<uint64_t>(job.seeds[i])));
      }
      auto noise = schedulers::randn_per_item(latents.sizes(), generators, dtype, device);  // [n, 4, h, w]
      latents = scheduler->add_noise(latents, noise, t.item<int64_t>());
      latents = scheduler->scale_model_input(latents, job.step);
    } else {
      for (int64_t j = 0; j < inverse_steps; ++j) {
        auto tj = inverse->timesteps()[j];
        auto noise = unet->forward(latents, tj.to(device), c.context, extra).sample;  // [n, 4, h, w]
        latents = inverse->step(noise, j, latents).prev_sample;
      }
    }
    auto h = unet->forward_to_mid(latents, t.to(device), c.context, extra);          // [n, C, H', W']
    h = pool(h, job.pooling).to(torch::kCPU, torch::kFloat32);
    if (!out.h.defined()) {
      std::vector<int64_t> shape = {N};
      for (int64_t d = 1; d < h.dim(); ++d) shape.push_back(h.size(d));
      out.h = torch::empty(shape, torch::kFloat32);
    }
    out.h.narrow(0, begin, n).copy_(h);
  }
  return out;
}

}  // namespace hspace::engine
