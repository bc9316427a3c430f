// libFuzzer target: the C API (include/shroud/shroud.h) with hostile inputs.
//   'J' + text : shroud_engine_create(text) -- the options JSON parser and validation.
//   other      : a pixel buffer descriptor built from the bytes (width, height, stride, format,
//                any of them invalid) over a buffer of exactly stride * height bytes, given to
//                detect / protect / recover on fixed engines (fill, pixelate, blur, seal).
// A sealed buffer must recover bit-exactly; any difference aborts.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "shroud/keys.h"
#include "shroud/shroud.h"

namespace {

struct Fixture {
  std::vector<shroud_engine*> engines;
  std::string dir;
};

Fixture* fixture = nullptr;

shroud_engine* make(const std::string& json) {
  shroud_engine* e = nullptr;
  char* err = nullptr;
  if (shroud_engine_create(json.c_str(), &e, &err) != SHROUD_OK) {
    std::fprintf(stderr, "capi_fuzz: cannot create engine %s: %s\n", json.c_str(), err ? err : "");
    std::abort();
  }
  return e;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fixture = new Fixture;
  fixture->dir = (std::filesystem::temp_directory_path() / ("shroud-capi-fuzz-" + std::to_string(::getpid()))).string();
  std::filesystem::create_directories(fixture->dir);
  std::atexit([] {
    std::error_code ec;
    std::filesystem::remove_all(fixture->dir, ec);
  });
  const std::string regions = fixture->dir + "/regions.json";
  std::ofstream(regions) << R"({"regions":[{"kind":"face","box":[2,3,9,8]},{"kind":"plate","box":[12,10,6,5]},)"
                         << R"({"kind":"face","box":[-4,-4,500,7]}]})";
  auto ks = shroud::Keyset::generate();
  const std::string keys = fixture->dir + "/keys.json";
  if (!ks.ok() || !shroud::save_keyset(*ks, keys, true).ok()) std::abort();
  const std::string base = R"({"detector": "manual:)" + regions + "\"";
  fixture->engines = {make(base + R"(, "method": "fill"})"), make(base + R"(, "method": "pixelate"})"),
                      make(base + R"(, "method": "blur", "policy": {"shape": "ellipse", "feather": 0.2}})"),
                      make(base + R"(, "method": "seal", "placeholder": "noise", "keyset": ")" + keys + "\"}")};
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  if (data[0] == 'J') {
    const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
    shroud_engine* e = reinterpret_cast<shroud_engine*>(0x1);
    char* err = nullptr;
    const shroud_status s = shroud_engine_create(text.c_str(), &e, &err);
    if (s == SHROUD_OK) {
      if (e == nullptr || err != nullptr) std::abort();
      shroud_engine_destroy(e);
    } else if (e != nullptr || err == nullptr || std::strlen(err) == 0) {
      std::abort();  // a failure always says why and never returns an engine
    }
    shroud_free(err);
    return 0;
  }
  if (size < 8) return 0;
  shroud_image img{};
  img.width = static_cast<int>(data[1] % 72) - 4;
  img.height = static_cast<int>(data[2] % 72) - 4;
  img.format = static_cast<int>(data[3] % 8) - 1;
  const int ch = img.format == SHROUD_FORMAT_GRAY ? 1 : (img.format == 2 || img.format == 3) ? 3 : 4;
  img.stride = static_cast<std::int64_t>(img.width) * ch + (static_cast<int>(data[4] % 24) - 8);
  shroud_engine* e = fixture->engines[data[5] % fixture->engines.size()];
  const bool null_data = (data[6] & 1) != 0;
  // Exactly the bytes the descriptor claims (ASan catches any read or write past them).
  const std::int64_t claimed = img.width > 0 && img.height > 0 && img.stride > 0 ? img.stride * img.height : 0;
  std::vector<std::uint8_t> buffer(static_cast<std::size_t>(claimed));
  for (std::size_t i = 0; i < buffer.size(); ++i) buffer[i] = data[7 + i % (size - 7)];
  std::uint8_t dummy = 0;
  img.data = null_data ? nullptr : (buffer.empty() ? &dummy : buffer.data());

  shroud_region* regions = nullptr;
  std::size_t count = 0;
  if (shroud_detect(e, &img, &regions, &count) == SHROUD_OK) shroud_regions_free(regions);
  const std::vector<std::uint8_t> before = buffer;
  std::uint8_t* container = nullptr;
  std::size_t container_n = 0;
  const shroud_status s = shroud_protect_image(e, &img, &regions, &count, &container, &container_n);
  if (s != SHROUD_OK) {
    if (buffer != before) std::abort();  // a failed protect leaves the buffer as it was
    if (shroud_engine_last_error(e)[0] == '\0') std::abort();
    return 0;
  }
  shroud_regions_free(regions);
  if (container != nullptr) {
    if (shroud_recover_image(e, &img, container, container_n) != SHROUD_OK || buffer != before) std::abort();
    shroud_free(container);
  }
  return 0;
}
