// The C++ API of include/hspace.h: translates plain structs to the engine and back.
#include "hspace.h"

#include <climits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "engine/condition.h"
#include "engine/extract.h"
#include "engine/pipeline.h"
#include "kernels/projections.h"
#include "models/clip_model.h"

struct hs_engine {
  std::unique_ptr<hspace::engine::Pipeline> pipeline;
  std::string description;
};

struct hs_result {
  std::vector<std::string> names;
  std::vector<torch::Tensor> tensors;  // contiguous float32 on the CPU

  void add(std::string name, const torch::Tensor& tensor) {
    names.push_back(std::move(name));
    tensors.push_back(tensor.detach().to(torch::kCPU, torch::kFloat32).contiguous());
  }
};

namespace {

hspace::engine::EngineOptions to_options(const hs_engine_params& params) {
  hspace::engine::EngineOptions options;
  if (params.device >= 0) {
    if (!torch::cuda::is_available()) {
      throw std::runtime_error("CUDA device " + std::to_string(params.device) +
                               " asked for, but this build or machine has no CUDA device; use the CPU (device -1)");
    }
    if (params.device >= static_cast<int32_t>(torch::cuda::device_count())) {
      throw std::runtime_error("CUDA device " + std::to_string(params.device) + " does not exist (" +
                               std::to_string(torch::cuda::device_count()) + " present)");
    }
    options.device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(params.device));
  }
  bool cuda = options.device.is_cuda();
  switch (params.dtype) {
    case HS_DTYPE_AUTO: options.dtype = cuda ? torch::kFloat16 : torch::kFloat32; break;
    case HS_DTYPE_F32: options.dtype = torch::kFloat32; break;
    case HS_DTYPE_F16: options.dtype = torch::kFloat16; break;
    case HS_DTYPE_BF16: options.dtype = torch::kBFloat16; break;
    default: throw std::runtime_error("unknown dtype code " + std::to_string(params.dtype));
  }
  switch (params.memory_format) {
    case HS_MEMORY_AUTO:
    case HS_MEMORY_CONTIGUOUS: options.channels_last = false; break;
    case HS_MEMORY_CHANNELS_LAST: options.channels_last = true; break;
    default: throw std::runtime_error("unknown memory_format code " + std::to_string(params.memory_format));
  }
  if (params.reuse_cpu_blocks != 0 && params.reuse_cpu_blocks != 1) {
    throw std::runtime_error("reuse_cpu_blocks must be 0 or 1 (got " + std::to_string(params.reuse_cpu_blocks) + ")");
  }
  options.reuse_cpu_blocks = params.reuse_cpu_blocks == 1;
  if (params.num_threads < 0) throw std::runtime_error("num_threads must be >= 0");
  if (params.num_threads > 0) torch::set_num_threads(params.num_threads);
  return options;
}

const torch::Tensor& result_tensor(const hs_result* result, int32_t index) {
  if (!result) throw std::runtime_error("null hs_result");
  if (index < 0 || index >= static_cast<int32_t>(result->tensors.size())) {
    throw std::runtime_error("result tensor index " + std::to_string(index) + " out of range (" +
                             std::to_string(result->tensors.size()) + " tensors)");
  }
  return result->tensors[index];
}

hs_engine* checked(hs_engine* engine) {
  if (!engine || !engine->pipeline) throw std::runtime_error("engine is closed");
  return engine;
}

}  // namespace

const char* hs_version() {
  static const std::string version = std::string("hspace ") + HSPACE_VERSION + " (LibTorch " +
                                     HSPACE_TORCH_VERSION + ", CUDA " +
#ifdef HSPACE_WITH_CUDA
                                     "yes" +
#else
                                     "no" +
#endif
                                     ")";
  return version.c_str();
}

int32_t hs_cuda_available() { return torch::cuda::is_available() ? 1 : 0; }

void hs_engine_params_init(hs_engine_params* params) {
  params->device = -1;
  params->dtype = HS_DTYPE_AUTO;
  params->num_threads = 0;
  params->memory_format = HS_MEMORY_AUTO;
  params->reuse_cpu_blocks = 1;
}

