#include "engine/conditioning.h"

#include <stdexcept>

namespace hspace::engine {

TextConditioning encode_prompts(Pipeline& pipeline, const TokenIds& tokens) {
  const auto device = pipeline.options().device;
  TextConditioning out;
  if (!pipeline.is_sdxl()) {
    out.context = pipeline.text_encoder(0)->forward(tokens.ids.to(device)).last_hidden_state;  // [N, L, D]
    return out;
  }
  if (!tokens.ids_2.defined()) {
    throw std::runtime_error(pipeline.dir().string() + ": SDXL needs token ids from both tokenizers (tokenizer_2 missing)");
  }
  auto first = pipeline.text_encoder(0)->forward(tokens.ids.to(device), /*hidden_layer=*/-2);      // [N, L, D1]
  auto second = pipeline.text_encoder(1)->forward(tokens.ids_2.to(device), /*hidden_layer=*/-2);   // [N, L, D2]
  if (!second.text_embeds.defined()) {
    throw std::runtime_error(pipeline.dir().string() + ": text_encoder_2 has no projection (SDXL needs CLIPTextModelWithProjection)");
  }
  out.context = torch::cat({first.hidden_states, second.hidden_states.to(first.hidden_states.dtype())}, -1);  // [N, L, D1+D2]
  out.text_embeds = second.text_embeds;                                                           // [N, P]
  return out;
}

TextConditioning zeros_like(const TextConditioning& conditioning) {
  TextConditioning out;
  out.context = torch::zeros_like(conditioning.context);
  if (conditioning.text_embeds.defined()) out.text_embeds = torch::zeros_like(conditioning.text_embeds);
  return out;
}

TextConditioning select_rows(const TextConditioning& conditioning, const torch::Tensor& rows) {
  auto index = rows.to(conditioning.context.device());
  TextConditioning out;
  out.context = conditioning.context.index_select(0, index);
  if (conditioning.text_embeds.defined()) out.text_embeds = conditioning.text_embeds.index_select(0, index);
  return out;
}

torch::Tensor sdxl_time_ids(int64_t batch, int64_t height, int64_t width, torch::Device device, torch::Dtype dtype) {
  auto row = torch::tensor({static_cast<double>(height), static_cast<double>(width), 0.0, 0.0,
                            static_cast<double>(height), static_cast<double>(width)},
                           torch::TensorOptions().dtype(dtype));
  return row.unsqueeze(0).repeat({batch, 1}).to(device);  // [B, 6]
}

torch::Tensor guidance_scale_embedding(double guidance, int64_t batch, int64_t dim, torch::Device device,
                                       torch::Dtype dtype) {
  // diffusers computes in float32 from a float32 w, the frequency step included
  // (torch.log(torch.tensor(10000.0)) / (half - 1)); mirror that before casting.
  auto w = torch::full({batch}, static_cast<float>(guidance - 1.0), torch::kFloat32) * 1000.0;  // [B]
  const int64_t half = dim / 2;
  auto freq = torch::log(torch::tensor(10000.0f)) / (half - 1);                          // [] float32
  auto emb = torch::exp(torch::arange(half, torch::kFloat32) * -freq);                   // [half]
  emb = w.unsqueeze(1) * emb.unsqueeze(0);                                                 // [B, half]
  emb = torch::cat({torch::sin(emb), torch::cos(emb)}, 1);                                 // [B, 2*half]
  if (dim % 2 == 1) emb = torch::nn::functional::pad(emb, torch::nn::functional::PadFuncOptions({0, 1}));
  return emb.to(device, dtype);                                                            // [B, dim]
}

models::UNetConditioning unet_conditioning(Pipeline& pipeline, const torch::Tensor& text_embeds, int64_t rows,
                                           int64_t height, int64_t width, double guidance) {
  const auto& config = pipeline.unet()->config();
  const auto device = pipeline.options().device;
  const auto dtype = pipeline.options().dtype;
  models::UNetConditioning extra;
  extra.text_embeds = text_embeds;
  if (config.text_time) extra.time_ids = sdxl_time_ids(rows, height, width, device, dtype);
  if (config.time_cond_proj_dim > 0) {
    extra.timestep_cond = guidance_scale_embedding(guidance, rows, config.time_cond_proj_dim, device, dtype);
  }
  return extra;
}

}  // namespace hspace::engine
