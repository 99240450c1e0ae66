// ref: diffusers/pipelines/pipeline_utils.py (model_index.json, variant weight names) and
// diffusers/utils/constants.py (diffusion_pytorch_model / model weight stems).
#include "io/diffusers_folder.h"

#include <algorithm>
#include <stdexcept>

namespace hspace::io {
namespace fs = std::filesystem;
namespace {

// diffusers models save diffusion_pytorch_model.*, transformers models model.*.
const char* const kWeightStems[] = {"diffusion_pytorch_model", "model"};
const char* const kPickleExtensions[] = {".bin", ".ckpt", ".pt", ".pth", ".pkl"};

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Safetensors candidates in order of preference: the variant first, then plain names.
std::vector<fs::path> weight_candidates(const fs::path& dir, const std::string& variant) {
  std::vector<fs::path> out;
  std::vector<std::string> infixes;
  if (!variant.empty()) infixes.push_back("." + variant);
  infixes.push_back("");
  for (const auto& infix : infixes) {
    for (const char* stem : kWeightStems) {
      out.push_back(dir / (std::string(stem) + infix + ".safetensors"));
      out.push_back(dir / (std::string(stem) + infix + ".safetensors.index.json"));
    }
  }
  return out;
}

// The first pickle weight file in `dir` (sorted by name), or an empty path.
fs::path find_pickle(const fs::path& dir) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    std::string ext = entry.path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    for (const char* pickle : kPickleExtensions) {
      if (ext == pickle) found.push_back(entry.path());
    }
  }
  std::sort(found.begin(), found.end());
  return found.empty() ? fs::path() : found.front();
}

void require_folder(const Component& component) {
  if (!fs::is_directory(component.dir)) {
    throw std::runtime_error(component.dir.string() + ": folder of component '" + component.name +
                             "' is missing (model_index.json names it)");
  }
}

}  // namespace

DiffusersFolder::DiffusersFolder(const fs::path& dir, std::string variant) : dir_(dir), variant_(std::move(variant)) {
  if (!fs::exists(dir_)) throw std::runtime_error(dir_.string() + ": model folder not found");
  if (!fs::is_directory(dir_)) throw std::runtime_error(dir_.string() + ": not a folder");
  model_index_ = Json::make_object({});

  const fs::path index_path = dir_ / "model_index.json";
  if (fs::exists(index_path)) {
    const std::string source = index_path.string();
    model_index_ = read_json_file(source);
    for (const auto& [name, value] : model_index_.as_object(source)) {
      // "_class_name", "_diffusers_version"; non-array values are pipeline settings such as
      // requires_safety_checker or force_zeros_for_empty_prompt.
      if (starts_with(name, "_") || !value.is_array()) continue;
      const auto& pair = value.as_array(source);
      if (pair.size() == 2 && pair[0].is_null() && pair[1].is_null()) continue;  // a component left out
      if (pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
        throw std::runtime_error(source + ": component '" + name + "' must be [\"library\", \"ClassName\"], got " +
                                 value.dump());
      }
      components_.push_back({name, pair[0].as_string(source), pair[1].as_string(source), dir_ / name});
    }
    return;
  }

  const fs::path config_path = dir_ / "config.json";
  if (!fs::exists(config_path)) {
    throw std::runtime_error(dir_.string() +
                             ": neither model_index.json (a diffusers pipeline) nor config.json (one model) found");
  }
  const std::string source = config_path.string();
  Json config = read_json_file(source);
  Component component{"model", "", "", dir_};
  if (const Json* architectures = config.find("architectures"); architectures && !architectures->is_null()) {
    const auto& list = architectures->as_array(source + ": architectures");
    if (list.empty()) throw std::runtime_error(source + ": 'architectures' is empty");
    component.library = "transformers";
    component.class_name = list[0].as_string(source + ": architectures[0]");
  } else if (const Json* class_name = config.find("_class_name")) {
    component.library = "diffusers";
    component.class_name = class_name->as_string(source + ": _class_name");
  } else {
    throw std::runtime_error(source + ": names no model class (neither 'architectures' nor '_class_name')");
  }
  components_.push_back(std::move(component));
}

const Component* DiffusersFolder::find(const std::string& name) const {
  for (const auto& component : components_) {
    if (component.name == name) return &component;
  }
  return nullptr;
}

const Component& DiffusersFolder::require(const std::string& name) const {
  if (const Component* component = find(name)) return *component;
  std::string names;
  for (const auto& component : components_) names += (names.empty() ? "" : ", ") + component.name;
  throw std::runtime_error(dir_.string() + ": no component '" + name + "' (the folder has: " +
                           (names.empty() ? "none" : names) + ")");
}

fs::path DiffusersFolder::config_path(const Component& component) const {
  const std::string& c = component.class_name;
  if (contains(c, "Scheduler") || starts_with(component.name, "scheduler")) return component.dir / "scheduler_config.json";
  if (contains(c, "Tokenizer") || starts_with(component.name, "tokenizer")) return component.dir / "tokenizer_config.json";
  if (contains(c, "ImageProcessor") || contains(c, "FeatureExtractor")) return component.dir / "preprocessor_config.json";
  return component.dir / "config.json";
}

Json DiffusersFolder::config(const Component& component) const {
  require_folder(component);
  fs::path path = config_path(component);
  if (!fs::exists(path)) {
    throw std::runtime_error(path.string() + ": config of component '" + component.name + "' is missing");
  }
  return read_json_file(path.string());
}

bool DiffusersFolder::has_weights(const Component& component) const {
  if (!fs::is_directory(component.dir)) return false;
  for (const auto& candidate : weight_candidates(component.dir, variant_)) {
    if (fs::exists(candidate)) return true;
  }
  return !find_pickle(component.dir).empty();
}

Checkpoint DiffusersFolder::weights(const Component& component) const {
  require_folder(component);
  for (const auto& candidate : weight_candidates(component.dir, variant_)) {
    if (fs::exists(candidate)) return Checkpoint::open(candidate);
  }
  fs::path pickle = find_pickle(component.dir);
  if (!pickle.empty()) {
    throw std::runtime_error(component.dir.string() + ": only pickle weights (" + pickle.filename().string() +
                             ") found; hspace never loads pickle: convert them to safetensors (e.g. with "
                             "diffusers' save_pretrained(safe_serialization=True))");
  }
  std::string looked;
  for (const auto& candidate : weight_candidates(component.dir, variant_)) {
    looked += (looked.empty() ? "" : ", ") + candidate.filename().string();
  }
  throw std::runtime_error(component.dir.string() + ": no weights for component '" + component.name +
                           "' (looked for " + looked + ")");
}

}  // namespace hspace::io
