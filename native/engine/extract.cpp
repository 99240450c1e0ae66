#include "engine/extract.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <numeric>
#include <stdexcept>

#include <c10/util/Exception.h>

#include "schedulers/noise.h"
#include "schedulers/scheduler.h"

namespace hspace::engine {
namespace {

struct Plan {
  int64_t height, width;                 // pixels
  int64_t latent_h, latent_w;
  bool cfg;                              // both branches in one batch
  bool lcm;                              // guidance enters as an embedding
  int64_t last_step;                     // last step that must run
  std::vector<int64_t> capture_slot;     // step index -> slot in the capture list, or -1
};

Plan make_plan(Pipeline& pipeline, const ExtractJob& job, int64_t num_train_timesteps) {
  Plan plan{};
  auto& unet = pipeline.unet();
  const auto& config = unet->config();
  if (job.steps < 1 || job.steps > num_train_timesteps) {
    throw std::runtime_error("steps must be between 1 and the scheduler's " + std::to_string(num_train_timesteps) +
                             " training steps (got " + std::to_string(job.steps) + ")");
  }
  if (!std::isfinite(job.guidance) || job.guidance < 0) {
    throw std::runtime_error("guidance must be a finite number >= 0 (got " + std::to_string(job.guidance) + ")");
  }
  if (job.item_prompts.empty() && job.seeds.empty()) throw std::runtime_error("no seeds given");
  if (job.item_prompts.size() != job.item_seeds.size()) throw std::runtime_error("items need one seed each");
  for (auto row : job.item_prompts) {
    if (row < 0 || row >= job.prompts.ids.size(0)) {
      throw std::runtime_error("item names prompt row " + std::to_string(row) + " of " + std::to_string(job.prompts.ids.size(0)));
    }
  }
  if (!job.prompts.ids.defined() || job.prompts.ids.size(0) == 0) throw std::runtime_error("no prompts given");
  plan.lcm = config.time_cond_proj_dim > 0;
  plan.cfg = job.guidance > 1.0 && !plan.lcm;
  if (job.branch != Branch::Cond && !plan.cfg) {
    throw std::runtime_error(std::string("the unconditional branch exists only with classifier-free guidance "
                                         "(guidance > 1 on a model without a guidance embedding); ") +
                             (plan.lcm ? "this model is LCM-distilled" : "guidance is " + std::to_string(job.guidance)));
  }
  const int64_t factor = pipeline.vae_scale_factor();
  plan.height = job.height > 0 ? job.height : pipeline.default_size();
  plan.width = job.width > 0 ? job.width : pipeline.default_size();
  // diffusers' check_inputs asks for multiples of 8 and the latent must be whole; the U-Net takes
  // any latent size (its up path follows the skip sizes), as diffusers' does.
  const int64_t multiple = std::lcm(int64_t{8}, factor);
  if (plan.height % multiple != 0 || plan.width % multiple != 0) {
    throw std::runtime_error("image size " + std::to_string(plan.width) + "x" + std::to_string(plan.height) +
                             " cannot be taken: width and height must be divisible by " + std::to_string(multiple) +
                             " (VAE factor " + std::to_string(factor) + ")");
  }
  plan.latent_h = plan.height / factor;
  plan.latent_w = plan.width / factor;
  plan.capture_slot.assign(job.steps, -1);
  int64_t previous = -1;
  for (size_t k = 0; k < job.capture_steps.size(); ++k) {
    int64_t s = job.capture_steps[k];
    if (s < 0 || s >= job.steps) {
      throw std::runtime_error("capture step " + std::to_string(s) + " is outside the " + std::to_string(job.steps) +
                               " steps (0-based)");
    }
    if (s <= previous) throw std::runtime_error("capture steps must be ascending and distinct");
    plan.capture_slot[s] = static_cast<int64_t>(k);
    previous = s;
  }
  if (job.capture_steps.empty() && !job.want_images) throw std::runtime_error("nothing to do: no capture steps and no images");
  plan.last_step = job.want_images ? job.steps - 1 : previous;
  return plan;
}

torch::Tensor pool(const torch::Tensor& h, Pooling pooling) {
  return pooling == Pooling::SpatialMean ? h.mean({2, 3}) : h;  // [B, C] or [B, C, h, w]
}

bool is_out_of_memory(const std::exception& e) {
  if (dynamic_cast<const std::bad_alloc*>(&e)) return true;
  if (dynamic_cast<const c10::OutOfMemoryError*>(&e)) return true;
  return false;
}

}  // namespace

ExtractOutput extract(Pipeline& pipeline, const ExtractJob& job) {
  torch::NoGradGuard no_grad;
  auto scheduler = pipeline.make_scheduler(job.scheduler);
  const Plan plan = make_plan(pipeline, job, scheduler->train_schedule().num_train_timesteps);
  scheduler->set_timesteps(job.steps);

  auto& unet = pipeline.unet();
  const auto& ucfg = unet->config();
  const auto device = pipeline.options().device;
  const auto dtype = pipeline.options().dtype;
  const int64_t P = job.prompts.ids.size(0);
  const int64_t S = static_cast<int64_t>(job.seeds.size());
  const int64_t K = static_cast<int64_t>(job.capture_steps.size());
  const bool grid = job.item_prompts.empty();
  std::vector<int64_t> item_prompt = job.item_prompts, item_seed = job.item_seeds;
  if (grid) {
    for (int64_t i = 0; i < P * S; ++i) {
      item_prompt.push_back(i / S);
      item_seed.push_back(job.seeds[i % S]);
    }
  }
  const int64_t items = static_cast<int64_t>(item_prompt.size());

  // Each distinct prompt is encoded once; batches pick their rows.
  TextConditioning cond = encode_prompts(pipeline, job.prompts);
  TextConditioning uncond;
  if (plan.cfg) {
    if (job.negative_is_empty && pipeline.force_zeros_for_empty_prompt()) {
      uncond = zeros_like(select_rows(cond, torch::zeros({1}, torch::kInt64)));
    } else {
      if (!job.negative.ids.defined()) throw std::runtime_error("negative prompt token ids missing");
      uncond = encode_prompts(pipeline, job.negative);
    }
  }

  ExtractOutput out;
  auto timesteps = scheduler->timesteps().to(torch::kFloat32);
  std::vector<int64_t> captured(job.capture_steps.begin(), job.capture_steps.end());
  out.timesteps = K > 0 ? timesteps.index_select(0, torch::tensor(captured, torch::kInt64)) : torch::empty({0});

  const bool want_cond = job.branch != Branch::Uncond;
  const bool want_uncond = job.branch != Branch::Cond;
  if (job.want_images) out.images = torch::empty({items, 3, plan.height, plan.width}, torch::kFloat32);

  int64_t batch = job.batch_size > 0 ? std::min(job.batch_size, items) : items;

  auto run_batch = [&](int64_t begin, int64_t n) {
    std::vector<at::Generator> generators;
    std::vector<int64_t> prompt_rows;
    for (int64_t i = begin; i < begin + n; ++i) {
      generators.push_back(schedulers::make_cpu_generator(static_cast<uint64_t>(item_seed[i])));
      prompt_rows.push_back(item_prompt[i]);
    }
    TextConditioning c = select_rows(cond, torch::tensor(prompt_rows, torch::kInt64));
    models::UNetConditioning extra;
    torch::Tensor context = c.context;
    if (plan.cfg) {
      auto zeros = torch::zeros({n}, torch::kInt64);
      TextConditioning u = select_rows(uncond, zeros);
      context = torch::cat({u.context, c.context});                                     // [2n, L, D]
      if (c.text_embeds.defined()) extra.text_embeds = torch::cat({u.text_embeds, c.text_embeds});
    } else if (c.text_embeds.defined()) {
      extra.text_embeds = c.text_embeds;
    }
    const int64_t rows = plan.cfg ? 2 * n : n;
    if (ucfg.text_time) extra.time_ids = sdxl_time_ids(rows, plan.height, plan.width, device, dtype);
    if (plan.lcm) extra.timestep_cond = guidance_scale_embedding(job.guidance, rows, ucfg.time_cond_proj_dim, device, dtype);

    // Latents live in the model dtype as in diffusers, whose fp16 noise stream differs from fp32's.
    auto latents = schedulers::initial_latents(generators, ucfg.in_channels, plan.latent_h, plan.latent_w,
                                               scheduler->init_noise_sigma(), dtype, device);  // [n, 4, h, w]
    auto record = [&](const torch::Tensor& mid, int64_t step) {
      int64_t slot = plan.capture_slot[step];
      if (slot < 0) return;
      auto h = pool(mid, job.pooling).to(torch::kCPU, torch::kFloat32);                  // [rows, C(, h, w)]
      // Sized from the first h: the U-Net's down path sets the spatial size (odd sizes round up).
      auto allocate = [&](torch::Tensor& t) {
        if (t.defined()) return;
        std::vector<int64_t> shape = {items, K};
        for (int64_t d = 1; d < h.dim(); ++d) shape.push_back(h.size(d));
        t = torch::empty(shape, torch::kFloat32);
      };
      if (want_cond) allocate(out.h);
      if (want_uncond) allocate(out.h_uncond);
      auto h_uncond = plan.cfg ? h.narrow(0, 0, n) : torch::Tensor();
      auto h_cond = plan.cfg ? h.narrow(0, n, n) : h;
      if (want_cond) out.h.narrow(0, begin, n).select(1, slot).copy_(h_cond);
      if (want_uncond) out.h_uncond.narrow(0, begin, n).select(1, slot).copy_(h_uncond);
    };
    for (int64_t step = 0; step <= plan.last_step; ++step) {
      auto t = scheduler->timesteps()[step];
      auto input = scheduler->scale_model_input(latents, step);
      if (plan.cfg) input = torch::cat({input, input});                                // [rows, 4, h, w]
      if (step == plan.last_step && !job.want_images) {
        record(unet->forward_to_mid(input, t.to(device), context, extra), step);          // h only: no up path
        break;
      }
      auto pred = unet->forward(input, t.to(device), context, extra);
      record(pred.mid, step);
      auto noise = pred.sample;                                                        // [rows, 4, h, w]
      if (plan.cfg) {
        auto parts = noise.chunk(2);
        noise = parts[0] + job.guidance * (parts[1] - parts[0]);                       // [n, 4, h, w]
      }
      latents = scheduler->step(noise, step, latents, generators).prev_sample;
    }
    if (job.want_images) {
      auto& vae = pipeline.vae();
      // Only the SDXL pipeline upcasts, and only from fp16 (needs_upcasting); SD 1.x/2.x decode
      // in the model dtype, and both denormalise in the decode dtype.
      const bool upcast = pipeline.is_sdxl() && dtype == torch::kFloat16 && vae->config().force_upcast;
      if (upcast) vae->to(torch::kFloat32);
      // Cast before unscaling, as diffusers divides the upcast latents.
      auto image = vae->decode(vae->unscale_latents(latents.to(upcast ? torch::kFloat32 : dtype)));  // [n, 3, H, W] in [-1, 1]
      if (upcast) vae->to(dtype);
      image = (image / 2 + 0.5).clamp(0, 1).to(torch::kCPU, torch::kFloat32);
      out.images.narrow(0, begin, n).copy_(image);
    }
  };

  for (int64_t begin = 0; begin < items;) {
    int64_t n = std::min(batch, items - begin);
    try {
      run_batch(begin, n);
      begin += n;
    } catch (const std::exception& e) {
      if (!is_out_of_memory(e)) throw;
      if (n == 1) {
        throw std::runtime_error(std::string("out of memory even with a batch of 1 item at ") + std::to_string(plan.width) +
                                 "x" + std::to_string(plan.height) + ": use a smaller size or another device (" + e.what() + ")");
      }
      batch = n / 2;  // the same items again, in halves
    }
  }

  auto reshape = [&](torch::Tensor t) {
    if (!t.defined() || !grid) return t;
    std::vector<int64_t> shape = {P, S};
    for (int64_t d = 1; d < t.dim(); ++d) shape.push_back(t.size(d));
    return t.view(shape);
  };
  out.h = reshape(out.h);
  out.h_uncond = reshape(out.h_uncond);
  out.images = reshape(out.images);
  return out;
}

}  // namespace hspace::engine
