// ref: transformers/models/clip/image_processing_clip.py (CLIPImageProcessor.preprocess),
// transformers/image_transforms.py, Pillow libImaging/Resample.c (ImagingResample, bicubic)
#include "models/clip_image_processor.h"

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "io/config.h"

namespace hspace::models {

namespace {

constexpr int64_t kPilBicubic = 3;  // PIL.Image.Resampling.BICUBIC
// Pillow's 8-bit resampling keeps coefficients as fixed point with this many fraction bits
// (32 - 8 bits of pixel - 2 bits of headroom).
constexpr int kPrecisionBits = 32 - 8 - 2;
constexpr double kBicubicSupport = 2.0;
constexpr double kBicubicA = -0.5;

double bicubic(double x) {
  x = std::abs(x);
  if (x < 1.0) return ((kBicubicA + 2.0) * x - (kBicubicA + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * kBicubicA;
  return 0.0;
}

// The taps of one resampling pass: output index i reads inputs first[i] .. first[i] + count[i] - 1
// with the fixed-point weights at weights[i * window ...].
struct Taps {
  int64_t window = 0;
  std::vector<int64_t> first, count;
  std::vector<int32_t> weights;
};

// Pillow's precompute_coeffs + normalize_coeffs_8bpc for a box covering the whole input. When
// shrinking, the kernel widens by the scale (the antialiasing); the weights are normalised to
// sum to one, then rounded half away from zero to fixed point.
Taps taps(int64_t in_size, int64_t out_size) {
  const double scale = static_cast<double>(in_size) / static_cast<double>(out_size);
  const double filter_scale = std::max(scale, 1.0);
  const double support = kBicubicSupport * filter_scale;
  Taps t;
  t.window = static_cast<int64_t>(std::ceil(support)) * 2 + 1;
  t.first.resize(out_size);
  t.count.resize(out_size);
  t.weights.assign(out_size * t.window, 0);
  std::vector<double> w(t.window);
  for (int64_t i = 0; i < out_size; ++i) {
    const double center = (static_cast<double>(i) + 0.5) * scale;
    // C casts truncate toward zero: Pillow's "round" of center -/+ support.
    int64_t lo = static_cast<int64_t>(center - support + 0.5);
    if (lo < 0) lo = 0;
    int64_t hi = static_cast<int64_t>(center + support + 0.5);
    if (hi > in_size) hi = in_size;
    const int64_t n = hi - lo;
    double total = 0.0;
    for (int64_t k = 0; k < n; ++k) {
      w[k] = bicubic((static_cast<double>(k + lo) - center + 0.5) / filter_scale);
      total += w[k];
    }
    for (int64_t k = 0; k < n; ++k) {
      const double v = total != 0.0 ? w[k] / total : w[k];
      const double fixed = v * static_cast<double>(1 << kPrecisionBits);
      t.weights[i * t.window + k] = static_cast<int32_t>(v < 0 ? fixed - 0.5 : fixed + 0.5);
    }
    t.first[i] = lo;
    t.count[i] = n;
  }
  return t;
}

uint8_t clip8(int32_t accumulated) {
  const int32_t v = accumulated >> kPrecisionBits;  // arithmetic shift: floor
  return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// One pass along `axis` (0: rows of an [H, W, C] image, i.e. vertical; 1: horizontal).
torch::Tensor resample_axis(const torch::Tensor& in, int64_t axis, int64_t out_size) {
  const int64_t height = in.size(0), width = in.size(1), channels = in.size(2);
  const int64_t in_size = axis == 0 ? height : width;
  const Taps t = taps(in_size, out_size);
  const int64_t out_h = axis == 0 ? out_size : height, out_w = axis == 0 ? width : out_size;
  auto out = torch::empty({out_h, out_w, channels}, torch::kUInt8);
  const uint8_t* src = in.data_ptr<uint8_t>();
  uint8_t* dst = out.data_ptr<uint8_t>();
  // Stride between neighbouring taps along the axis, and between the other axis' positions.
  const int64_t tap_stride = axis == 0 ? width * channels : channels;
  const int64_t other = axis == 0 ? width : height;
  const int64_t other_stride_in = axis == 0 ? channels : width * channels;
  const int64_t other_stride_out = axis == 0 ? channels : out_w * channels;
  const int64_t out_stride = axis == 0 ? width * channels : channels;
  for (int64_t o = 0; o < other; ++o) {
    for (int64_t i = 0; i < out_size; ++i) {
      const int32_t* k = &t.weights[i * t.window];
      const uint8_t* base = src + o * other_stride_in + t.first[i] * tap_stride;
      for (int64_t c = 0; c < channels; ++c) {
        int32_t sum = 1 << (kPrecisionBits - 1);  // rounds the final shift to nearest
        for (int64_t j = 0; j < t.count[i]; ++j) sum += static_cast<int32_t>(base[j * tap_stride + c]) * k[j];
        dst[o * other_stride_out + i * out_stride + c] = clip8(sum);
      }
    }
  }
  return out;
}

std::array<double, 3> three_numbers(const io::ConfigReader& reader, const std::string& key,
                                    const std::array<double, 3>& fallback) {
  const io::Json* value = reader.raw(key);
  if (!value || value->is_null()) return fallback;
  const auto& items = value->as_array(reader.where(key));
  if (items.size() != 3) {
    throw std::runtime_error(reader.where(key) + " must hold 3 values, one per RGB channel (got " +
                             std::to_string(items.size()) + ")");
  }
  std::array<double, 3> out{};
  for (size_t i = 0; i < 3; ++i) out[i] = items[i].as_double(reader.where(key));
  return out;
}

}  // namespace

CLIPImageProcessorConfig CLIPImageProcessorConfig::from_json(const io::Json& json, const std::string& source) {
  io::ConfigReader reader(json, source);
  CLIPImageProcessorConfig c;
  c.do_resize = reader.get_bool("do_resize", true);
  if (const io::Json* size = reader.raw("size"); size && !size->is_null()) {
    if (size->is_number()) {
      c.shortest_edge = size->as_int(reader.where("size"));  // older files: the shortest edge
    } else {
      const io::Json* edge = size->find("shortest_edge");
      if (!edge || size->as_object(reader.where("size")).size() != 1) {
        throw std::runtime_error(reader.where("size") +
                                 " must be {\"shortest_edge\": N} or N (CLIP resizes the shortest side)");
      }
      c.shortest_edge = edge->as_int(reader.where("size") + ".shortest_edge");
    }
  }
  c.do_center_crop = reader.get_bool("do_center_crop", true);
  if (const io::Json* crop = reader.raw("crop_size"); crop && !crop->is_null()) {
    if (crop->is_number()) {
      c.crop_height = c.crop_width = crop->as_int(reader.where("crop_size"));
    } else {
      const io::Json* h = crop->find("height");
      const io::Json* w = crop->find("width");
      if (!h || !w || crop->as_object(reader.where("crop_size")).size() != 2) {
        throw std::runtime_error(reader.where("crop_size") + " must be {\"height\": H, \"width\": W} or N");
      }
      c.crop_height = h->as_int(reader.where("crop_size") + ".height");
      c.crop_width = w->as_int(reader.where("crop_size") + ".width");
    }
  }
  c.do_rescale = reader.get_bool("do_rescale", true);
  c.rescale_factor = reader.get_double("rescale_factor", 1.0 / 255.0);
  c.do_normalize = reader.get_bool("do_normalize", true);
  c.image_mean = three_numbers(reader, "image_mean", c.image_mean);
  c.image_std = three_numbers(reader, "image_std", c.image_std);
  if (reader.get_int("resample", kPilBicubic) != kPilBicubic) {
    throw std::runtime_error(reader.where("resample") + " must be 3 (bicubic); other filters are not supported");
  }
  if (!reader.get_bool("do_convert_rgb", true)) {
    throw std::runtime_error(reader.where("do_convert_rgb") + " false is not supported (images are read as RGB)");
  }
  reader.ignore({"image_processor_type", "feature_extractor_type", "processor_class"});
  reader.finish();

  if (c.shortest_edge <= 0) throw std::runtime_error(reader.where("size") + " must be positive");
  if (c.crop_height <= 0 || c.crop_width <= 0) throw std::runtime_error(reader.where("crop_size") + " must be positive");
  if (c.do_resize && c.do_center_crop && (c.crop_height > c.shortest_edge || c.crop_width > c.shortest_edge)) {
    throw std::runtime_error(reader.where("crop_size") + " (" + std::to_string(c.crop_height) + " x " +
                             std::to_string(c.crop_width) + ") exceeds the resized shortest edge (" +
                             std::to_string(c.shortest_edge) + "): padding is not supported");
  }
  if (!(c.rescale_factor > 0)) throw std::runtime_error(reader.where("rescale_factor") + " must be positive");
  for (double s : c.image_std) {
    if (!(s > 0)) throw std::runtime_error(reader.where("image_std") + " values must be positive");
  }
  return c;
}

std::string CLIPImageProcessorConfig::summary() const {
  std::ostringstream out;
  out << "CLIPImageProcessor: ";
  if (do_resize) out << "shortest edge " << shortest_edge << " bicubic, ";
  if (do_center_crop) out << "center crop " << crop_height << "x" << crop_width << ", ";
  out << (do_rescale ? "rescale, " : "") << (do_normalize ? "normalize" : "no normalize");
  return out.str();
}

torch::Tensor resize_bicubic_u8(const torch::Tensor& image, int64_t height, int64_t width) {
  if (image.dim() != 3 || image.scalar_type() != torch::kUInt8 || image.size(0) == 0 || image.size(1) == 0) {
    throw std::runtime_error("resize: expected a non-empty [H, W, C] uint8 image (got " + c10::str(image.sizes()) +
                             " " + std::string(c10::toString(image.scalar_type())) + ")");
  }
  if (height <= 0 || width <= 0) {
    throw std::runtime_error("resize: target size " + std::to_string(height) + " x " + std::to_string(width) +
                             " must be positive");
  }
  auto x = image.to(torch::kCPU).contiguous();
  // Pillow skips a pass whose size does not change, and runs the horizontal one first.
  if (width != x.size(1)) x = resample_axis(x, /*axis=*/1, width);
  if (height != x.size(0)) x = resample_axis(x, /*axis=*/0, height);
  return x;
}

std::pair<int64_t, int64_t> CLIPImageProcessor::resized_size(int64_t height, int64_t width) const {
  if (!config_.do_resize) return {height, width};
  // get_resize_output_image_size(default_to_square=False): int(size * long / short) in doubles.
  const bool portrait = width <= height;
  const int64_t short_side = portrait ? width : height, long_side = portrait ? height : width;
  const auto new_long = static_cast<int64_t>(static_cast<double>(config_.shortest_edge * long_side) /
                                             static_cast<double>(short_side));
  return portrait ? std::make_pair(new_long, config_.shortest_edge) : std::make_pair(config_.shortest_edge, new_long);
}

torch::Tensor CLIPImageProcessor::preprocess(const torch::Tensor& image) const {
  if (image.dim() != 3 || image.size(2) != 3 || image.scalar_type() != torch::kUInt8 || image.size(0) == 0 ||
      image.size(1) == 0) {
    throw std::runtime_error("CLIP image processor: expected an RGB image [H, W, 3] uint8 (got " +
                             c10::str(image.sizes()) + " " + std::string(c10::toString(image.scalar_type())) + ")");
  }
  const auto& c = config_;
  auto x = image;
  const auto [height, width] = resized_size(image.size(0), image.size(1));
  x = resize_bicubic_u8(x, height, width);  // [h, w, 3] uint8
  if (c.do_center_crop) {
    if (x.size(0) < c.crop_height || x.size(1) < c.crop_width) {
      throw std::runtime_error("CLIP image processor: image of " + std::to_string(x.size(0)) + " x " +
                               std::to_string(x.size(1)) + " is smaller than the crop " +
                               std::to_string(c.crop_height) + " x " + std::to_string(c.crop_width) +
                               " (padding is not supported)");
    }
    const int64_t top = (x.size(0) - c.crop_height) / 2, left = (x.size(1) - c.crop_width) / 2;
    x = x.slice(0, top, top + c.crop_height).slice(1, left, left + c.crop_width);  // [ch, cw, 3]
  }
  // transformers: rescale in float64, store float32, then (x - mean) / std in float32.
  auto values = x.to(torch::kFloat64);
  if (c.do_rescale) values = values * c.rescale_factor;
  values = values.to(torch::kFloat32);  // [ch, cw, 3]
  if (c.do_normalize) {
    auto mean = torch::tensor({c.image_mean[0], c.image_mean[1], c.image_mean[2]}, torch::kFloat64).to(torch::kFloat32);
    auto std = torch::tensor({c.image_std[0], c.image_std[1], c.image_std[2]}, torch::kFloat64).to(torch::kFloat32);
    values = (values - mean) / std;  // broadcast over the channel axis
  }
  return values.permute({2, 0, 1}).contiguous();  // [3, ch, cw]
}

}  // namespace hspace::models