hs_engine* hs_engine_create(const char* model_dir, const hs_engine_params* params) {
  if (!model_dir) throw std::runtime_error("model_dir is null");
  hs_engine_params defaults;
  hs_engine_params_init(&defaults);
  auto options = to_options(params ? *params : defaults);
  torch::NoGradGuard no_grad;
  auto engine = std::make_unique<hs_engine>();
  engine->pipeline = std::make_unique<hspace::engine::Pipeline>(model_dir, options);
  return engine.release();
}

void hs_engine_destroy(hs_engine* engine) { delete engine; }

const char* hs_engine_describe(hs_engine* engine) {
  checked(engine)->description = engine->pipeline->describe_json();
  return engine->description.c_str();
}

hs_result* hs_encode_text(hs_engine* engine, int32_t encoder, const int64_t* token_ids, int64_t batch,
                          int64_t length, int32_t hidden_layer) {
  auto& pipeline = *checked(engine)->pipeline;
  if (!token_ids || batch <= 0 || length <= 0) {
    throw std::runtime_error("encode_text: token ids must be a non-empty [batch, length] array (got " +
                             std::to_string(batch) + " x " + std::to_string(length) + ")");
  }
  auto& model = pipeline.text_encoder(encoder);
  torch::NoGradGuard no_grad;
  auto ids = torch::from_blob(const_cast<int64_t*>(token_ids), {batch, length}, torch::kInt64)
                 .to(pipeline.options().device);
  std::optional<int64_t> layer;
  if (hidden_layer != INT32_MIN) layer = hidden_layer;
  auto out = model->forward(ids, layer);
  auto result = std::make_unique<hs_result>();
  result->add("last_hidden_state", out.last_hidden_state);
  result->add("pooler_output", out.pooler_output);
  if (out.text_embeds.defined()) result->add("text_embeds", out.text_embeds);
  if (out.hidden_states.defined()) result->add("hidden_states", out.hidden_states);
  return result.release();
}

// ---- CLIP ---------------------------------------------------------------------------------------

struct hs_clip {
  std::unique_ptr<hspace::models::CLIPFolder> folder;
  std::string description;
};

namespace {

hspace::models::CLIPFolder& checked(hs_clip* clip) {
  if (!clip || !clip->folder) throw std::runtime_error("CLIP model is closed");
  return *clip->folder;
}

}  // namespace

hs_clip* hs_clip_create(const char* clip_dir, const hs_engine_params* params) {
  if (!clip_dir) throw std::runtime_error("clip_dir is null");
  hs_engine_params defaults;
  hs_engine_params_init(&defaults);
  auto options = to_options(params ? *params : defaults);
  torch::NoGradGuard no_grad;
  auto clip = std::make_unique<hs_clip>();
  clip->folder = std::make_unique<hspace::models::CLIPFolder>(
      hspace::models::CLIPFolder::open(clip_dir, options.device, options.dtype));
  return clip.release();
}

void hs_clip_destroy(hs_clip* clip) { delete clip; }

const char* hs_clip_describe(hs_clip* clip) {
  auto description = checked(clip).describe_json();
  clip->description = std::move(description);
  return clip->description.c_str();
}

hs_result* hs_clip_encode_images(hs_clip* clip, const uint8_t* pixels, const int32_t* heights, const int32_t* widths,
                                 int32_t count) {
  auto& folder = checked(clip);
  if (!pixels || !heights || !widths || count <= 0) {
    throw std::runtime_error("clip encode_images: need pixels, heights and widths of at least one image (got " +
                             std::to_string(count) + ")");
  }
  std::vector<torch::Tensor> images;
  images.reserve(count);
  int64_t offset = 0;
  for (int32_t i = 0; i < count; ++i) {
    if (heights[i] <= 0 || widths[i] <= 0) {
      throw std::runtime_error("clip encode_images: image " + std::to_string(i) + " has size " +
                               std::to_string(heights[i]) + " x " + std::to_string(widths[i]));
    }
    // A view of the caller's buffer: preprocessing reads it before this call returns.
    images.push_back(torch::from_blob(const_cast<uint8_t*>(pixels) + offset, {heights[i], widths[i], 3}, torch::kUInt8));
    offset += static_cast<int64_t>(heights[i]) * widths[i] * 3;
  }
  auto result = std::make_unique<hs_result>();
  result->add("image_embeds", folder.encode_images(images));
  return result.release();
}

