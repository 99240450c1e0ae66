#include "engine/extract.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <numeric>
#include <stdexcept>

#include <c10/util/Exception.h>

#include "engine/cpu_block_reuse.h"
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
  std::vector<bool> steer_at;            // step index -> steered; empty: no steering
  torch::Tensor direction;               // [1, C, H', W'] or [1, C, 1, 1] float32, when steering
};

std::string value_name(double v) { return std::isnan(v) ? "NaN" : v > 0 ? "+inf" : "-inf"; }

// The mid-block's h is [C, H', W'] for one item: every down block but the last halves the latent
// (a stride-2 convolution with padding 1, so odd sizes round up).
void plan_steering(Plan& plan, Pipeline& pipeline, const ExtractJob& job, int64_t items) {
  if (job.steer_alphas.empty()) return;
  const auto& config = pipeline.unet()->config();
  if (!job.want_images) {
    throw std::runtime_error("steering needs want_images: the steered h must reach the up path and the image");
  }
  if (static_cast<int64_t>(job.steer_alphas.size()) != items) {
    throw std::runtime_error("steer_alphas has " + std::to_string(job.steer_alphas.size()) + " values for " +
                             std::to_string(items) + " items (one alpha per item)");
  }
  for (size_t i = 0; i < job.steer_alphas.size(); ++i) {
    if (!std::isfinite(job.steer_alphas[i])) {
      throw std::runtime_error("steer_alphas[" + std::to_string(i) + "] is " + value_name(job.steer_alphas[i]));
    }
  }
  if (job.steer_branch == Branch::Uncond && !plan.cfg) {
    throw std::runtime_error("steer_branch uncond needs classifier-free guidance (guidance > 1 on a model without a "
                             "guidance embedding): without it the one branch is the conditional one");
  }
  int64_t c = config.block_out_channels.back(), h = plan.latent_h, w = plan.latent_w;
  for (size_t b = 0; b + 1 < config.num_blocks(); ++b) {
    h = (h + 1) / 2;
    w = (w + 1) / 2;
  }
  const std::string h_shape = "[" + std::to_string(c) + ", " + std::to_string(h) + ", " + std::to_string(w) + "]";
  if (!job.steer_direction.defined()) throw std::runtime_error("steer_direction missing: steering needs a direction");
  auto d = job.steer_direction.to(torch::kFloat32).reshape({-1});
  const int64_t numel = d.numel();
  if (numel == c * h * w) {
    plan.direction = d.view({1, c, h, w});
  } else if (numel == c) {
    plan.direction = d.view({1, c, 1, 1});
  } else {
    throw std::runtime_error("steer_direction has " + std::to_string(numel) + " values [" + std::to_string(numel) +
                             "]; h of one item at " + std::to_string(plan.width) + "x" + std::to_string(plan.height) +
                             " is " + h_shape + " (" + std::to_string(c * h * w) + " values) or its " +
                             std::to_string(c) + " channels [" + std::to_string(c) + "]");
  }
  auto finite = torch::isfinite(d);
  if (!finite.all().item<bool>()) {
    int64_t at = (~finite).nonzero()[0][0].item<int64_t>();
    throw std::runtime_error("steer_direction[" + std::to_string(at) + "] is " + value_name(d[at].item<double>()));
  }
  plan.steer_at.assign(job.steps, job.steer_steps.empty());
  for (auto s : job.steer_steps) {
    if (s < 0 || s >= job.steps) {
      throw std::runtime_error("steer_steps: step " + std::to_string(s) + " is outside the " + std::to_string(job.steps) +
                               " steps (0-based)");
    }
    plan.steer_at[s] = true;
  }
}

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
  const int64_t items = job.item_prompts.empty() ? job.prompts.ids.size(0) * static_cast<int64_t>(job.seeds.size())
                                                 : static_cast<int64_t>(job.item_prompts.size());
  plan_steering(plan, pipeline, job, items);
  return plan;
}

bool is_out_of_memory(const std::exception& e) {
  if (dynamic_cast<const std::bad_alloc*>(&e)) return true;
  if (dynamic_cast<const c10::OutOfMemoryError*>(&e)) return true;
  return false;
}

}  // namespace

torch::Tensor pool(const torch::Tensor& h, Pooling pooling) {
  return pooling == Pooling::SpatialMean ? h.mean({2, 3}) : h;  // [B, C] or [B, C, h, w]
}

