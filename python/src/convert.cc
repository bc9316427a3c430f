// JSON <-> Python values, and NumPy arrays <-> cv::Mat headers (py_common.h states the rules).
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "py_common.h"

namespace shroud::py {

using nlohmann::json;

json to_json(pyb::handle v, const std::string& what) {
  if (v.is_none()) return nullptr;
  if (PyBool_Check(v.ptr())) return v.cast<bool>();
  if (PyLong_Check(v.ptr())) {
    int overflow = 0;
    const long long x = PyLong_AsLongLongAndOverflow(v.ptr(), &overflow);
    if (overflow != 0) throw pyb::value_error(what + ": integer out of range");
    return static_cast<std::int64_t>(x);
  }
  if (PyFloat_Check(v.ptr())) return v.cast<double>();
  if (PyUnicode_Check(v.ptr())) {
    Py_ssize_t size = 0;
    const char* text = PyUnicode_AsUTF8AndSize(v.ptr(), &size);
    if (text == nullptr) {
      PyErr_Clear();
      throw pyb::value_error(what + ": not valid Unicode text (a file name that is not UTF-8? pass it to "
                                    "protect_file()/recover_file(), which take any path)");
    }
    return std::string(text, static_cast<std::size_t>(size));
  }
  if (pyb::isinstance<pyb::dict>(v)) {
    json o = json::object();
    for (auto item : v.cast<pyb::dict>()) {
      if (!PyUnicode_Check(item.first.ptr())) throw pyb::type_error(what + ": dictionary keys must be str");
      const std::string key = item.first.cast<std::string>();
      o[key] = to_json(item.second, what + "." + key);
    }
    return o;
  }
  if (pyb::isinstance<pyb::list>(v) || pyb::isinstance<pyb::tuple>(v)) {
    json a = json::array();
    std::size_t i = 0;
    for (auto item : v) a.push_back(to_json(item, what + "[" + std::to_string(i++) + "]"));
    return a;
  }
  if (pyb::hasattr(v, "__fspath__")) {
    pyb::object path = pyb::module_::import("os").attr("fspath")(v);
    if (PyUnicode_Check(path.ptr())) return to_json(path, what);
    throw pyb::type_error(what + ": a bytes path is not supported; use str");
  }
  // NumPy scalars (numpy.int64(3), numpy.float32(0.5), numpy.bool_): their Python value.
  pyb::module_ numpy = pyb::module_::import("numpy");
  if (pyb::isinstance(v, numpy.attr("generic"))) return to_json(v.attr("item")(), what);
  throw pyb::type_error(what + ": cannot use a value of type " +
                        pyb::str(pyb::type::handle_of(v).attr("__name__")).cast<std::string>());
}

pyb::object from_json(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return pyb::none();
    case json::value_t::boolean: return pyb::bool_(v.get<bool>());
    case json::value_t::number_integer: return pyb::int_(v.get<std::int64_t>());
    case json::value_t::number_unsigned: return pyb::int_(v.get<std::uint64_t>());
    case json::value_t::number_float: return pyb::float_(v.get<double>());
    case json::value_t::string: return pyb::str(v.get_ref<const std::string&>());
    case json::value_t::array: {
      pyb::list l;
      for (const auto& x : v) l.append(from_json(x));
      return l;
    }
    case json::value_t::object: {
      pyb::dict d;
      for (auto it = v.begin(); it != v.end(); ++it) d[pyb::str(it.key())] = from_json(it.value());
      return d;
    }
    case json::value_t::binary: {
      const auto& b = v.get_binary();
      return pyb::bytes(reinterpret_cast<const char*>(b.data()), b.size());
    }
    case json::value_t::discarded: break;
  }
  return pyb::none();
}

cv::Mat mat_from_array(const pyb::handle& obj, bool writable, const char* what) {
  const std::string w(what);
  if (!pyb::isinstance<pyb::array>(obj)) {
    throw pyb::type_error(w + ": expected a numpy.ndarray of uint8 (HxW, HxWx3 BGR or HxWx4 BGRA), got " +
                          pyb::str(pyb::type::handle_of(obj).attr("__name__")).cast<std::string>());
  }
  auto a = pyb::reinterpret_borrow<pyb::array>(obj);
  int depth = -1;
  if (a.dtype().is(pyb::dtype::of<std::uint8_t>())) depth = CV_8U;
  else if (a.dtype().is(pyb::dtype::of<std::uint16_t>())) depth = CV_16U;
  // dtype equality also accepts other byte orders spelt the same; require the native one.
  if (depth < 0 || a.dtype().attr("isnative").cast<bool>() == false) {
    throw pyb::type_error(w + ": dtype must be uint8 (or uint16), got " + pyb::str(a.dtype()).cast<std::string>() +
                          "; convert explicitly, e.g. img.astype(numpy.uint8)");
  }
  const pyb::ssize_t nd = a.ndim();
  if (nd != 2 && nd != 3) {
    throw pyb::value_error(w + ": shape must be (height, width) or (height, width, channels), got " +
                           pyb::str(a.attr("shape")).cast<std::string>());
  }
  const pyb::ssize_t rows = a.shape(0), cols = a.shape(1), ch = nd == 3 ? a.shape(2) : 1;
  if (ch != 1 && ch != 3 && ch != 4) {
    throw pyb::value_error(w + ": channels must be 1, 3 (BGR) or 4 (BGRA), got " + std::to_string(ch));
  }
  if (rows <= 0 || cols <= 0) throw pyb::value_error(w + ": the image is empty " + pyb::str(a.attr("shape")).cast<std::string>());
  if (rows > std::numeric_limits<int>::max() || cols * ch > std::numeric_limits<int>::max()) {
    throw pyb::value_error(w + ": the image is too large");
  }
  const pyb::ssize_t elem = static_cast<pyb::ssize_t>(a.itemsize());
  // Pixels and channels must be packed within a row; rows may be further apart (a slice). The
  // stride of a dimension of size 1 is never used (NumPy may report anything for it, e.g. 0).
  const pyb::ssize_t row_bytes = cols * ch * elem;
  const bool packed = (nd == 2 || ch == 1 || a.strides(2) == elem) && (cols == 1 || a.strides(1) == ch * elem);
  const pyb::ssize_t step = rows == 1 ? row_bytes : a.strides(0);
  if (!packed || step < row_bytes) {
    throw pyb::value_error(w + ": pixels must be contiguous within each row (strides " +
                           pyb::str(a.attr("strides")).cast<std::string>() +
                           "); a copy would be needed: pass numpy.ascontiguousarray(img) and use that array");
  }
  if (writable && !a.writeable()) {
    throw pyb::value_error(w + ": the array is read-only; protect() changes it in place (pass a writable array, "
                           "e.g. img.copy())");
  }
  void* data = const_cast<void*>(a.data());
  return cv::Mat(static_cast<int>(rows), static_cast<int>(cols), CV_MAKETYPE(depth, static_cast<int>(ch)), data,
                 static_cast<std::size_t>(step));
}

pyb::array array_from_mat(const cv::Mat& image) {
  std::vector<pyb::ssize_t> shape = {image.rows, image.cols};
  if (image.channels() > 1) shape.push_back(image.channels());
  pyb::array out = image.depth() == CV_16U ? pyb::array(pyb::dtype::of<std::uint16_t>(), shape)
                                           : pyb::array(pyb::dtype::of<std::uint8_t>(), shape);
  cv::Mat dst(image.rows, image.cols, image.type(), out.mutable_data());
  image.copyTo(dst);
  return out;
}

}  // namespace shroud::py
