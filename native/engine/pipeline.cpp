#include "engine/pipeline.h"

#include <stdexcept>

#include "io/json.h"

namespace hspace::engine {
namespace {

bool is_clip_text(const std::string& class_name) {
  return class_name == "CLIPTextModel" || class_name == "CLIPTextModelWithProjection";
}

std::string dtype_name(torch::Dtype dtype) {
  switch (dtype) {
    case torch::kFloat32: return "fp32";
    case torch::kFloat16: return "fp16";
    case torch::kBFloat16: return "bf16";
    default: return c10::toString(dtype);
  }
}

// The family a user would name the pipeline by, from its configs alone.
std::string detect_family(const io::DiffusersFolder& folder) {
  if (!folder.find("unet")) {
    const auto& components = folder.components();
    if (components.size() == 1 && is_clip_text(components[0].class_name)) return "CLIP text encoder";
    return "components only (no unet)";
  }
  const auto& unet = folder.require("unet");
  io::Json config = folder.config(unet);
  auto text = [&](const char* key) -> std::string {
    const io::Json* v = config.find(key);
    return v && v->is_string() ? v->as_string(key) : "";
  };
  auto integer = [&](const char* key) -> int64_t {
    const io::Json* v = config.find(key);
    return v && v->is_integer() ? v->as_int(key) : 0;
  };
  std::string family;
  if (text("addition_embed_type") == "text_time") {
    family = "SDXL";
  } else if (integer("cross_attention_dim") == 1024) {
    family = "SD 2.x";
  } else if (integer("cross_attention_dim") == 768) {
    family = "SD 1.x";
  } else {
    family = "SD-architecture (custom size)";
  }
  if (integer("time_cond_proj_dim") > 0) family += ", LCM-distilled";
  return family;
}

}  // namespace

Pipeline::Pipeline(const std::filesystem::path& dir, EngineOptions options)
    : folder_(dir), options_(options) {
  family_ = detect_family(folder_);
  for (const auto& component : folder_.components()) {
    ComponentSummary summary;
    summary.name = component.name;
    summary.class_name = component.class_name;
    if (!folder_.has_weights(component)) {
      summaries_.push_back(summary);
      continue;
    }
    io::Checkpoint weights = folder_.weights(component);
    summary.parameters = weights.parameter_count();
    summary.dtypes = weights.dtypes();
    if (is_clip_text(component.class_name) &&
        (component.name == "model" || component.name.rfind("text_encoder", 0) == 0)) {
      auto model = models::load_clip_text(folder_.config(component), folder_.config_path(component).string(),
                                          component.class_name, weights, component.name, options_.device,
                                          options_.dtype);
      // text_encoder_2 must land at index 1 whatever order model_index.json lists it in.
      size_t index = component.name == "text_encoder_2" ? 1 : 0;
      if (text_encoders_.size() <= index) text_encoders_.resize(index + 1, models::CLIPTextModel(nullptr));
      text_encoders_[index] = model;
      summary.loaded = true;
    } else if (component.class_name == "UNet2DConditionModel") {
      unet_ = models::load_unet(folder_.config(component), folder_.config_path(component).string(), weights,
                                component.name, options_.device, options_.dtype);
      if (options_.channels_last) unet_->use_channels_last();
      summary.loaded = true;
    } else if (component.class_name == "AutoencoderKL") {
      vae_ = models::load_vae(folder_.config(component), folder_.config_path(component).string(), weights,
                              component.name, options_.device, options_.dtype);
      summary.loaded = true;
    }
    summaries_.push_back(summary);
  }
}

models::CLIPTextModel& Pipeline::text_encoder(int index) {
  if (index < 0 || index >= static_cast<int>(text_encoders_.size()) || text_encoders_[index].is_empty()) {
    throw std::runtime_error(folder_.dir().string() + ": no text encoder " + std::to_string(index) +
                             (index == 1 ? " (text_encoder_2 exists only in SDXL pipelines)" : ""));
  }
  return text_encoders_[index];
}

models::UNet2DConditionModel& Pipeline::unet() {
  if (unet_.is_empty()) throw std::runtime_error(folder_.dir().string() + ": the model has no unet component");
  return unet_;
}

models::AutoencoderKL& Pipeline::vae() {
  if (vae_.is_empty()) throw std::runtime_error(folder_.dir().string() + ": the model has no vae component (needed for images)");
  return vae_;
}

std::unique_ptr<schedulers::Scheduler> Pipeline::make_scheduler(const std::string& override_name) const {
  const auto& component = folder_.require("scheduler");
  return schedulers::make_scheduler(folder_.config(component), folder_.config_path(component).string(), override_name);
}

schedulers::DDIMInverseScheduler Pipeline::make_inverse_scheduler() const {
  const auto& component = folder_.require("scheduler");
  return schedulers::DDIMInverseScheduler(folder_.config(component), folder_.config_path(component).string());
}

bool Pipeline::is_sdxl() const { return !unet_.is_empty() && unet_->config().text_time; }

bool Pipeline::force_zeros_for_empty_prompt() const {
  const io::Json* flag = folder_.model_index().find("force_zeros_for_empty_prompt");
  // StableDiffusionXLPipeline registers the flag with a default of true; other pipelines lack it.
  if (!flag || flag->is_null()) return is_sdxl();
  return flag->as_bool("force_zeros_for_empty_prompt");
}

int64_t Pipeline::vae_scale_factor() const {
  // diffusers falls back to 8 when a pipeline has no VAE.
  return vae_.is_empty() ? 8 : vae_->config().downscale_factor();
}

int64_t Pipeline::default_size() const {
  if (unet_.is_empty() || unet_->config().sample_height == 0) {
    throw std::runtime_error(folder_.dir().string() + ": the unet config gives no sample_size; give the image size explicitly");
  }
  return unet_->config().sample_height * vae_scale_factor();
}

std::string Pipeline::describe_json() const {
  using io::Json;
  std::vector<Json> components;
  for (const auto& s : summaries_) {
    std::vector<Json> dtypes;
    for (const auto& d : s.dtypes) dtypes.push_back(Json::make_string(d));
    components.push_back(Json::make_object({
        {"name", Json::make_string(s.name)},
        {"class", Json::make_string(s.class_name)},
        {"parameters", Json::make_number(static_cast<double>(s.parameters), true, s.parameters)},
        {"dtypes", Json::make_array(std::move(dtypes))},
        {"loaded", Json::make_bool(s.loaded)},
    }));
  }
  std::vector<std::pair<std::string, Json>> fields = {
      {"path", Json::make_string(folder_.dir().string())},
      {"family", Json::make_string(family_)},
      {"device", Json::make_string(options_.device.str())},
      {"dtype", Json::make_string(dtype_name(options_.dtype))},
      {"memory_format", Json::make_string(options_.channels_last ? "channels_last" : "contiguous")},
      {"reuse_cpu_blocks", Json::make_bool(options_.reuse_cpu_blocks)},
      {"components", Json::make_array(std::move(components))},
  };
  if (!unet_.is_empty() && unet_->config().sample_height > 0) {
    int64_t size = unet_->config().sample_height * vae_scale_factor();
    fields.emplace_back("default_size", Json::make_number(static_cast<double>(size), true, size));
  }
  return Json::make_object(std::move(fields)).dump();
}

}  // namespace hspace::engine
