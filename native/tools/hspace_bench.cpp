// hspace_bench: runs one extraction job through the engine's C API and times it, for
// tools/bench (which runs the Python baselines on the same job) and for GPU machines
// without Java.
//
//   hspace_bench --model DIR --job JOB.json --out H.safetensors [--device -1|N] [--dtype auto|fp32|fp16|bf16]
//                [--threads N] [--repeat N]
//
// JOB.json: {"prompt_ids": [[...], ...], "negative_ids": [...], "seeds": [...], "steps": K,
//            "guidance": G, "width": W, "height": H, "capture_steps": [...], "batch_size": B,
//            "scheduler": "" | "ddim" | "euler" | "lcm", "pooling": "none" | "spatial-mean",
//            "images": false,
//            "text_per_item": false, "attention": "fused" | "math",
//            "memory_format": "auto" | "contiguous" | "channels_last", "cudnn_benchmark": false,
//            "reuse_cpu_blocks": true, "branch": "cond" | "both"}
// "cudnn_benchmark" turns on cuDNN's autotuner for the process (off in the engine, whose runs
// must repeat bit for bit: the autotuner may pick another algorithm in another process).
// text_per_item and attention exist for ablations: text_per_item hands the engine one prompt row
// per item, so it encodes the text prompts x seeds times instead of once per prompt; "math" turns
// off LibTorch's fused scaled-dot-product attention kernels (flash, memory-efficient, cuDNN),
// leaving its unfused math path, for the whole process. "branch": "both" also keeps the
// unconditional h, so the last step runs both CFG halves (the conditional one alone by default).
// Prints one JSON line: items, seconds (best of --repeat after one warm-up), items_per_s.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <ATen/Context.h>

#include "hspace.h"
#include "io/json.h"

namespace {

std::vector<int64_t> int_list(const hspace::io::Json& json, const char* key) {
  std::vector<int64_t> out;
  const auto* v = json.find(key);
  if (!v) return out;
  for (const auto& x : v->as_array(key)) out.push_back(x.as_int(key));
  return out;
}

// Writes float32 tensors as a safetensors file (the format the Python side reads back).
void write_safetensors(const std::string& path, const hs_result* result) {
  std::string header = "{";
  uint64_t offset = 0;
  for (int32_t i = 0; i < hs_result_count(result); ++i) {
    std::string shape;
    for (int32_t d = 0; d < hs_result_ndim(result, i); ++d) {
      shape += (d ? "," : "") + std::to_string(hs_result_dim(result, i, d));
    }
    uint64_t bytes = static_cast<uint64_t>(hs_result_numel(result, i)) * 4;
    header += std::string(i ? "," : "") + "\"" + hs_result_name(result, i) + "\":{\"dtype\":\"F32\",\"shape\":[" +
              shape + "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + bytes) + "]}";
    offset += bytes;
  }
  header += "}";
  while (header.size() % 8) header += ' ';
  std::ofstream out(path, std::ios::binary);
  uint64_t length = header.size();
  out.write(reinterpret_cast<const char*>(&length), 8);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  for (int32_t i = 0; i < hs_result_count(result); ++i) {
    out.write(reinterpret_cast<const char*>(hs_result_data(result, i)), hs_result_numel(result, i) * 4);
  }
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace

