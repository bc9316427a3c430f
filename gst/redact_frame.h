// The frame logic of the shroudredact element, free of GObject: an Engine and its FrameStream
// built from the element's properties, and one GstVideoFrame protected in place with a
// GstVideoRegionOfInterestMeta per protected region. gstshroudredact.cc holds the boilerplate.
#pragma once

#include <gst/video/video.h>

#include <memory>
#include <string>

#include "shroud/engine.h"
#include "shroud/frame_stream.h"
#include "shroud/result.h"

namespace shroud::gst {

// The element's properties (defaults as documented in gstshroudredact.cc and docs/gstreamer.md).
struct RedactSettings {
  std::string detector;        // empty: the default detector spec
  std::string method;          // empty: the policy's (blur by default)
  double threshold = -1.0;     // < 0: the detector's default
  int detect_interval = 1;
  int hold = 15;
  double mask_scale = 0.0;     // 0: the policy's (1.3 by default)
  std::string policy_file;
  std::string key_file;
  std::string models;
};

class Redactor {
 public:
  // Validates the settings (through Engine::create and Engine::open_stream: a bad detector spec,
  // a missing model, a bad policy file or value is an error naming it).
  static Result<std::unique_ptr<Redactor>> create(const RedactSettings& settings);

  // Protects `frame` in place (BGR, BGRx, BGRA, RGB, RGBx, RGBA) and attaches one
  // GstVideoRegionOfInterestMeta per protected rectangle to frame->buffer (roi_type = the
  // region's kind, id = its track id, a "shroud" parameter structure with score, method, track).
  Result<StreamFrameReport> process(GstVideoFrame* frame);

  // A new frame size or a flush: frame numbers and tracks start again.
  void reset() { stream_.reset(); }

  const Engine& engine() const { return engine_; }

 private:
  Redactor(Engine engine, FrameStream stream) : engine_(std::move(engine)), stream_(std::move(stream)) {}
  Engine engine_;        // declared first: the stream borrows from it and must be destroyed first
  FrameStream stream_;
};

}  // namespace shroud::gst
