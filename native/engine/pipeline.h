// The loaded model: every component of a diffusers pipeline folder (or a single component
// folder) that the engine supports, on one device and dtype.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "io/diffusers_folder.h"
#include "models/clip_text.h"

namespace hspace::engine {

struct EngineOptions {
  torch::Device device = torch::kCPU;
  torch::Dtype dtype = torch::kFloat32;
};

/// What `hspace info` shows about one component.
struct ComponentSummary {
  std::string name;
  std::string class_name;
  int64_t parameters = 0;            // from the weight file headers; 0 for weightless parts
  std::vector<std::string> dtypes;   // weight dtypes on disk
  bool loaded = false;               // the engine built and loaded it
};

class Pipeline {
 public:
  Pipeline(const std::filesystem::path& dir, EngineOptions options);

  const EngineOptions& options() const { return options_; }
  /// Architecture family derived from the configs ("SD 1.x", "SD 2.x", "SDXL", "CLIP text encoder", ...).
  const std::string& family() const { return family_; }
  const std::vector<ComponentSummary>& components() const { return summaries_; }
  /// Text encoder `index` (0: text_encoder, 1: text_encoder_2); throws naming the folder when absent.
  models::CLIPTextModel& text_encoder(int index);
  /// JSON for hs_engine_describe.
  std::string describe_json() const;

 private:
  io::DiffusersFolder folder_;
  EngineOptions options_;
  std::string family_;
  std::vector<ComponentSummary> summaries_;
  std::vector<models::CLIPTextModel> text_encoders_;
};

}  // namespace hspace::engine
