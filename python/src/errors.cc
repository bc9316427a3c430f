// shroud.Error and one subclass per shroud::ErrorCode, each also deriving from the built-in
// exception a Python user would catch for it (ValueError, LookupError, PermissionError, OSError,
// RuntimeError).
#include <array>

#include "py_common.h"

namespace shroud::py {
namespace {

struct ErrorClass {
  ErrorCode code;
  const char* name;
  const char* builtin;  // second base, from builtins
  const char* doc;
};

constexpr std::array<ErrorClass, 9> kClasses = {{
    {ErrorCode::kInvalidArgument, "InvalidArgumentError", "ValueError",
     "A bad option, value or malformed user input (also a ValueError)."},
    {ErrorCode::kNotFound, "NotFoundError", "LookupError",
     "A missing file, model or key id (also a LookupError)."},
    {ErrorCode::kUnsupported, "UnsupportedError", "ValueError",
     "A format, depth or channel layout the operation cannot handle (also a ValueError)."},
    {ErrorCode::kCorrupt, "CorruptError", "ValueError",
     "A malformed or truncated file or container (also a ValueError)."},
    {ErrorCode::kAuthentication, "AuthenticationError", "ValueError",
     "Tampered data or the wrong key: a tag, manifest or key commitment did not verify (also a ValueError)."},
    {ErrorCode::kPermission, "PermissionDeniedError", "PermissionError",
     "Unreadable input, unwritable output, or a keyset readable by others (also a PermissionError)."},
    {ErrorCode::kIo, "IoError", "OSError", "Another I/O failure (also an OSError)."},
    {ErrorCode::kResourceLimit, "ResourceLimitError", "ValueError",
     "Input over a configured cap, e.g. a decompression bomb (also a ValueError)."},
    {ErrorCode::kInternal, "InternalError", "RuntimeError", "A bug or a failing dependency (also a RuntimeError)."},
}};

// Strong references kept for the life of the process (the module is never unloaded).
pyb::handle g_base;
std::array<pyb::handle, kClasses.size()> g_classes;

const char* code_id(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kCorrupt: return "corrupt";
    case ErrorCode::kAuthentication: return "authentication";
    case ErrorCode::kPermission: return "permission";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kResourceLimit: return "resource_limit";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

}  // namespace

void register_errors(pyb::module_& m) {
  pyb::module_ builtins = pyb::module_::import("builtins");
  pyb::object type = builtins.attr("type");
  pyb::dict base_ns;
  base_ns["__module__"] = "shroud";
  base_ns["__doc__"] =
      "Base of every error Shroud raises. `code` is the error code as a string (invalid_argument, "
      "not_found, unsupported, corrupt, authentication, permission, io, resource_limit, internal); "
      "str(e) is the message.";
  pyb::object base = type("Error", pyb::make_tuple(builtins.attr("Exception")), base_ns);
  m.attr("Error") = base;
  g_base = base.release();
  for (std::size_t i = 0; i < kClasses.size(); ++i) {
    pyb::dict ns;
    ns["__module__"] = "shroud";
    ns["__doc__"] = kClasses[i].doc;
    pyb::object cls = type(kClasses[i].name, pyb::make_tuple(pyb::handle(g_base), builtins.attr(kClasses[i].builtin)), ns);
    m.attr(kClasses[i].name) = cls;
    g_classes[i] = cls.release();
  }
  pyb::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ErrorException& e) {
      pyb::handle cls = g_base;
      for (std::size_t i = 0; i < kClasses.size(); ++i) {
        if (kClasses[i].code == e.error.code) cls = g_classes[i];
      }
      // A message may quote a file name that is not UTF-8: never fail on decoding it.
      const std::string& msg = e.error.message;
      pyb::object text = pyb::reinterpret_steal<pyb::object>(
          PyUnicode_DecodeUTF8(msg.data(), static_cast<Py_ssize_t>(msg.size()), "replace"));
      pyb::object exc = cls(text);
      exc.attr("code") = code_id(e.error.code);
      PyErr_SetObject(cls.ptr(), exc.ptr());
    }
  });
}

}  // namespace shroud::py
