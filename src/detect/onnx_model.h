// Internal: what the DNN detectors share when they are created: the option words "model=FILE"
// and "every=N", and loading an ONNX model through cv::dnn with one error for every failure.
#pragma once

#include <opencv2/dnn.hpp>

#include <filesystem>
#include <functional>
#include <string>

#include "shroud/detector.h"
#include "shroud/result.h"

namespace shroud {

struct DnnArgs {
  std::string model;  // a file name looked up through DetectorOptions::models, or a path
  int every = 0;      // video cadence (frames whose index is a multiple of it); 0: no every=N word
};

// Parses the words of `arg` (after "name:", joined with '+'): "model=FILE" and, when
// `default_every` > 0, "every=N" (an integer in [1, 1000]). `extra` may take other words (true:
// taken; an error is returned as it is). Any other word is kInvalidArgument "unknown DETECTOR
// option 'WORD' (expected EXPECTED)".
Result<DnnArgs> parse_dnn_args(const std::string& arg, const std::string& detector, const std::string& default_model,
                               int default_every, const std::string& expected,
                               const std::function<Result<bool>(const std::string&)>& extra = {});

struct OnnxModel {
  cv::dnn::Net net;
  std::filesystem::path path;  // what the factory records with Detector::add_model_file
};

// find_model(models, file), then cv::dnn::readNetFromONNX; an unreadable or empty net is
// kCorrupt "cannot load WHAT model 'PATH'[: reason]".
Result<OnnxModel> load_onnx_model(const ModelLocator& models, const std::string& file, const std::string& what);

// "name" or "name:arg", the name a configured detector reports.
std::string detector_name(const std::string& base, const std::string& arg);

}  // namespace shroud
