// Shared pieces of the Python module `shroud._shroud` (pybind11): errors, JSON <-> Python values,
// NumPy arrays <-> cv::Mat headers. Each other file binds one concept (engine, keys, metrics,
// attacks) and registers it from module.cc.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/numpy.h>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <string>
#include <utility>

#include "shroud/result.h"

namespace shroud::py {

namespace pyb = pybind11;

// ---- errors --------------------------------------------------------------------------------
// A shroud::Error on its way to Python: translated to the exception class of its code
// (shroud.InvalidArgumentError, ...; all subclass shroud.Error) with `.code` set.
struct ErrorException {
  Error error;
};
void register_errors(pyb::module_& m);

[[noreturn]] inline void raise(Error e) { throw ErrorException{std::move(e)}; }
inline void check(const Status& s) {
  if (!s.ok()) raise(s.error());
}
template <typename T>
T unwrap(Result<T>&& r) {
  if (!r.ok()) raise(r.error());
  return std::move(r).value();
}

// ---- JSON <-> Python -------------------------------------------------------------------------
// dict (str keys), list, tuple, str, os.PathLike (as its path), bool, int, float, None and NumPy
// scalars; anything else is a TypeError naming `what`.
nlohmann::json to_json(pyb::handle value, const std::string& what);
pyb::object from_json(const nlohmann::json& value);

// ---- arrays ----------------------------------------------------------------------------------
// A cv::Mat header over a NumPy array's own buffer (never a copy). Accepted: uint8 or uint16,
// shape HxW, HxWx1, HxWx3 (BGR) or HxWx4 (BGRA), pixels contiguous within each row (C-contiguous
// arrays, and row slices of them such as img[10:50, 20:80]). Raised otherwise:
//   TypeError  not a numpy.ndarray, or another dtype
//   ValueError wrong number of dimensions or channels, empty, negative or overlapping strides,
//              pixels not contiguous within a row (img[:, ::2], a transpose), or read-only when
//              `writable`.
// The caller keeps `array` alive (and so the buffer) while the Mat is used.
cv::Mat mat_from_array(const pyb::handle& array, bool writable, const char* what);

// A new C-contiguous NumPy array holding a copy of `image` (results such as recover()).
pyb::array array_from_mat(const cv::Mat& image);

// ---- binders ---------------------------------------------------------------------------------
void bind_regions(pyb::module_& m);
void bind_keys(pyb::module_& m);
void bind_engine(pyb::module_& m);
void bind_metrics(pyb::module_& m);
void bind_attacks(pyb::module_& m);

}  // namespace shroud::py
