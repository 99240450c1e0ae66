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

enum hs_memory_format : int32_t {
  HS_MEMORY_AUTO = 0,           // the engine's choice: contiguous (docs/BENCHMARKS.md, "channels-last")
  HS_MEMORY_CONTIGUOUS = 1,     // NCHW
  HS_MEMORY_CHANNELS_LAST = 2,  // NHWC: cuDNN's tensor-core convolutions work in it without transposes
};

/// Settings for hs_engine_create. Fill with hs_engine_params_init, then override.
struct hs_engine_params {
  int32_t device;         // -1: CPU; >= 0: CUDA device index
  int32_t dtype;          // an hs_dtype
  int32_t num_threads;    // CPU intra-op threads; 0 leaves LibTorch's default
  int32_t memory_format;  // an hs_memory_format, for the U-Net's weights and activations
  // 1 (init): CPU blocks freed while a call runs are kept for reuse and given back when it
  // returns, so the denoising loop does not map and page-fault its activations afresh at every op
  // (peak memory is held for the call's length); 0: LibTorch's default, every free goes back at once.
  int32_t reuse_cpu_blocks;
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

// ---- CLIP: a transformers CLIP folder (both towers) for zero-shot image tagging -------------

/// An opened CLIP model (config.json with text_config and vision_config, model.safetensors,
/// preprocessor_config.json), separate from any hs_engine.
struct hs_clip;

/// Opens a CLIP folder on the device and in the dtype of `params` (null: CPU, fp32).
/// Throws naming the file and field or tensor when the folder is incomplete or unsupported.
hs_clip* hs_clip_create(const char* clip_dir, const hs_engine_params* params);

void hs_clip_destroy(hs_clip* clip);

/// JSON: path, tower summaries, projection_dim, image_size, context_length, vocab_size,
/// logit_scale (exp applied: the factor CLIP multiplies cosines by), parameters, device, dtype.
/// Owned by the handle.
const char* hs_clip_describe(hs_clip* clip);

/// Preprocesses `count` RGB images as transformers' CLIPImageProcessor does (bicubic resize of
/// the shortest side, center crop, normalise) and encodes them. `pixels` holds the images one
/// after another, each row-major [heights[i], widths[i], 3] uint8.
/// Result: "image_embeds" [count, P], L2-normalised.
hs_result* hs_clip_encode_images(hs_clip* clip, const uint8_t* pixels, const int32_t* heights,
                                 const int32_t* widths, int32_t count);

/// Encodes token ids [batch, length] (from the folder's CLIP tokenizer, padded).
/// Result: "text_embeds" [batch, P], L2-normalised.
hs_result* hs_clip_encode_text(hs_clip* clip, const int64_t* token_ids, int64_t batch, int64_t length);

enum hs_scheduler : int32_t {
  HS_SCHEDULER_MODEL = 0,  // the scheduler in the model folder
  HS_SCHEDULER_DDIM = 1,
  HS_SCHEDULER_EULER = 2,
  HS_SCHEDULER_LCM = 3,
};

enum hs_branch : int32_t { HS_BRANCH_COND = 0, HS_BRANCH_UNCOND = 1, HS_BRANCH_BOTH = 2 };
enum hs_pooling : int32_t { HS_POOL_NONE = 0, HS_POOL_SPATIAL_MEAN = 1 };

/// One extraction job: every prompt with every seed. Fill with hs_extract_request_init. New
/// fields are added at the end between versions: build against the header of the library loaded.
/// Token arrays are [num_prompts, token_length] int64 ids from the model's tokenizer(s),
/// padded to token_length; the negative prompt is [1, token_length] (null: the empty prompt,
/// which the caller still tokenizes unless the model zeroes it, see SDXL).
struct hs_extract_request {
  const int64_t* prompt_ids;      // for text_encoder
  const int64_t* prompt_ids_2;    // for text_encoder_2 (SDXL), else null
  int64_t num_prompts;
  int64_t token_length;
  const int64_t* negative_ids;    // [1, token_length] or null
  const int64_t* negative_ids_2;  // SDXL, or null
  int32_t negative_is_empty;      // 1 when the negative prompt is "" (SDXL may zero it)
  const int64_t* seeds;           // one image per (prompt, seed)
  int64_t num_seeds;
  // Instead of the full prompts x seeds grid: item i is (prompt row item_prompts[i], seed
  // item_seeds[i]); then seeds/num_seeds are unused and results are [num_items, ...].
  const int64_t* item_prompts;
  const int64_t* item_seeds;
  int64_t num_items;
  int32_t steps;                  // denoising steps
  float guidance;                 // CFG scale (> 1 enables CFG); LCM: the guidance embedding's w + 1
  int32_t width, height;          // image size in pixels; 0: the model's default
  int32_t scheduler;              // an hs_scheduler
  const int32_t* capture_steps;   // indices into the step sequence (0-based), ascending
  int32_t num_capture_steps;
  int32_t branch;                 // an hs_branch
  int32_t pooling;                // an hs_pooling
  int32_t want_images;            // 1: run every step and decode images
  int32_t batch_size;             // items per U-Net batch; 0: all at once
  // Steering (Asyrp-style): at each steered step the U-Net's mid-block output h becomes
  // h + alpha_i * d before the up path reads it, in the CFG branch(es) steer_branch names, for
  // item i. Needs want_images (every step runs). Captured h at a steered step is the steered h,
  // what the up path saw. steer_alphas null: no steering (the other steer fields are then unused).
  const float* steer_direction;   // d: one item's h [C, H', W'] row-major, or [C] (broadcast over positions)
  int64_t steer_numel;            // C*H'*W' or C
  const float* steer_alphas;      // one alpha per item: grid order (prompt-major, then seed) or per item
  const int32_t* steer_steps;     // 0-based step indices to steer at; none (0): every step
  int32_t num_steer_steps;
  // An hs_branch (init: HS_BRANCH_BOTH). COND shifts only the conditional half, so guidance
  // scales the shift's effect on the prediction (eps_u + g (eps_c + delta - eps_u)); BOTH shifts
  // both halves alike and the shift enters once; UNCOND needs CFG. Without CFG the one branch is
  // the conditional one (COND and BOTH then agree).
  int32_t steer_branch;
};

void hs_extract_request_init(hs_extract_request* request);

/// The scheduler's timesteps for `steps` denoising steps: result "timesteps" [steps].
hs_result* hs_scheduler_timesteps(hs_engine* engine, int32_t scheduler, int32_t steps);

/// Runs the job. Result tensors: "h" [P, S, K, C, H, W] (or [P, S, K, C] when pooled) for
/// the conditional branch, "h_uncond" likewise when asked, "timesteps" [K], and "images"
/// [P, S, 3, height, width] in [0, 1] when asked; with items, [N, ...] instead of [P, S, ...].
hs_result* hs_extract(hs_engine* engine, const hs_extract_request* request);

enum hs_condition_mode : int32_t {
  HS_CONDITION_NOISE = 0,   // VAE latent mean, then the scheduler's add_noise at step k
  HS_CONDITION_INVERT = 1,  // VAE latent mean, then DDIM inversion (conditional, guidance 1) up to step k
};

/// Image conditioning: h of external images. Fill with hs_condition_request_init.
/// Each image is VAE-encoded (the latent distribution's mean x scaling_factor, after subtracting
/// shift_factor when the VAE has one), brought to the timestep of step `step` of a `steps`-step
/// schedule (noise: add_noise with noise drawn as torch.Generator("cpu").manual_seed(seeds[i])
/// draws a [1, C, h, w] tensor; invert: DDIMInverseScheduler built from the model's scheduler
/// config, which the invert mode always uses), and given one U-Net down + mid pass at that
/// timestep with the prompt's conditioning (conditional branch only). SDXL gets the time ids of
/// the image size; an LCM-distilled U-Net gets the guidance embedding of w = 0 (guidance 1).
struct hs_condition_request {
  const float* images;           // [num_images, 3, height, width] float32 RGB in [0, 1]
  int64_t num_images;
  int32_t width, height;         // pixels, multiples of the VAE factor
  const int64_t* prompt_ids;     // [1, token_length] (the caller tokenizes "" for no prompt)
  const int64_t* prompt_ids_2;   // tokenizer_2's ids (SDXL), else null
  int64_t token_length;
  int32_t scheduler;             // an hs_scheduler (noise mode); invert: MODEL or DDIM
  int32_t steps;                 // the schedule's number of steps
  int32_t step;                  // 0-based index k into it: the timestep h is read at
  int32_t mode;                  // an hs_condition_mode
  const int64_t* seeds;          // noise mode: one per image; unused when inverting
  int32_t pooling;               // an hs_pooling
  int32_t batch_size;            // images per batch; 0: all at once
};

void hs_condition_request_init(hs_condition_request* request);

/// Runs image conditioning. Result: "h" [N, C, H', W'] (or [N, C] pooled), conditional branch,
/// and "timesteps" [1], the timestep of step k. Throws naming the field at fault.
hs_result* hs_condition(hs_engine* engine, const hs_condition_request* request);

enum hs_similarity : int32_t { HS_SIM_COSINE = 0, HS_SIM_PROJECTION = 1, HS_SIM_DOT = 2 };

/// Similarities of the rows of a [n, d] with the rows of b [m, d] (float32, row-major):
/// cosine, scalar projection a . b / |b|, or dot product. device: -1 CPU, else CUDA index.
/// Result: "scores" [n, m]; with top_k > 0 also "topk_values" and "topk_indices" [n, top_k]
/// (indices as float values).
hs_result* hs_similarity(const float* a, int64_t n, const float* b, int64_t m, int64_t d, int32_t kind,
                         int32_t top_k, int32_t device);

int32_t hs_result_count(const hs_result* result);
const char* hs_result_name(const hs_result* result, int32_t index);
int32_t hs_result_ndim(const hs_result* result, int32_t index);
int64_t hs_result_dim(const hs_result* result, int32_t index, int32_t axis);
int64_t hs_result_numel(const hs_result* result, int32_t index);
/// Contiguous float32 data of tensor `index`, valid until hs_result_destroy.
const float* hs_result_data(const hs_result* result, int32_t index);
void hs_result_destroy(hs_result* result);
