// ref: transformers/models/clip/modeling_clip.py (CLIPModel), configuration_clip.py (CLIPConfig)
#include "models/clip_model.h"

#include <set>
#include <sstream>
#include <stdexcept>

#include "io/config.h"
#include "io/diffusers_folder.h"
#include "io/state_dict.h"

namespace hspace::models {

namespace {

// Generic PretrainedConfig fields that transformers before ~4.30 wrote into every nested config
// (openai/clip-vit-* still carry them): generation and fine-tuning settings that never change
// the forward pass. The towers' own readers stay strict about everything else; eos_token_id is
// not listed, the text tower reads it.
const std::set<std::string>& generic_pretrained_fields() {
  static const std::set<std::string> fields{
      "add_cross_attention", "bad_words_ids", "begin_suppress_tokens", "chunk_size_feed_forward",
      "cross_attention_hidden_size", "decoder_start_token_id", "diversity_penalty", "do_sample", "early_stopping",
      "encoder_no_repeat_ngram_size", "exponential_decay_length_penalty", "finetuning_task", "forced_bos_token_id",
      "forced_eos_token_id", "id2label", "is_decoder", "is_encoder_decoder", "label2id", "length_penalty",
      "max_length", "min_length", "no_repeat_ngram_size", "num_beam_groups", "num_beams", "num_return_sequences",
      "output_attentions", "output_hidden_states", "output_scores", "prefix", "problem_type", "pruned_heads",
      "remove_invalid_values", "repetition_penalty", "return_dict", "return_dict_in_generate", "sep_token_id",
      "suppress_tokens", "task_specific_params", "temperature", "tf_legacy_loss", "tie_encoder_decoder",
      "tie_word_embeddings", "tokenizer_class", "top_k", "top_p", "torchscript", "typical_p", "use_bfloat16"};
  return fields;
}

// `config` without the generic fields (and, for the vision tower, without the token ids that
// the generic PretrainedConfig gives every config).
io::Json tower_fields(const io::Json& config, const std::string& what, bool drop_token_ids) {
  static const std::set<std::string> token_ids{"bos_token_id", "eos_token_id", "pad_token_id"};
  std::vector<std::pair<std::string, io::Json>> kept;
  for (const auto& [key, value] : config.as_object(what)) {
    if (generic_pretrained_fields().count(key) || (drop_token_ids && token_ids.count(key))) continue;
    kept.emplace_back(key, value);
  }
  return io::Json::make_object(std::move(kept));
}

}  // namespace

CLIPConfig CLIPConfig::from_json(const io::Json& json, const std::string& source) {
  io::ConfigReader reader(json, source);
  const io::Json* text = reader.raw("text_config");
  const io::Json* vision = reader.raw("vision_config");
  if (!text || !text->is_object()) throw std::runtime_error(reader.where("text_config") + " is missing or not an object");
  if (!vision || !vision->is_object()) {
    throw std::runtime_error(reader.where("vision_config") + " is missing or not an object");
  }
  CLIPConfig c;
  // transformers' CLIPConfig default, which it applies to an absent field too.
  c.projection_dim = reader.get_int("projection_dim", 512);
  const auto architectures = reader.has("architectures") ? reader.get_string_list("architectures")
                                                         : std::vector<std::string>{"CLIPModel"};
  if (architectures.empty() || architectures[0] != "CLIPModel") {
    throw std::runtime_error(reader.where("architectures") + " must name CLIPModel (got '" +
                             (architectures.empty() ? std::string() : architectures[0]) + "')");
  }
  reader.ignore({"model_type", "torch_dtype", "dtype", "transformers_version", "initializer_factor",
                 "logit_scale_init_value", "text_config_dict", "vision_config_dict"});
  reader.finish();
  if (c.projection_dim <= 0) throw std::runtime_error(reader.where("projection_dim") + " must be positive");

  // CLIPModel projects both towers to the top-level projection_dim; the nested configs keep
  // their own (default 512) unused value.
  c.text = CLIPTextConfig::from_json(tower_fields(*text, source + ": text_config", /*drop_token_ids=*/false),
                                     source + ": text_config", "CLIPTextModelWithProjection");
  c.text.projection_dim = c.projection_dim;
  c.vision = CLIPVisionConfig::from_json(tower_fields(*vision, source + ": vision_config", /*drop_token_ids=*/true),
                                         source + ": vision_config", "CLIPVisionModelWithProjection");
  c.vision.projection_dim = c.projection_dim;
  return c;
}

std::string CLIPConfig::summary() const {
  return "CLIPModel: projection " + std::to_string(projection_dim) + "; text " + text.summary() + "; vision " +
         vision.summary();
}

CLIPModelImpl::CLIPModelImpl(CLIPConfig config) : config_(std::move(config)) {
  text_ = CLIPTextModel(config_.text);
  vision_ = CLIPVisionModel(config_.vision);
  // The towers' top-level children, registered here under the same names, make this module's
  // keys those of the CLIPModel checkpoint; the towers keep running their own forward.
  for (const auto& child : text_->named_children()) register_module(child.key(), child.value());
  for (const auto& child : vision_->named_children()) register_module(child.key(), child.value());
  logit_scale_ = register_parameter("logit_scale", torch::zeros({}));
}

std::vector<std::string> CLIPModelImpl::optional_keys() {
  auto keys = CLIPTextModelImpl::optional_keys();
  for (const auto& key : CLIPVisionModelImpl::optional_keys()) keys.push_back(key);
  return keys;
}

torch::Tensor CLIPModelImpl::image_features(const torch::Tensor& pixel_values) {
  return vision_->forward(pixel_values).image_embeds;  // [N, P]
}

torch::Tensor CLIPModelImpl::text_features(const torch::Tensor& input_ids) {
  return text_->forward(input_ids.to(logit_scale_.device())).text_embeds;  // [T, P]
}

double CLIPModelImpl::logit_scale() const { return logit_scale_.to(torch::kFloat64).exp().item<double>(); }

CLIPOutput CLIPModelImpl::forward(const torch::Tensor& pixel_values, const torch::Tensor& input_ids) {
  auto normalized = [](const torch::Tensor& x) { return x / x.norm(/*p=*/2, /*dim=*/-1, /*keepdim=*/true); };
  CLIPOutput out;
  out.image_embeds = normalized(image_features(pixel_values));  // [N, P]
  out.text_embeds = normalized(text_features(input_ids));       // [T, P]
  out.logits_per_image = out.image_embeds.matmul(out.text_embeds.t()) * logit_scale_.exp();  // [N, T]
  return out;
}

CLIPFolder CLIPFolder::open(const std::filesystem::path& dir, torch::Device device, torch::Dtype dtype) {
  io::DiffusersFolder folder(dir);
  const auto& component = folder.require("model");
  if (component.class_name != "CLIPModel") {
    throw std::runtime_error(folder.config_path(component).string() + ": class '" + component.class_name +
                             "' is not a CLIPModel (a transformers CLIP folder with both towers is needed)");
  }
  auto config = CLIPConfig::from_json(folder.config(component), folder.config_path(component).string());

  const auto processor_path = dir / "preprocessor_config.json";
  if (!std::filesystem::exists(processor_path)) {
    throw std::runtime_error("CLIP folder " + dir.string() + " has no preprocessor_config.json");
  }
  const io::Json processor_json = io::read_json_file(processor_path.string());
  auto processor = CLIPImageProcessorConfig::from_json(processor_json, processor_path.string());
  if (processor.crop_height != config.vision.image_size || processor.crop_width != config.vision.image_size ||
      !processor.do_center_crop) {
    throw std::runtime_error(processor_path.string() + ": crop_size " + std::to_string(processor.crop_height) + " x " +
                             std::to_string(processor.crop_width) + (processor.do_center_crop ? "" : " (not cropped)") +
                             " does not give the vision tower's image_size " + std::to_string(config.vision.image_size));
  }

  auto weights = folder.weights(component);
  CLIPModel model(config);
  model->to(device, dtype);
  io::load_state_dict(*model, weights, "CLIP model " + dir.string(), /*prefix=*/"", CLIPModelImpl::optional_keys());
  model->eval();
  return CLIPFolder{dir, model, CLIPImageProcessor(processor), weights.parameter_count()};
}

torch::Tensor CLIPFolder::encode_images(const std::vector<torch::Tensor>& images) {
  if (images.empty()) throw std::runtime_error("CLIP: no images to encode");
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> pixels;
  pixels.reserve(images.size());
  for (size_t i = 0; i < images.size(); ++i) {
    try {
      pixels.push_back(processor.preprocess(images[i]));  // [3, S, S]
    } catch (const std::runtime_error& e) {
      throw std::runtime_error("image " + std::to_string(i) + ": " + e.what());
    }
  }
  auto features = model->image_features(torch::stack(pixels));               // [N, P]
  return features / features.norm(/*p=*/2, /*dim=*/-1, /*keepdim=*/true);    // [N, P]
}

torch::Tensor CLIPFolder::encode_text(const torch::Tensor& input_ids) {
  torch::NoGradGuard no_grad;
  auto features = model->text_features(input_ids);                         // [T, P]
  return features / features.norm(/*p=*/2, /*dim=*/-1, /*keepdim=*/true);  // [T, P]
}

std::string CLIPFolder::describe_json() const {
  using io::Json;
  const auto& c = model->config();
  auto integer = [](int64_t v) { return Json::make_number(static_cast<double>(v), true, v); };
  auto weight = model->parameters().front();
  return Json::make_object({
                               {"path", Json::make_string(dir.string())},
                               {"text", Json::make_string(c.text.summary())},
                               {"vision", Json::make_string(c.vision.summary())},
                               {"processor", Json::make_string(processor.config().summary())},
                               {"projection_dim", integer(c.projection_dim)},
                               {"image_size", integer(c.vision.image_size)},
                               {"context_length", integer(c.text.max_position_embeddings)},
                               {"vocab_size", integer(c.text.vocab_size)},
                               {"logit_scale", Json::make_number(model->logit_scale(), false, 0)},
                               {"parameters", integer(parameter_count)},
                               {"device", Json::make_string(weight.device().str())},
                               {"dtype", Json::make_string(c10::toString(weight.scalar_type()))},  // "Float", "Half", ...
                           })
      .dump();
}

}  // namespace hspace::models