int main(int argc, char** argv) {
  std::string model, job_path, out_path, dtype = "auto";
  int device = -1, threads = 0, repeat = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--model") model = value;
    else if (flag == "--job") job_path = value;
    else if (flag == "--out") out_path = value;
    else if (flag == "--device") device = std::stoi(value);
    else if (flag == "--dtype") dtype = value;
    else if (flag == "--threads") threads = std::stoi(value);
    else if (flag == "--repeat") repeat = std::stoi(value);
    else { std::cerr << "unknown flag " << flag << "\n"; return 2; }
  }
  if (model.empty() || job_path.empty()) {
    std::cerr << "usage: hspace_bench --model DIR --job JOB.json [--out H.safetensors] [--device N] [--dtype D] [--threads N] [--repeat N]\n";
    return 2;
  }
  try {
    auto job = hspace::io::read_json_file(job_path);
    hs_engine_params params;
    hs_engine_params_init(&params);
    params.device = device;
    params.num_threads = threads;
    params.dtype = dtype == "fp32" ? HS_DTYPE_F32 : dtype == "fp16" ? HS_DTYPE_F16 : dtype == "bf16" ? HS_DTYPE_BF16 : HS_DTYPE_AUTO;
    if (const auto* m = job.find("memory_format")) {
      const auto& name = m->as_string("memory_format");
      if (name == "auto") params.memory_format = HS_MEMORY_AUTO;
      else if (name == "contiguous") params.memory_format = HS_MEMORY_CONTIGUOUS;
      else if (name == "channels_last") params.memory_format = HS_MEMORY_CHANNELS_LAST;
      else throw std::runtime_error("job memory_format '" + name + "': use auto, contiguous or channels_last");
    }
    if (const auto* r = job.find("reuse_cpu_blocks")) params.reuse_cpu_blocks = r->as_bool("reuse_cpu_blocks") ? 1 : 0;
    hs_engine* engine = hs_engine_create(model.c_str(), &params);

    std::vector<int64_t> ids, negative = int_list(job, "negative_ids");
    int64_t prompts = 0, length = 0;
    for (const auto& row : job.find("prompt_ids")->as_array("prompt_ids")) {
      auto& r = row.as_array("prompt_ids");
      length = static_cast<int64_t>(r.size());
      for (const auto& x : r) ids.push_back(x.as_int("prompt_ids"));
      ++prompts;
    }
    auto seeds = int_list(job, "seeds");
    const auto* per_item = job.find("text_per_item");
    const bool text_per_item = per_item && per_item->as_bool("text_per_item");
    std::vector<int64_t> item_prompts, item_seeds;
    if (text_per_item) {
      std::vector<int64_t> repeated;
      for (int64_t p = 0; p < prompts; ++p) {
        for (auto s : seeds) {
          repeated.insert(repeated.end(), ids.begin() + p * length, ids.begin() + (p + 1) * length);
          item_prompts.push_back(static_cast<int64_t>(item_seeds.size()));
          item_seeds.push_back(s);
        }
      }
      ids = std::move(repeated);
    }
    if (const auto* a = job.find("attention"); a && a->as_string("attention") == "math") {
      at::globalContext().setSDPUseFlash(false);
      at::globalContext().setSDPUseMemEfficient(false);
      at::globalContext().setSDPUseCuDNN(false);
    }
    if (const auto* c = job.find("cudnn_benchmark")) {
      at::globalContext().setBenchmarkCuDNN(c->as_bool("cudnn_benchmark"));
    }
    std::vector<int32_t> capture;
    for (auto s : int_list(job, "capture_steps")) capture.push_back(static_cast<int32_t>(s));
    hs_extract_request request;
    hs_extract_request_init(&request);
    request.prompt_ids = ids.data();
    request.num_prompts = text_per_item ? static_cast<int64_t>(item_prompts.size()) : prompts;
    request.token_length = length;
    request.negative_ids = negative.empty() ? nullptr : negative.data();
    request.seeds = seeds.data();
    request.num_seeds = static_cast<int64_t>(seeds.size());
    if (text_per_item) {
      request.item_prompts = item_prompts.data();
      request.item_seeds = item_seeds.data();
      request.num_items = static_cast<int64_t>(item_prompts.size());
    }
    request.steps = static_cast<int32_t>(job.find("steps")->as_int("steps"));
    request.guidance = static_cast<float>(job.find("guidance")->as_double("guidance"));
    if (const auto* w = job.find("width")) request.width = static_cast<int32_t>(w->as_int("width"));
    if (const auto* h = job.find("height")) request.height = static_cast<int32_t>(h->as_int("height"));
    if (const auto* b = job.find("batch_size")) request.batch_size = static_cast<int32_t>(b->as_int("batch_size"));
    if (const auto* s = job.find("scheduler")) {
      const auto& name = s->as_string("scheduler");
      request.scheduler = name == "ddim" ? HS_SCHEDULER_DDIM : name == "euler" ? HS_SCHEDULER_EULER
                          : name == "lcm" ? HS_SCHEDULER_LCM : HS_SCHEDULER_MODEL;
    }
    if (const auto* p = job.find("pooling")) {
      request.pooling = p->as_string("pooling") == "spatial-mean" ? HS_POOL_SPATIAL_MEAN : HS_POOL_NONE;
    }
    if (const auto* i = job.find("images")) request.want_images = i->as_bool("images") ? 1 : 0;
    if (const auto* b = job.find("branch")) {
      const auto& name = b->as_string("branch");
      if (name == "cond") request.branch = HS_BRANCH_COND;
      else if (name == "both") request.branch = HS_BRANCH_BOTH;
      else throw std::runtime_error("job branch '" + name + "': use cond or both");
    }
    request.capture_steps = capture.data();
    request.num_capture_steps = static_cast<int32_t>(capture.size());

    hs_result_destroy(hs_extract(engine, &request));  // warm-up: allocator, kernels, caches
    double best = 1e300;
    hs_result* result = nullptr;
    for (int r = 0; r < repeat; ++r) {
      if (result) hs_result_destroy(result);
      auto start = std::chrono::steady_clock::now();
      result = hs_extract(engine, &request);
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    if (!out_path.empty()) write_safetensors(out_path, result);
    const int64_t items = prompts * static_cast<int64_t>(seeds.size());
    std::printf("{\"items\": %lld, \"seconds\": %.6f, \"items_per_s\": %.4f, \"version\": \"%s\"}\n",
                static_cast<long long>(items), best, items / best, hs_version());
    hs_result_destroy(result);
    hs_engine_destroy(engine);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "hspace_bench: " << e.what() << "\n";
    return 1;
  }
}
