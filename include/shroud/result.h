// Result<T>: a value or an Error, the only way errors cross Shroud's public API.
//
// No exception crosses the public API. Every fallible function returns Result<T> (or Status,
// which is Result<void>); callers must look at it ([[nodiscard]]). The CLI maps ErrorCode to a
// documented process exit code (see exit_code()).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace shroud {

enum class ErrorCode {
  kInvalidArgument = 1,   // bad option, bad value, malformed user input
  kNotFound,              // missing file, model, key id
  kUnsupported,           // format, depth or channel layout this operation cannot handle
  kCorrupt,               // malformed or truncated file/container, decode failure
  kAuthentication,        // tag/manifest/key-commitment failure: tampered data or wrong key
  kPermission,            // unreadable input, unwritable output, keyset readable by others
  kIo,                    // other I/O failure
  kResourceLimit,         // input larger than a configured cap (decompression bomb, ...)
  kInternal,              // a bug or a failing dependency
};

// Process exit code for each error (documented in docs/cli.md).
int exit_code(ErrorCode code);
const char* error_code_name(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Status ok_status() { return Status(); }

inline Error make_error(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

}  // namespace shroud

// Propagate an error from an expression returning Result/Status.
#define SHROUD_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    auto shroud_status_ = (expr);                    \
    if (!shroud_status_.ok()) return shroud_status_.error(); \
  } while (0)

#define SHROUD_CONCAT_INNER(a, b) a##b
#define SHROUD_CONCAT(a, b) SHROUD_CONCAT_INNER(a, b)
#define SHROUD_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.error();                 \
  lhs = std::move(tmp).value()
// SHROUD_ASSIGN_OR_RETURN(auto x, f()); declares x from f()'s value or returns its error.
#define SHROUD_ASSIGN_OR_RETURN(lhs, expr) \
  SHROUD_ASSIGN_OR_RETURN_IMPL(SHROUD_CONCAT(shroud_result_, __LINE__), lhs, expr)