hs_result* hs_clip_encode_text(hs_clip* clip, const int64_t* token_ids, int64_t batch, int64_t length) {
  auto& folder = checked(clip);
  if (!token_ids || batch <= 0 || length <= 0) {
    throw std::runtime_error("clip encode_text: token ids must be a non-empty [batch, length] array (got " +
                             std::to_string(batch) + " x " + std::to_string(length) + ")");
  }
  auto ids = torch::from_blob(const_cast<int64_t*>(token_ids), {batch, length}, torch::kInt64);
  auto result = std::make_unique<hs_result>();
  result->add("text_embeds", folder.encode_text(ids));
  return result.release();
}

void hs_extract_request_init(hs_extract_request* request) {
  *request = hs_extract_request{};
  request->negative_is_empty = 1;
  request->steps = 25;
  request->guidance = 7.5f;
  request->scheduler = HS_SCHEDULER_MODEL;
  request->branch = HS_BRANCH_COND;
  request->pooling = HS_POOL_NONE;
  request->steer_branch = HS_BRANCH_BOTH;
}

namespace {

torch::Tensor ids_tensor(const int64_t* ids, int64_t rows, int64_t length) {
  if (!ids) return {};
  return torch::from_blob(const_cast<int64_t*>(ids), {rows, length}, torch::kInt64).clone();
}

std::string scheduler_name(int32_t code) {
  switch (code) {
    case HS_SCHEDULER_MODEL: return "";
    case HS_SCHEDULER_DDIM: return "ddim";
    case HS_SCHEDULER_EULER: return "euler";
    case HS_SCHEDULER_LCM: return "lcm";
    default: throw std::runtime_error("unknown scheduler code " + std::to_string(code));
  }
}

hspace::engine::Branch branch_of(int32_t code, const char* field) {
  using hspace::engine::Branch;
  switch (code) {
    case HS_BRANCH_COND: return Branch::Cond;
    case HS_BRANCH_UNCOND: return Branch::Uncond;
    case HS_BRANCH_BOTH: return Branch::Both;
    default: throw std::runtime_error(std::string("extract: unknown ") + field + " code " + std::to_string(code));
  }
}

hspace::engine::ExtractJob to_job(const hs_extract_request& r) {
  using namespace hspace::engine;
  if (r.num_prompts <= 0 || !r.prompt_ids) throw std::runtime_error("extract: no prompts given");
  if (r.token_length <= 0) throw std::runtime_error("extract: token_length must be positive");
  if (r.num_items > 0) {
    if (!r.item_prompts || !r.item_seeds) throw std::runtime_error("extract: item prompts or seeds missing");
  } else if (r.num_seeds <= 0 || !r.seeds) {
    throw std::runtime_error("extract: no seeds given");
  }
  if (r.num_capture_steps < 0 || (r.num_capture_steps > 0 && !r.capture_steps)) {
    throw std::runtime_error("extract: capture steps missing");
  }
  ExtractJob job;
  job.prompts.ids = ids_tensor(r.prompt_ids, r.num_prompts, r.token_length);
  job.prompts.ids_2 = ids_tensor(r.prompt_ids_2, r.num_prompts, r.token_length);
  job.negative.ids = ids_tensor(r.negative_ids, 1, r.token_length);
  job.negative.ids_2 = ids_tensor(r.negative_ids_2, 1, r.token_length);
  job.negative_is_empty = r.negative_is_empty != 0;
  if (r.num_items > 0) {
    job.item_prompts.assign(r.item_prompts, r.item_prompts + r.num_items);
    job.item_seeds.assign(r.item_seeds, r.item_seeds + r.num_items);
  } else {
    job.seeds.assign(r.seeds, r.seeds + r.num_seeds);
  }
  job.steps = r.steps;
  job.guidance = r.guidance;
  job.width = r.width;
  job.height = r.height;
  if (r.width < 0 || r.height < 0) throw std::runtime_error("extract: width and height must be >= 0");
  job.scheduler = scheduler_name(r.scheduler);
  job.capture_steps.assign(r.capture_steps, r.capture_steps + r.num_capture_steps);
  job.branch = branch_of(r.branch, "branch");
  switch (r.pooling) {
    case HS_POOL_NONE: job.pooling = Pooling::None; break;
    case HS_POOL_SPATIAL_MEAN: job.pooling = Pooling::SpatialMean; break;
    default: throw std::runtime_error("extract: unknown pooling code " + std::to_string(r.pooling));
  }
  job.want_images = r.want_images != 0;
  if (r.batch_size < 0) throw std::runtime_error("extract: batch_size must be >= 0");
  job.batch_size = r.batch_size;
  if (r.steer_alphas) {
    const int64_t items = r.num_items > 0 ? r.num_items : r.num_prompts * r.num_seeds;
    job.steer_alphas.assign(r.steer_alphas, r.steer_alphas + items);
    if (!r.steer_direction || r.steer_numel <= 0) {
      throw std::runtime_error("extract: steer_direction missing (steer_numel " + std::to_string(r.steer_numel) +
                               "): steering needs a direction");
    }
    job.steer_direction = torch::from_blob(const_cast<float*>(r.steer_direction), {r.steer_numel}, torch::kFloat32).clone();
    if (r.num_steer_steps < 0 || (r.num_steer_steps > 0 && !r.steer_steps)) {
      throw std::runtime_error("extract: steer_steps missing (num_steer_steps " + std::to_string(r.num_steer_steps) + ")");
    }
    job.steer_steps.assign(r.steer_steps, r.steer_steps + r.num_steer_steps);
    job.steer_branch = branch_of(r.steer_branch, "steer_branch");
  }
  return job;
}

}  // namespace

