// The C API's entry points (include/shroud/shroud.h): pointer and buffer checks, conversions,
// and a catch-all around everything, so no exception ever crosses into C. The work is done by
// CapiEngine (capi_engine.h).
#include "shroud/shroud.h"

#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <unordered_map>

#include "capi/capi_engine.h"
#include "capi/capi_image.h"

#ifndef SHROUD_VERSION
#define SHROUD_VERSION "0.0.0"
#endif

struct shroud_engine {
  std::unique_ptr<shroud::capi::CapiEngine> impl;
  // Last error per calling thread, so concurrent calls never overwrite each other's message.
  mutable std::mutex errors_mu;
  mutable std::unordered_map<std::thread::id, std::string> errors;
};

namespace {

using shroud::Error;
using shroud::ErrorCode;
using shroud::Status;

static_assert(static_cast<int>(ErrorCode::kInvalidArgument) == SHROUD_ERR_INVALID_ARGUMENT);
static_assert(static_cast<int>(ErrorCode::kInternal) == SHROUD_ERR_INTERNAL);
static_assert(static_cast<int>(shroud::Kind::kFace) == SHROUD_KIND_FACE);
static_assert(static_cast<int>(shroud::Kind::kCustom) == SHROUD_KIND_CUSTOM);

void remember(const shroud_engine* e, const std::string& message) noexcept {
  if (e == nullptr) return;
  try {
    std::lock_guard<std::mutex> lock(e->errors_mu);
    e->errors[std::this_thread::get_id()] = message;
  } catch (...) {
    // Out of memory while recording the message: the status code still tells.
  }
}

// Runs `body` (returning Status) and turns errors and exceptions into a status code plus the
// engine's message for this thread.
template <typename F>
shroud_status guarded(const shroud_engine* e, F&& body) noexcept {
  try {
    Status s = body();
    if (s.ok()) return SHROUD_OK;
    remember(e, s.error().message);
    return static_cast<shroud_status>(s.error().code);
  } catch (const std::bad_alloc&) {
    remember(e, "out of memory");
    return SHROUD_ERR_NO_MEMORY;
  } catch (const std::exception& ex) {
    remember(e, std::string("internal error: ") + ex.what());
    return SHROUD_ERR_INTERNAL;
  } catch (...) {
    remember(e, "internal error: unknown exception");
    return SHROUD_ERR_INTERNAL;
  }
}

Error invalid(const std::string& message) { return shroud::make_error(ErrorCode::kInvalidArgument, message); }

// malloc'ed copy of `bytes` (the caller frees it with shroud_free). Never NULL on success.
shroud::Result<std::uint8_t*> copy_out(const std::vector<std::uint8_t>& bytes) {
  auto* p = static_cast<std::uint8_t*>(std::malloc(bytes.empty() ? 1 : bytes.size()));
  if (p == nullptr) throw std::bad_alloc();
  if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
  return p;
}

shroud_region to_c(const shroud::Region& r, const cv::Rect& box, std::uint32_t index) {
  shroud_region c{};
  c.kind = static_cast<std::int32_t>(r.kind);
  c.x = box.x;
  c.y = box.y;
  c.width = box.width;
  c.height = box.height;
  c.score = r.score;
  c.track_id = r.track_id;
  c.index = index;
  return c;
}

shroud_region* regions_out(const std::vector<shroud_region>& regions) {
  if (regions.empty()) return nullptr;
  auto* p = static_cast<shroud_region*>(std::malloc(regions.size() * sizeof(shroud_region)));
  if (p == nullptr) throw std::bad_alloc();
  std::memcpy(p, regions.data(), regions.size() * sizeof(shroud_region));
  return p;
}

// NULL/0 first, so that a failed call never leaves a stale pointer behind.
template <typename P>
void clear(P** p) {
  if (p != nullptr) *p = nullptr;
}
void clear(std::size_t* n) {
  if (n != nullptr) *n = 0;
}

}  // namespace