ExtractOutput extract(Pipeline& pipeline, const ExtractJob& job) {
  torch::NoGradGuard no_grad;
  CpuBlockReuse reuse(pipeline.options().reuse_cpu_blocks);
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
    models::ForgetContextAtExit forget(unet);
    std::vector<at::Generator> generators;
    std::vector<int64_t> prompt_rows;
    for (int64_t i = begin; i < begin + n; ++i) {
      generators.push_back(schedulers::make_cpu_generator(static_cast<uint64_t>(item_seed[i])));
      prompt_rows.push_back(item_prompt[i]);
    }
    TextConditioning c = select_rows(cond, torch::tensor(prompt_rows, torch::kInt64));
    torch::Tensor context = c.context, text_embeds = c.text_embeds;
    if (plan.cfg) {
      auto zeros = torch::zeros({n}, torch::kInt64);
      TextConditioning u = select_rows(uncond, zeros);
      context = torch::cat({u.context, c.context});                                     // [2n, L, D]
      if (c.text_embeds.defined()) text_embeds = torch::cat({u.text_embeds, c.text_embeds});
    }
    const int64_t rows = plan.cfg ? 2 * n : n;
    models::UNetConditioning extra = unet_conditioning(pipeline, text_embeds, rows, plan.height, plan.width, job.guidance);

    // Steering: h + alpha_i * d for item i, in the CFG halves ([uncond; cond]) steer_branch names.
    models::MidBlockHook steer;
    torch::Tensor steered;  // the hook's output at this step, which the capture records
    if (!plan.steer_at.empty()) {
      auto alphas = torch::tensor(std::vector<double>(job.steer_alphas.begin() + begin, job.steer_alphas.begin() + begin + n),
                                  torch::kFloat32);                                    // [n]
      if (plan.cfg) {
        auto none = torch::zeros_like(alphas);
        alphas = torch::cat({job.steer_branch == Branch::Cond ? none : alphas,
                             job.steer_branch == Branch::Uncond ? none : alphas});    // [rows]
      }
      auto shift = (alphas.view({rows, 1, 1, 1}) * plan.direction).to(device, dtype);  // [rows, C, H' or 1, W' or 1]
      steer = [shift, &steered](const torch::Tensor& h) { return steered = h + shift; };
    }

    // Latents live in the model dtype as in diffusers, whose fp16 noise stream differs from fp32's.
    auto latents = schedulers::initial_latents(generators, ucfg.in_channels, plan.latent_h, plan.latent_w,
                                               scheduler->init_noise_sigma(), dtype, device);  // [n, 4, h, w]
    // `mid` holds [uncond; cond] under CFG unless `cond_only`.
    auto record = [&](const torch::Tensor& mid, int64_t step, bool cond_only) {
      int64_t slot = plan.capture_slot[step];
      if (slot < 0) return;
      auto h = pool(mid, job.pooling).to(torch::kCPU, torch::kFloat32);                  // [rows or n, C(, h, w)]
      // Sized from the first h: the U-Net's down path sets the spatial size (odd sizes round up).
      auto allocate = [&](torch::Tensor& t) {
        if (t.defined()) return;
        std::vector<int64_t> shape = {items, K};
        for (int64_t d = 1; d < h.dim(); ++d) shape.push_back(h.size(d));
        t = torch::empty(shape, torch::kFloat32);
      };
      if (want_cond) allocate(out.h);
      if (want_uncond) allocate(out.h_uncond);
      const bool halves = plan.cfg && !cond_only;
      auto h_uncond = halves ? h.narrow(0, 0, n) : torch::Tensor();
      auto h_cond = halves ? h.narrow(0, n, n) : h;
      if (want_cond) out.h.narrow(0, begin, n).select(1, slot).copy_(h_cond);
      if (want_uncond) out.h_uncond.narrow(0, begin, n).select(1, slot).copy_(h_uncond);
    };
    for (int64_t step = 0; step <= plan.last_step; ++step) {
      auto t = scheduler->timesteps()[step];
      auto input = scheduler->scale_model_input(latents, step);
      // h only at the last step: no up path; and when only the conditional h is asked for, nothing
      // reads the unconditional half after this step, so it is not run.
      const bool h_only = step == plan.last_step && !job.want_images;
      const bool cond_only = h_only && plan.cfg && !want_uncond;
      if (plan.cfg && !cond_only) input = torch::cat({input, input});                  // [rows, 4, h, w]
      if (h_only) {
        auto mid = cond_only ? unet->forward_to_mid(input, t.to(device), c.context,
                                                    unet_conditioning(pipeline, c.text_embeds, n, plan.height, plan.width,
                                                                      job.guidance))
                             : unet->forward_to_mid(input, t.to(device), context, extra);
        record(mid, step, cond_only);
        break;
      }
      const bool steer_now = !plan.steer_at.empty() && plan.steer_at[step];
      auto pred = unet->forward(input, t.to(device), context, extra, steer_now ? &steer : nullptr);
      record(steer_now ? steered : pred.mid, step, /*cond_only=*/false);
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