hs_result* hs_scheduler_timesteps(hs_engine* engine, int32_t scheduler, int32_t steps) {
  auto made = checked(engine)->pipeline->make_scheduler(scheduler_name(scheduler));
  made->set_timesteps(steps);
  auto result = std::make_unique<hs_result>();
  result->add("timesteps", made->timesteps());
  return result.release();
}

hs_result* hs_extract(hs_engine* engine, const hs_extract_request* request) {
  auto& pipeline = *checked(engine)->pipeline;
  if (!request) throw std::runtime_error("extract: null request");
  auto out = hspace::engine::extract(pipeline, to_job(*request));
  auto result = std::make_unique<hs_result>();
  if (out.h.defined()) result->add("h", out.h);
  if (out.h_uncond.defined()) result->add("h_uncond", out.h_uncond);
  result->add("timesteps", out.timesteps);
  if (out.images.defined()) result->add("images", out.images);
  return result.release();
}

void hs_condition_request_init(hs_condition_request* request) {
  *request = hs_condition_request{};
  request->scheduler = HS_SCHEDULER_MODEL;
  request->steps = 25;
  request->step = 0;
  request->mode = HS_CONDITION_NOISE;
  request->pooling = HS_POOL_NONE;
}

hs_result* hs_condition(hs_engine* engine, const hs_condition_request* request) {
  using namespace hspace::engine;
  auto& pipeline = *checked(engine)->pipeline;
  if (!request) throw std::runtime_error("condition: null request");
  const hs_condition_request& r = *request;
  if (r.num_images <= 0 || !r.images) {
    throw std::runtime_error("condition: num_images is " + std::to_string(r.num_images) + ": no images to condition on");
  }
  if (r.width <= 0 || r.height <= 0) {
    throw std::runtime_error("condition: width and height must be positive (got " + std::to_string(r.width) + "x" +
                             std::to_string(r.height) + ")");
  }
  if (!r.prompt_ids || r.token_length <= 0) {
    throw std::runtime_error("condition: prompt_ids missing: give the tokenized prompt [1, token_length] ("" for none)");
  }
  ConditionJob job;
  job.images = torch::from_blob(const_cast<float*>(r.images), {r.num_images, 3, r.height, r.width}, torch::kFloat32).clone();
  job.prompt.ids = ids_tensor(r.prompt_ids, 1, r.token_length);
  job.prompt.ids_2 = ids_tensor(r.prompt_ids_2, 1, r.token_length);
  job.scheduler = scheduler_name(r.scheduler);
  job.steps = r.steps;
  job.step = r.step;
  switch (r.mode) {
    case HS_CONDITION_NOISE: job.mode = ConditionMode::Noise; break;
    case HS_CONDITION_INVERT: job.mode = ConditionMode::Invert; break;
    default: throw std::runtime_error("condition: unknown mode code " + std::to_string(r.mode));
  }
  if (job.mode == ConditionMode::Noise) {
    if (!r.seeds) throw std::runtime_error("condition: seeds missing: noise mode needs one seed per image");
    job.seeds.assign(r.seeds, r.seeds + r.num_images);
  }
  switch (r.pooling) {
    case HS_POOL_NONE: job.pooling = Pooling::None; break;
    case HS_POOL_SPATIAL_MEAN: job.pooling = Pooling::SpatialMean; break;
    default: throw std::runtime_error("condition: unknown pooling code " + std::to_string(r.pooling));
  }
  if (r.batch_size < 0) throw std::runtime_error("condition: batch_size must be >= 0");
  job.batch_size = r.batch_size;
  auto out = condition(pipeline, job);
  auto result = std::make_unique<hs_result>();
  result->add("h", out.h);
  result->add("timesteps", out.timesteps);
  return result.release();
}

