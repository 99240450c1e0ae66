// A model folder on disk: a diffusers pipeline (model_index.json naming components), or one
// component folder (config.json + weights) such as a transformers CLIP text encoder.
// Nothing in the folder is ever executed; pickle weights (.bin, .ckpt, .pt, .pth, .pkl) are
// refused with a message telling the user to convert them to safetensors.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "io/json.h"
#include "io/safetensors.h"

namespace hspace::io {

struct Component {
  std::string name;        // "unet", "text_encoder", ...; "model" for a single component folder
  std::string library;     // "diffusers", "transformers" (from model_index.json, or for a single
                           // component folder from its config: architectures -> transformers)
  std::string class_name;  // "UNet2DConditionModel", "CLIPTextModel", ...
  std::filesystem::path dir;
};

class DiffusersFolder {
 public:
  /// Reads model_index.json when present, else treats `dir` as a single component.
  /// `variant` ("fp16" or "") prefers weight files named *.<variant>.safetensors.
  explicit DiffusersFolder(const std::filesystem::path& dir, std::string variant = "");

  const std::filesystem::path& dir() const { return dir_; }
  const std::vector<Component>& components() const { return components_; }
  const Component* find(const std::string& name) const;
  /// Like find, but throws naming the folder and the component when absent.
  const Component& require(const std::string& name) const;
  /// model_index.json (an empty object for a single component folder).
  const Json& model_index() const { return model_index_; }

  /// config.json of a component (scheduler_config.json for schedulers, tokenizer_config.json
  /// for tokenizers).
  Json config(const Component& component) const;
  /// Path of the component's config file, for messages.
  std::filesystem::path config_path(const Component& component) const;
  /// The component's safetensors weights (single file or sharded index).
  Checkpoint weights(const Component& component) const;
  /// True when the component folder holds weights at all (schedulers and tokenizers do not).
  bool has_weights(const Component& component) const;

 private:
  std::filesystem::path dir_;
  std::string variant_;
  Json model_index_;
  std::vector<Component> components_;
};

}  // namespace hspace::io
