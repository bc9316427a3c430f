#include "shroud/result.h"

namespace shroud {

int exit_code(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 2;
    case ErrorCode::kNotFound: return 3;
    case ErrorCode::kUnsupported: return 4;
    case ErrorCode::kCorrupt: return 5;
    case ErrorCode::kAuthentication: return 6;
    case ErrorCode::kPermission: return 7;
    case ErrorCode::kIo: return 8;
    case ErrorCode::kResourceLimit: return 9;
    case ErrorCode::kInternal: return 70;
  }
  return 70;
}

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kCorrupt: return "corrupt input";
    case ErrorCode::kAuthentication: return "authentication failed";
    case ErrorCode::kPermission: return "permission denied";
    case ErrorCode::kIo: return "I/O error";
    case ErrorCode::kResourceLimit: return "resource limit";
    case ErrorCode::kInternal: return "internal error";
  }
  return "internal error";
}

}  // namespace shroud
