// Engine::open_stream and FrameStream: video protection one frame at a time (frame_stream.h).
#include <opencv2/imgproc.hpp>

#include <utility>

#include "engine/engine_impl.h"
#include "shroud/frame.h"
#include "shroud/frame_stream.h"
#include "shroud/tracker.h"
#include "shroud/video.h"

namespace shroud {

struct FrameStream::State {
  const Engine::Impl* engine = nullptr;
  std::optional<Engine::Impl::Lease> detector;
  int detect_every = 1;
  int period = 1;
  TrackerOptions tracker_options;
  Tracker tracker;
  std::unique_ptr<FrameProtector> protector;
  std::int64_t next = 0;
  cv::Mat bgr;   // detection copy of an RGB frame, reused

  void restart() {
    tracker = Tracker(tracker_options);
    protector = make_default_frame_protector();   // DP plate draws are per track
    next = 0;
  }
};

Result<FrameStream> Engine::open_stream() const {
  const Impl& im = *impl_;
  if (im.scheme) {
    return make_error(ErrorCode::kUnsupported,
                      "method '" + im.scheme->choice.name + "' is not available for frame streams (still images only)");
  }
  if (im.seal) {
    return make_error(ErrorCode::kUnsupported,
                      "method 'seal' is not available for frame streams (it needs a recovery track: use shroud protect)");
  }
  if (im.options.detect_every < 1) return make_error(ErrorCode::kInvalidArgument, "detect_every must be >= 1");
  if (im.options.hold < 0) return make_error(ErrorCode::kInvalidArgument, "hold must be >= 0");
  auto state = std::make_unique<FrameStream::State>();
  state->engine = &im;
  SHROUD_ASSIGN_OR_RETURN(auto lease, im.borrow());
  state->period = shroud::detection_period(im.options.detect_every, (*lease).cadence());
  state->detector.emplace(std::move(lease));
  state->detect_every = im.options.detect_every;
  TrackerOptions to;
  to.hold_frames = im.options.hold;
  state->tracker_options = stream_tracker_options(to, state->period);
  state->restart();
  return FrameStream(std::move(state));
}

FrameStream::FrameStream(std::unique_ptr<State> state) : state_(std::move(state)) {}
FrameStream::FrameStream(FrameStream&&) noexcept = default;
FrameStream& FrameStream::operator=(FrameStream&&) noexcept = default;
FrameStream::~FrameStream() = default;

void FrameStream::reset() { state_->restart(); }
std::int64_t FrameStream::frames() const { return state_->next; }
int FrameStream::tracks() const { return state_->tracker.total_tracks(); }
int FrameStream::detection_period() const { return state_->period; }

Result<StreamFrameReport> FrameStream::protect_next(cv::Mat& frame, ChannelOrder order) {
  State& s = *state_;
  if (frame.empty()) return make_error(ErrorCode::kInvalidArgument, "frame stream: empty frame");
  if (frame.depth() != CV_8U || (frame.channels() != 3 && frame.channels() != 4)) {
    return make_error(ErrorCode::kInvalidArgument, "frame stream: frames must be 8-bit with 3 or 4 channels");
  }
  StreamFrameReport rep;
  rep.index = s.next++;
  rep.detected = rep.index % s.detect_every == 0;
  if (rep.detected) {
    cv::Mat view = frame;
    if (order == ChannelOrder::kRgb) {
      cv::cvtColor(frame, s.bgr, frame.channels() == 4 ? cv::COLOR_RGBA2BGR : cv::COLOR_RGB2BGR);
      view = s.bgr;
    }
    // Index and time as in protect_video(), so a part with a cadence runs on the same frames.
    Frame f{view, rep.index, 0.0, ""};
    auto found = (**s.detector).detect(f);
    if (!found.ok()) return found.error();
    rep.regions = s.tracker.update(*found, rep.index);
  } else {
    rep.regions = s.tracker.predict(rep.index);
  }
  rep.actions = plan_actions(rep.regions, frame.size(), s.engine->policy);
  if (order == ChannelOrder::kRgb) {
    for (Action& a : rep.actions) std::swap(a.params.fill_color[0], a.params.fill_color[2]);
  }
  SHROUD_RETURN_IF_ERROR(s.protector->protect(frame, rep.index, rep.actions));
  if (order == ChannelOrder::kRgb) {
    for (Action& a : rep.actions) std::swap(a.params.fill_color[0], a.params.fill_color[2]);   // report in B,G,R
  }
  return rep;
}

}  // namespace shroud
