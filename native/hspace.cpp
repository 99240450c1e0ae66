// The C++ API of include/hspace.h: translates plain structs to the engine and back.
#include "hspace.h"

#include <climits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "engine/pipeline.h"

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
