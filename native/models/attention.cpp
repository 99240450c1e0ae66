// ref: diffusers/models/attention_processor.py (Attention, AttnProcessor2_0),
// diffusers/models/attention.py (BasicTransformerBlock, FeedForward), activations.py (GEGLU)
#include "models/attention.h"

#include <tuple>

#include <ATen/ops/scaled_dot_product_attention.h>
#include <ATen/ops/unique_dim.h>

namespace hspace::models {
namespace nn = torch::nn;

AttentionImpl::AttentionImpl(const AttentionOptions& o) : options_(o) {
  const int64_t inner = o.heads * o.dim_head;
  const int64_t kv_dim = o.cross_attention_dim > 0 ? o.cross_attention_dim : o.query_dim;
  if (o.norm_num_groups > 0) {
    group_norm_ = register_module(
        "group_norm", nn::GroupNorm(nn::GroupNormOptions(o.norm_num_groups, o.query_dim).eps(o.eps)));
  }
  to_q_ = register_module(o.legacy_names ? "query" : "to_q", nn::Linear(nn::LinearOptions(o.query_dim, inner).bias(o.bias)));
  to_k_ = register_module(o.legacy_names ? "key" : "to_k", nn::Linear(nn::LinearOptions(kv_dim, inner).bias(o.bias)));
  to_v_ = register_module(o.legacy_names ? "value" : "to_v", nn::Linear(nn::LinearOptions(kv_dim, inner).bias(o.bias)));
  if (o.legacy_names) {
    to_out_0_ = register_module("proj_attn", nn::Linear(inner, o.query_dim));
  } else {
    // diffusers' to_out is [Linear, Dropout]; index 1 holds no weights and is identity at inference.
    auto to_out = register_module("to_out", std::make_shared<nn::Module>());
    to_out_0_ = to_out->register_module("0", nn::Linear(inner, o.query_dim));
  }
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& hidden, const torch::Tensor& context) {
  const bool spatial = hidden.dim() == 4;
  auto x = hidden;
  int64_t channels = 0, height = 0, width = 0;
  if (spatial) {
    channels = x.size(1), height = x.size(2), width = x.size(3);
    x = x.view({x.size(0), channels, height * width}).transpose(1, 2);  // [B, HW, C]
  }
  const int64_t batch = x.size(0);
  if (!group_norm_.is_empty()) {
    x = group_norm_->forward(x.transpose(1, 2)).transpose(1, 2);          // [B, N, C]
  }
  const auto& kv = context.defined() ? context : x;                       // [B, M, kv_dim]
  auto split_heads = [&](const torch::Tensor& t) {
    return t.view({batch, -1, options_.heads, options_.dim_head}).transpose(1, 2);  // [B, heads, L, dim_head]
  };
  auto q = split_heads(to_q_->forward(x));
  torch::Tensor k, v;
  if (context.defined() && !context.is_inference()) {
    const auto key = ContextKey{context._version(), to_k_->weight._version(), to_v_->weight._version()};
    if (!context_.is_same(context) || !(context_key_ == key)) {
      // A batch repeats each prompt once per seed and the negative prompt once per item: project
      // its distinct rows only, and keep them for the batch's other steps.
      torch::Tensor distinct;                                             // [D, M, kv_dim]
      std::tie(distinct, context_rows_, std::ignore) =
          at::unique_dim(context, /*dim=*/0, /*sorted=*/false, /*return_inverse=*/true);
      const int64_t d = distinct.size(0);
      context_ = context;
      context_key_ = key;
      context_k_ = to_k_->forward(distinct).view({d, -1, options_.heads, options_.dim_head}).transpose(1, 2);
      context_v_ = to_v_->forward(distinct).view({d, -1, options_.heads, options_.dim_head}).transpose(1, 2);
    }
    k = context_k_.index_select(0, context_rows_);                        // [B, heads, M, dim_head]
    v = context_v_.index_select(0, context_rows_);
  } else {
    k = split_heads(to_k_->forward(kv));
    v = split_heads(to_v_->forward(kv));
  }
  auto out = at::scaled_dot_product_attention(q, k, v);                   // [B, heads, N, dim_head]
  out = out.transpose(1, 2).reshape({batch, -1, options_.heads * options_.dim_head});  // [B, N, inner]
  out = to_out_0_->forward(out);                                          // [B, N, query_dim]
  if (spatial) {
    out = out.transpose(-1, -2).reshape({batch, channels, height, width});  // [B, C, H, W]
  }
  if (options_.residual_connection) out = out + hidden;
  return options_.rescale_output_factor == 1.0 ? out : out / options_.rescale_output_factor;
}

void AttentionImpl::forget_context() { context_ = context_rows_ = context_k_ = context_v_ = torch::Tensor(); }

BasicTransformerBlockImpl::BasicTransformerBlockImpl(int64_t dim, int64_t heads, int64_t dim_head,
                                                     int64_t cross_attention_dim) {
  auto layer_norm = [&] { return nn::LayerNorm(nn::LayerNormOptions({dim}).eps(1e-5)); };
  norm1_ = register_module("norm1", layer_norm());
  attn1_ = register_module("attn1", Attention(AttentionOptions{dim, heads, dim_head}));
  norm2_ = register_module("norm2", layer_norm());
  AttentionOptions cross{dim, heads, dim_head};
  cross.cross_attention_dim = cross_attention_dim;
  attn2_ = register_module("attn2", Attention(cross));
  norm3_ = register_module("norm3", layer_norm());
  const int64_t inner = 4 * dim;  // FeedForward's mult=4
  auto ff = register_module("ff", std::make_shared<nn::Module>());
  auto net = ff->register_module("net", std::make_shared<nn::Module>());
  // net.0 is GEGLU (its Linear is "proj"), net.1 a Dropout (no weights), net.2 the output Linear.
  auto geglu = net->register_module("0", std::make_shared<nn::Module>());
  geglu_proj_ = geglu->register_module("proj", nn::Linear(dim, 2 * inner));
  ff_out_ = net->register_module("2", nn::Linear(inner, dim));
}

torch::Tensor BasicTransformerBlockImpl::forward(const torch::Tensor& hidden, const torch::Tensor& context) {
  auto x = attn1_->forward(norm1_->forward(hidden)) + hidden;           // [B, N, dim]
  x = attn2_->forward(norm2_->forward(x), context) + x;                 // [B, N, dim]
  auto projected = geglu_proj_->forward(norm3_->forward(x));            // [B, N, 8*dim]
  auto halves = projected.chunk(2, /*dim=*/-1);
  auto gated = halves[0] * torch::gelu(halves[1]);                      // [B, N, 4*dim]
  return ff_out_->forward(gated) + x;                                   // [B, N, dim]
}

}  // namespace hspace::models
