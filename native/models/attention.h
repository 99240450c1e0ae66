// ref: diffusers/models/attention_processor.py (Attention with AttnProcessor2_0),
// diffusers/models/attention.py (BasicTransformerBlock, FeedForward), activations.py (GEGLU)
//
// Registered names: to_q, to_k, to_v, to_out.0 (diffusers' to_out.1 is a Dropout with no
// weights, identity at inference, so only index 0 exists here); group_norm for the VAE's
// attention; norm1, attn1, norm2, attn2, norm3, ff.net.0.proj, ff.net.2 for the transformer block
// (ff.net.1 is again a Dropout). Old VAE checkpoints name the projections query, key, value and
// proj_attn (AttentionOptions::legacy_names).
//
// upcast_attention is not an option here: diffusers' default processor (AttnProcessor2_0)
// computes scaled_dot_product_attention in the input dtype and never reads it.
#pragma once

#include <cstdint>

#include <torch/torch.h>

namespace hspace::models {

struct AttentionOptions {
  int64_t query_dim = 0;
  int64_t heads = 1;
  int64_t dim_head = 0;
  int64_t cross_attention_dim = 0;  // 0: self-attention (keys and values from the query input)
  bool bias = false;                // on to_q/to_k/to_v; to_out.0 always has a bias
  // The VAE mid-block's attention (diffusers' former AttentionBlock):
  int64_t norm_num_groups = 0;      // > 0: a GroupNorm over channels before the projections
  double eps = 1e-5;
  bool residual_connection = false;
  double rescale_output_factor = 1.0;
  // Register query, key, value, proj_attn instead of to_q, to_k, to_v, to_out.0: the names VAE
  // checkpoints saved before diffusers 0.14 use (SD 1.5's own VAE), which diffusers renames on load.
  bool legacy_names = false;
};

class AttentionImpl : public torch::nn::Module {
 public:
  explicit AttentionImpl(const AttentionOptions& options);
  /// `hidden` [B, N, query_dim] or [B, C, H, W] (then attended over H*W positions and returned
  /// in the same layout); `context` [B, M, cross_attention_dim] for cross-attention, else undefined.
  /// Cross-attention projects the distinct rows of `context` to keys and values once and reuses
  /// them while forward is called with the same tensor, unchanged, and the same to_k/to_v weights
  /// (every denoising step of a batch sees one context). Inference-mode tensors, which keep no
  /// version counter, are projected at every call.
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& context = {});
  /// Drops the kept context and its keys and values.
  void forget_context();

 private:
  AttentionOptions options_;
  torch::nn::GroupNorm group_norm_{nullptr};
  torch::nn::Linear to_q_{nullptr};
  torch::nn::Linear to_k_{nullptr};
  torch::nn::Linear to_v_{nullptr};
  torch::nn::Linear to_out_0_{nullptr};
  struct ContextKey {
    uint32_t context, to_k, to_v;  // version counters
    bool operator==(const ContextKey& o) const { return context == o.context && to_k == o.to_k && to_v == o.to_v; }
  };
  torch::Tensor context_;                 // [B, M, kv_dim], the context last projected
  torch::Tensor context_rows_;            // [B]: each row's index among its distinct rows
  torch::Tensor context_k_, context_v_;   // [D, heads, M, dim_head] for the D distinct rows
  ContextKey context_key_{};
};
TORCH_MODULE(Attention);

/// LayerNorm -> self-attention, LayerNorm -> cross-attention, LayerNorm -> GEGLU feed-forward,
/// each added back to the residual stream.
class BasicTransformerBlockImpl : public torch::nn::Module {
 public:
  BasicTransformerBlockImpl(int64_t dim, int64_t heads, int64_t dim_head, int64_t cross_attention_dim);
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& context);  // [B, N, dim]

 private:
  torch::nn::LayerNorm norm1_{nullptr};
  Attention attn1_{nullptr};
  torch::nn::LayerNorm norm2_{nullptr};
  Attention attn2_{nullptr};
  torch::nn::LayerNorm norm3_{nullptr};
  torch::nn::Linear geglu_proj_{nullptr};  // ff.net.0.proj: dim -> 2 * 4 * dim
  torch::nn::Linear ff_out_{nullptr};      // ff.net.2: 4 * dim -> dim
};
TORCH_MODULE(BasicTransformerBlock);

}  // namespace hspace::models
