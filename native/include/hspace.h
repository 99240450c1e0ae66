// hspace.h — the engine's only public API, and the only header JavaCPP binds.
//
// Plain structs, an opaque engine handle, create/destroy pairs, results as flat float32
// buffers with shapes. No torch type crosses this boundary. Errors are thrown as
// std::runtime_error whose message names the file, tensor or field; JavaCPP turns them into
// java.lang.RuntimeException with the message intact.
#pragma once

#include <cstdint>

enum hs_dtype : int32_t {
  HS_DTYPE_AUTO = 0,  // fp32 on the CPU, fp16 on CUDA
  HS_DTYPE_F32 = 1,
  HS_DTYPE_F16 = 2,
  HS_DTYPE_BF16 = 3,
};

/// Settings for hs_engine_create. Fill with hs_engine_params_init, then override.
struct hs_engine_params {
  int32_t device;       // -1: CPU; >= 0: CUDA device index
  int32_t dtype;        // an hs_dtype
  int32_t num_threads;  // CPU intra-op threads; 0 leaves LibTorch's default
};

/// An opened model: a diffusers pipeline folder or a single transformers/diffusers component.
struct hs_engine;

/// Named float32 tensors owned by the engine library, freed with hs_result_destroy.
struct hs_result;

/// The library's version, and LibTorch's, as "hspace X (LibTorch Y, CUDA yes|no)".
const char* hs_version();

/// 1 when this build has CUDA kernels and LibTorch sees at least one CUDA device.
int32_t hs_cuda_available();

void hs_engine_params_init(hs_engine_params* params);

/// Opens a model folder and loads every component the engine supports.
/// Throws when a config field, weight file or tensor is missing, malformed or unsupported.
hs_engine* hs_engine_create(const char* model_dir, const hs_engine_params* params);

void hs_engine_destroy(hs_engine* engine);

/// JSON describing the model: components, their classes, architecture family, parameter
/// counts, weight dtypes, and the compute device. Owned by the engine.
const char* hs_engine_describe(hs_engine* engine);

/// Runs a text encoder on token ids [batch, length].
/// encoder: 0 for text_encoder, 1 for text_encoder_2 (SDXL).
/// hidden_layer: which hidden state to also return as "hidden_states", counted like
/// transformers' hidden_states tuple (0 = embeddings, num_hidden_layers = last layer, before
/// the final layer norm); negative values count from the end (-2 = penultimate); use
/// INT32_MIN for none.
/// Result tensors: "last_hidden_state" [B, L, D], "pooler_output" [B, D],
/// "text_embeds" [B, P] when the encoder has a projection, "hidden_states" [B, L, D] when asked.
hs_result* hs_encode_text(hs_engine* engine, int32_t encoder, const int64_t* token_ids,
                          int64_t batch, int64_t length, int32_t hidden_layer);

int32_t hs_result_count(const hs_result* result);
const char* hs_result_name(const hs_result* result, int32_t index);
int32_t hs_result_ndim(const hs_result* result, int32_t index);
int64_t hs_result_dim(const hs_result* result, int32_t index, int32_t axis);
int64_t hs_result_numel(const hs_result* result, int32_t index);
/// Contiguous float32 data of tensor `index`, valid until hs_result_destroy.
const float* hs_result_data(const hs_result* result, int32_t index);
void hs_result_destroy(hs_result* result);
