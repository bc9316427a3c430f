#include "shroud/box_follower.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>
#include <opencv2/tracking.hpp>

namespace shroud {

struct BoxFollower::Impl {
  cv::Ptr<cv::TrackerKCF> kcf;
  FollowOptions options;
  cv::Size size;
  int type = 0;
  std::int64_t frame = 0;
  std::int64_t seed_frame = 0;
  cv::Mat last_patch;   // grey pixels of the box on the last followed frame
  bool lost = false;
};

namespace {

// KCF's colour-names features need BGR.
cv::Mat as_bgr(const cv::Mat& frame) {
  if (frame.channels() == 3) return frame;
  cv::Mat bgr;
  cv::cvtColor(frame, bgr, cv::COLOR_GRAY2BGR);
  return bgr;
}

cv::Mat grey_patch(const cv::Mat& frame, const cv::Rect& box) {
  cv::Mat g;
  if (frame.channels() == 3) {
    cv::cvtColor(frame(box), g, cv::COLOR_BGR2GRAY);
  } else {
    g = frame(box).clone();
  }
  cv::Mat f;
  g.convertTo(f, CV_32F);
  // Smoothed so that the pixel or two by which a tracked box drifts does not decorrelate fine
  // texture: the confidence measures a change of content, not a sub-box misalignment.
  const double sigma = std::max(1.0, std::min(box.width, box.height) / 16.0);
  cv::GaussianBlur(f, f, cv::Size(), sigma);
  return f;
}

// Zero-mean normalised cross-correlation of two patches (b resized to a's size). Two flat
// patches of about the same level correlate 1, a flat and a textured one 0.
double ncc(const cv::Mat& a, cv::Mat b) {
  if (b.size() != a.size()) cv::resize(b, b, a.size(), 0, 0, cv::INTER_AREA);
  cv::Scalar ma, sa, mb, sb;
  cv::meanStdDev(a, ma, sa);
  cv::meanStdDev(b, mb, sb);
  if (sa[0] < 1.0 || sb[0] < 1.0) return (sa[0] < 1.0 && sb[0] < 1.0 && std::abs(ma[0] - mb[0]) < 8.0) ? 1.0 : 0.0;
  const cv::Mat da = a - ma[0], db = b - mb[0];
  return da.dot(db) / (static_cast<double>(a.total()) * sa[0] * sb[0]);
}

}  // namespace

BoxFollower::BoxFollower(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BoxFollower::BoxFollower(BoxFollower&&) noexcept = default;
BoxFollower& BoxFollower::operator=(BoxFollower&&) noexcept = default;
BoxFollower::~BoxFollower() = default;

Result<BoxFollower> BoxFollower::start(const cv::Mat& frame, std::int64_t frame_index, const cv::Rect& box,
                                       const FollowOptions& options) {
  if (frame.empty() || frame.depth() != CV_8U || (frame.channels() != 1 && frame.channels() != 3)) {
    return make_error(ErrorCode::kInvalidArgument, "follow: the frame must be 8-bit grey or BGR");
  }
  const cv::Rect inside = box & cv::Rect(0, 0, frame.cols, frame.rows);
  if (inside.width < 4 || inside.height < 4) {
    return make_error(ErrorCode::kInvalidArgument, "follow: the box must cover at least 4x4 pixels of the frame");
  }
  if (!(options.min_confidence >= -1.0 && options.min_confidence <= 1.0) || options.max_frames < 0) {
    return make_error(ErrorCode::kInvalidArgument, "follow: min_confidence must be in -1..1 and max_frames >= 0");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->size = frame.size();
  impl->type = frame.type();
  impl->frame = impl->seed_frame = frame_index;
  try {
    impl->kcf = cv::TrackerKCF::create();
    impl->kcf->init(as_bgr(frame), inside);
  } catch (const cv::Exception& e) {
    return make_error(ErrorCode::kInternal, std::string("follow: KCF init failed: ") + e.what());
  }
  impl->last_patch = grey_patch(frame, inside);
  return BoxFollower(std::move(impl));
}

Result<FollowStep> BoxFollower::step(const cv::Mat& frame) {
  Impl& s = *impl_;
  if (frame.size() != s.size || frame.type() != s.type) {
    return make_error(ErrorCode::kInvalidArgument, "follow: every frame must have the seed frame's size and type");
  }
  FollowStep out;
  out.frame = ++s.frame;
  if (s.lost || s.frame - s.seed_frame > s.options.max_frames) {
    s.lost = true;
    out.lost = true;
    return out;
  }
  cv::Rect box;
  bool found = false;
  try {
    found = s.kcf->update(as_bgr(frame), box);
  } catch (const cv::Exception&) {
    found = false;
  }
  const cv::Rect inside = box & cv::Rect(0, 0, frame.cols, frame.rows);
  if (!found || inside.width < 4 || inside.height < 4) {
    s.lost = true;
    out.lost = true;
    return out;
  }
  cv::Mat patch = grey_patch(frame, inside);
  out.confidence = ncc(s.last_patch, patch);
  if (out.confidence < s.options.min_confidence) {
    s.lost = true;
    out.lost = true;
    return out;
  }
  s.last_patch = std::move(patch);
  out.box = inside;
  return out;
}

bool BoxFollower::lost() const { return impl_->lost; }
std::int64_t BoxFollower::last_frame() const { return impl_->frame; }

}  // namespace shroud
