// Detector: finds sensitive regions in a frame.
//
// Contract: detect() returns regions in the coordinates of the frame it was given, never throws,
// and reports a model or inference failure as an Error. A detector object is not thread-safe
// (OpenCV DNN nets keep state); create one per thread. Detectors are created by name from the
// registry (registry.h); each owns its model loading.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "shroud/frame.h"
#include "shroud/models.h"
#include "shroud/region.h"
#include "shroud/result.h"
#include "shroud/stream_context.h"

namespace shroud {

struct DetectorOptions {
  ModelLocator models;             // where to look for model files
  std::string arg;                 // text after "name:" in the spec (cascade file, JSON path ...)
  float score_threshold = -1.0f;   // < 0: the detector's privacy-leaning default
  // Longest side (pixels) the frame is resized to before inference; 0: detector default.
  int detect_size = 0;
  // manual:FILE: an image that no entry of FILE names gets no regions instead of an error.
  bool allow_unlisted = false;
};

class Detector {
 public:
  virtual ~Detector() = default;
  virtual std::string name() const = 0;
  virtual Result<std::vector<Region>> detect(const Frame& frame) = 0;
  // Video scheduling: a detector that runs its model only on frames whose index is a multiple of
  // cadence() (and returns nothing on the others) reports it here, so the video pipeline delays
  // frames long enough to extend its first detections backwards. 1: every frame it is given.
  virtual int cadence() const { return 1; }
  // The files it loaded (model, cascade), as resolved: signed provenance records their hashes,
  // so a verifier learns exactly which model found (or missed) what. Empty for manual boxes.
  virtual std::vector<std::string> model_files() const { return model_files_; }
  // Factories record each file they load here (what model_files() returns by default).
  void add_model_file(std::string path) { model_files_.push_back(std::move(path)); }
  // Resolution it needs: the longest side a caller may shrink a frame to (e.g. a JPEG decoded at
  // a reduced DCT scale) without losing what it would find at full size. 0: full resolution
  // (YuNet's native-resolution tile pass); -1: no opinion, the caller's own rule applies.
  virtual int min_input_side() const { return -1; }
  // Video: the state shared by the detectors of one stream (stream_context.h), set by the video
  // pipeline on every worker's detector before its first frame. A detector that reuses work across
  // frames keeps it there, so its results do not depend on which worker saw which frame; without
  // one (stills, a detector used alone in frame order) it keeps its own.
  virtual void set_stream(std::shared_ptr<StreamContext> /*stream*/) {}

 private:
  std::vector<std::string> model_files_;
};

}  // namespace shroud
