// The default FrameProtector (video.h) and the detection schedule shared by protect_video() and
// FrameStream (frame_stream.h).
#include <algorithm>
#include <map>
#include <numeric>

#include "shroud/dp_plate.h"
#include "shroud/pipeline.h"
#include "shroud/video.h"

namespace shroud {
namespace {

// Irreversible protection from each action's method. A DP plate is drawn once per track and
// reused in every frame of that track: fresh draws per frame would let an observer average the
// noise away (SECURITY.md, D2).
class DefaultFrameProtector final : public FrameProtector {
 public:
  Status protect(cv::Mat& frame, std::int64_t, const std::vector<Action>& actions) override {
    std::vector<Action> resolved = actions;
    for (Action& a : resolved) {
      if (a.method != "dp-plate" || a.region.track_id < 0 || a.region.text.empty()) continue;
      auto it = plate_draws_.find(a.region.track_id);
      if (it == plate_draws_.end()) {
        SHROUD_ASSIGN_OR_RETURN(dp::Mechanism mech, dp::parse_mechanism(a.params.mechanism));
        SHROUD_ASSIGN_OR_RETURN(std::string style, dp::resolve_plate_style(a.params.plate_style, a.region.text));
        SHROUD_ASSIGN_OR_RETURN(std::string drawn, dp::privatize_plate(a.region.text, style, a.params.epsilon, mech, rng_));
        it = plate_draws_.emplace(a.region.track_id, std::move(drawn)).first;
      }
      a.params.synthetic_text = it->second;
    }
    return apply_actions(frame, resolved);
  }

 private:
  std::map<int, std::string> plate_draws_;
  dp::SecureRandom rng_;
};

}  // namespace

std::unique_ptr<FrameProtector> make_default_frame_protector() { return std::make_unique<DefaultFrameProtector>(); }

int detection_period(int detect_every, int cadence) { return std::lcm(std::max(1, detect_every), std::max(1, cadence)); }

TrackerOptions stream_tracker_options(TrackerOptions base, int period) {
  base.hold_frames = std::max(base.hold_frames, period);
  return base;
}

}  // namespace shroud
