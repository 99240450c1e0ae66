// libFuzzer target for the safetensors header parser (and through it the JSON parser).
// Built by tools/fuzz with -fsanitize=fuzzer,address,undefined; the CMake build skips it.
// A std::runtime_error is the parser's way to reject input; anything else (a crash, a
// sanitizer report, another exception, a violated invariant below) is a finding.
#include <cstdint>
#include <cstdlib>
#include <stdexcept>

#include "io/safetensors_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hspace::io::SafetensorsHeader header;
  try {
    header = hspace::io::parse_safetensors_header(data, size, "fuzz.safetensors");
  } catch (const std::runtime_error&) {
    return 0;
  }
  // What the reader relies on once the header is accepted.
  if (header.data_offset > size) std::abort();
  const uint64_t data_size = size - header.data_offset;
  uint64_t previous_end = 0;
  for (const auto& t : header.tensors) {
    if (t.begin > t.end || t.end > data_size || t.begin < previous_end) std::abort();
    if (static_cast<uint64_t>(t.numel()) * hspace::io::dtype_size(t.dtype) != t.end - t.begin) std::abort();
    previous_end = t.end;
  }
  return 0;
}
