// Option words and ONNX model loading shared by the DNN detector factories (onnx_model.h).
#include "detect/onnx_model.h"

#include "detect/detectors.h"

namespace shroud {

Result<DnnArgs> parse_dnn_args(const std::string& arg, const std::string& detector, const std::string& default_model,
                               int default_every, const std::string& expected,
                               const std::function<Result<bool>(const std::string&)>& extra) {
  DnnArgs out{default_model, default_every};
  for (const auto& word : split_args(arg)) {
    if (word.rfind("model=", 0) == 0) {
      out.model = word.substr(6);
      continue;
    }
    if (default_every > 0 && word.rfind("every=", 0) == 0) {
      const std::string v = word.substr(6);
      int every = 0;
      for (char c : v) every = (c >= '0' && c <= '9' && every < 100000) ? every * 10 + (c - '0') : -1;
      if (v.empty() || every < 1 || every > 1000) {
        return make_error(ErrorCode::kInvalidArgument, detector + " every must be an integer in [1, 1000]: '" + word + "'");
      }
      out.every = every;
      continue;
    }
    if (extra) {
      SHROUD_ASSIGN_OR_RETURN(bool taken, extra(word));
      if (taken) continue;
    }
    return make_error(ErrorCode::kInvalidArgument, "unknown " + detector + " option '" + word + "' (expected " + expected + ")");
  }
  return out;
}

Result<OnnxModel> load_onnx_model(const ModelLocator& models, const std::string& file, const std::string& what) {
  SHROUD_ASSIGN_OR_RETURN(auto path, find_model(models, file));
  OnnxModel m;
  m.path = path;
  try {
    m.net = cv::dnn::readNetFromONNX(path.string());
  } catch (const cv::Exception& e) {
    return make_error(ErrorCode::kCorrupt, "cannot load " + what + " model '" + path.string() + "': " + e.what());
  }
  if (m.net.empty()) return make_error(ErrorCode::kCorrupt, "cannot load " + what + " model '" + path.string() + "'");
  return m;
}

std::string detector_name(const std::string& base, const std::string& arg) {
  return arg.empty() ? base : base + ":" + arg;
}

}  // namespace shroud