hs_result* hs_similarity(const float* a, int64_t n, const float* b, int64_t m, int64_t d, int32_t kind,
                         int32_t top_k, int32_t device) {
  using hspace::kernels::Similarity;
  if (!a || !b || n <= 0 || m <= 0 || d <= 0) {
    throw std::runtime_error("similarity: need non-empty a [n, d] and b [m, d] (got n=" + std::to_string(n) +
                             ", m=" + std::to_string(m) + ", d=" + std::to_string(d) + ")");
  }
  if (kind < HS_SIM_COSINE || kind > HS_SIM_DOT) throw std::runtime_error("similarity: unknown kind " + std::to_string(kind));
  torch::NoGradGuard no_grad;
  hs_engine_params params;
  hs_engine_params_init(&params);
  params.device = device;
  auto where = to_options(params).device;
  auto ta = torch::from_blob(const_cast<float*>(a), {n, d}, torch::kFloat32).to(where);
  auto tb = torch::from_blob(const_cast<float*>(b), {m, d}, torch::kFloat32).to(where);
  auto out = hspace::kernels::similarity(ta, tb, static_cast<Similarity>(kind), top_k);
  auto result = std::make_unique<hs_result>();
  result->add("scores", out.scores);
  if (out.topk_values.defined()) {
    result->add("topk_values", out.topk_values);
    result->add("topk_indices", out.topk_indices);
  }
  return result.release();
}

int32_t hs_result_count(const hs_result* result) {
  if (!result) throw std::runtime_error("null hs_result");
  return static_cast<int32_t>(result->tensors.size());
}

const char* hs_result_name(const hs_result* result, int32_t index) {
  result_tensor(result, index);
  return result->names[index].c_str();
}

int32_t hs_result_ndim(const hs_result* result, int32_t index) {
  return static_cast<int32_t>(result_tensor(result, index).dim());
}

int64_t hs_result_dim(const hs_result* result, int32_t index, int32_t axis) {
  const auto& tensor = result_tensor(result, index);
  if (axis < 0 || axis >= tensor.dim()) throw std::runtime_error("axis " + std::to_string(axis) + " out of range");
  return tensor.size(axis);
}

int64_t hs_result_numel(const hs_result* result, int32_t index) { return result_tensor(result, index).numel(); }

const float* hs_result_data(const hs_result* result, int32_t index) {
  return result_tensor(result, index).data_ptr<float>();
}

void hs_result_destroy(hs_result* result) { delete result; }