extern "C" {

const char* shroud_version(void) { return SHROUD_VERSION; }

const char* shroud_status_name(shroud_status status) {
  switch (status) {
    case SHROUD_OK: return "ok";
    case SHROUD_ERR_INVALID_ARGUMENT: return "invalid-argument";
    case SHROUD_ERR_NOT_FOUND: return "not-found";
    case SHROUD_ERR_UNSUPPORTED: return "unsupported";
    case SHROUD_ERR_CORRUPT: return "corrupt";
    case SHROUD_ERR_AUTHENTICATION: return "authentication";
    case SHROUD_ERR_PERMISSION: return "permission";
    case SHROUD_ERR_IO: return "io";
    case SHROUD_ERR_RESOURCE_LIMIT: return "resource-limit";
    case SHROUD_ERR_INTERNAL: return "internal";
    case SHROUD_ERR_NO_MEMORY: return "no-memory";
    default: return "unknown";
  }
}

const char* shroud_kind_name(std::int32_t kind) {
  switch (kind) {
    case SHROUD_KIND_FACE: return "face";
    case SHROUD_KIND_EYES: return "eyes";
    case SHROUD_KIND_PLATE: return "plate";
    case SHROUD_KIND_PERSON: return "person";
    case SHROUD_KIND_VEHICLE: return "vehicle";
    case SHROUD_KIND_TEXT: return "text";
    case SHROUD_KIND_CUSTOM: return "custom";
    default: return "unknown";
  }
}

shroud_status shroud_engine_create(const char* options_json, shroud_engine** out, char** err) {
  clear(err);
  clear(out);
  std::string message;
  const shroud_status status = [&]() noexcept -> shroud_status {
    try {
      if (out == nullptr) {
        message = "shroud_engine_create: `out` is NULL";
        return SHROUD_ERR_INVALID_ARGUMENT;
      }
      auto impl = shroud::capi::CapiEngine::create(options_json == nullptr ? "" : options_json);
      if (!impl.ok()) {
        message = impl.error().message;
        return static_cast<shroud_status>(impl.error().code);
      }
      auto* e = new shroud_engine;
      e->impl = std::move(*impl);
      *out = e;
      return SHROUD_OK;
    } catch (const std::bad_alloc&) {
      message = "out of memory";
      return SHROUD_ERR_NO_MEMORY;
    } catch (const std::exception& ex) {
      message = std::string("internal error: ") + ex.what();
      return SHROUD_ERR_INTERNAL;
    } catch (...) {
      message = "internal error: unknown exception";
      return SHROUD_ERR_INTERNAL;
    }
  }();
  if (status != SHROUD_OK && err != nullptr) {
    *err = static_cast<char*>(std::malloc(message.size() + 1));
    if (*err != nullptr) std::memcpy(*err, message.c_str(), message.size() + 1);
  }
  return status;
}

void shroud_engine_destroy(shroud_engine* engine) {
  try {
    delete engine;
  } catch (...) {
    // Destructors do not throw; nothing may escape into C regardless.
  }
}

const char* shroud_engine_last_error(const shroud_engine* engine) {
  if (engine == nullptr) return "engine is NULL";
  try {
    std::lock_guard<std::mutex> lock(engine->errors_mu);
    auto it = engine->errors.find(std::this_thread::get_id());
    return it == engine->errors.end() ? "" : it->second.c_str();
  } catch (...) {
    return "";
  }
}

shroud_status shroud_detect(shroud_engine* engine, const shroud_image* img, shroud_region** regions, size_t* count) {
  clear(regions);
  clear(count);
  if (engine == nullptr) return SHROUD_ERR_INVALID_ARGUMENT;
  return guarded(engine, [&]() -> Status {
    if (regions == nullptr || count == nullptr) return invalid("shroud_detect: `regions` and `count` are required");
    SHROUD_ASSIGN_OR_RETURN(cv::Mat mat, shroud::capi::wrap_image(img, engine->impl->limits()));
    const cv::Mat bgr = shroud::capi::is_rgb_order(img->format) ? shroud::capi::bgr_copy(mat) : mat;
    SHROUD_ASSIGN_OR_RETURN(auto found, engine->impl->detect(bgr));
    std::vector<shroud_region> c;
    c.reserve(found.size());
    for (std::size_t i = 0; i < found.size(); ++i) c.push_back(to_c(found[i], found[i].box, static_cast<std::uint32_t>(i)));
    *regions = regions_out(c);
    *count = c.size();
    return shroud::ok_status();
  });
}

shroud_status shroud_protect_image(shroud_engine* engine, const shroud_image* img, shroud_region** regions,
                                   size_t* count, uint8_t** container, size_t* container_n) {
  clear(regions);
  clear(count);
  clear(container);
  clear(container_n);
  if (engine == nullptr) return SHROUD_ERR_INVALID_ARGUMENT;
  return guarded(engine, [&]() -> Status {
    if ((regions == nullptr) != (count == nullptr)) {
      return invalid("shroud_protect_image: give both `regions` and `count`, or neither");
    }
    if ((container == nullptr) != (container_n == nullptr)) {
      return invalid("shroud_protect_image: give both `container` and `container_n`, or neither");
    }
    if (engine->impl->seals() && container == nullptr) {
      return invalid("shroud_protect_image: the engine seals (method seal): `container` and `container_n` are required");
    }
    SHROUD_ASSIGN_OR_RETURN(cv::Mat mat, shroud::capi::wrap_image(img, engine->impl->limits()));
    // RGB orders: swapped to BGR in the caller's buffer and back, whatever happens.
    shroud::capi::ChannelSwap swap(mat, shroud::capi::is_rgb_order(img->format));
    SHROUD_ASSIGN_OR_RETURN(shroud::capi::ProtectedFrame done, engine->impl->protect(mat));
    swap.undo();
    std::vector<shroud_region> c;
    for (const auto& r : done.regions) c.push_back(to_c(r.action.region, r.action.rect, r.index));
    // Allocate every output before handing any over, so a failure leaks nothing.
    std::uint8_t* cont = nullptr;
    if (container != nullptr && !done.container.empty()) {
      SHROUD_ASSIGN_OR_RETURN(cont, copy_out(done.container));
    }
    shroud_region* reg = nullptr;
    try {
      if (regions != nullptr) reg = regions_out(c);
    } catch (...) {
      std::free(cont);
      throw;
    }
    if (container != nullptr) {
      *container = cont;
      *container_n = done.container.size();
    }
    if (regions != nullptr) {
      *regions = reg;
      *count = c.size();
    }
    return shroud::ok_status();
  });
}

shroud_status shroud_recover_image(shroud_engine* engine, const shroud_image* img, const uint8_t* container,
                                   size_t container_n) {
  if (engine == nullptr) return SHROUD_ERR_INVALID_ARGUMENT;
  return guarded(engine, [&]() -> Status {
    if (container == nullptr || container_n == 0) return invalid("shroud_recover_image: `container` is NULL or empty");
    SHROUD_ASSIGN_OR_RETURN(cv::Mat mat, shroud::capi::wrap_image(img, engine->impl->limits()));
    shroud::capi::ChannelSwap swap(mat, shroud::capi::is_rgb_order(img->format));
    SHROUD_RETURN_IF_ERROR(engine->impl->recover(mat, {container, container_n}));
    swap.undo();
    return shroud::ok_status();
  });
}

shroud_status shroud_protect_encoded(shroud_engine* engine, const uint8_t* in, size_t n, uint8_t** out,
                                     size_t* out_n, uint8_t** container, size_t* container_n) {
  clear(out);
  clear(out_n);
  clear(container);
  clear(container_n);
  if (engine == nullptr) return SHROUD_ERR_INVALID_ARGUMENT;
  return guarded(engine, [&]() -> Status {
    if (in == nullptr || n == 0) return invalid("shroud_protect_encoded: input is NULL or empty");
    if (out == nullptr || out_n == nullptr) return invalid("shroud_protect_encoded: `out` and `out_n` are required");
    if ((container == nullptr) != (container_n == nullptr)) {
      return invalid("shroud_protect_encoded: give both `container` and `container_n`, or neither");
    }
    if (static_cast<std::uint64_t>(n) > static_cast<std::uint64_t>(engine->impl->limits().max_file_bytes)) {
      return shroud::make_error(ErrorCode::kResourceLimit, "shroud_protect_encoded: input larger than the file size limit");
    }
    SHROUD_ASSIGN_OR_RETURN(auto done, engine->impl->protect_encoded({in, n}, container != nullptr));
    SHROUD_ASSIGN_OR_RETURN(std::uint8_t* image, copy_out(done.image));
    std::uint8_t* cont = nullptr;
    if (container != nullptr && !done.container.empty()) {
      auto c = copy_out(done.container);  // throws bad_alloc only
      cont = *c;
    }
    *out = image;
    *out_n = done.image.size();
    if (container != nullptr) {
      *container = cont;
      *container_n = done.container.size();
    }
    return shroud::ok_status();
  });
}

shroud_status shroud_recover_encoded(shroud_engine* engine, const uint8_t* in, size_t n, const uint8_t* container,
                                     size_t container_n, uint8_t** out, size_t* out_n) {
  clear(out);
  clear(out_n);
  if (engine == nullptr) return SHROUD_ERR_INVALID_ARGUMENT;
  return guarded(engine, [&]() -> Status {
    if (in == nullptr || n == 0) return invalid("shroud_recover_encoded: input is NULL or empty");
    if (out == nullptr || out_n == nullptr) return invalid("shroud_recover_encoded: `out` and `out_n` are required");
    if (container == nullptr && container_n != 0) return invalid("shroud_recover_encoded: `container` is NULL");
    if (container != nullptr && container_n == 0) return invalid("shroud_recover_encoded: `container` is empty");
    if (static_cast<std::uint64_t>(n) > static_cast<std::uint64_t>(engine->impl->limits().max_file_bytes)) {
      return shroud::make_error(ErrorCode::kResourceLimit, "shroud_recover_encoded: input larger than the file size limit");
    }
    std::optional<std::span<const std::uint8_t>> side;
    if (container != nullptr) side.emplace(container, container_n);
    SHROUD_ASSIGN_OR_RETURN(auto png, engine->impl->recover_encoded({in, n}, side));
    SHROUD_ASSIGN_OR_RETURN(std::uint8_t* p, copy_out(png));
    *out = p;
    *out_n = png.size();
    return shroud::ok_status();
  });
}

void shroud_free(void* p) { std::free(p); }

void shroud_regions_free(shroud_region* regions) { std::free(regions); }

}  // extern "C"
