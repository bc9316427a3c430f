// Placeholders drawn over sealed regions: the irreversible protectors, plus uniform noise.
//
// Noise is drawn from an RNG seeded per region from the CSPRNG, so it carries no information
// about the original pixels.
#include <opencv2/core.hpp>

#include "protect/placeholder_draw.h"
#include "shroud/container.h"
#include "shroud/protector.h"

namespace shroud {
namespace {

class NoiseProtector final : public Protector {
 public:
  explicit NoiseProtector(std::uint64_t seed) : seed_(seed) {}
  std::string name() const override { return "noise"; }

 protected:
  Result<cv::Mat> render(const cv::Mat& roi, const Action&) const override {
    cv::Mat out(roi.size(), roi.type());
    cv::RNG rng(seed_);
    rng.fill(out, cv::RNG::UNIFORM, 0, roi.depth() == CV_16U ? 65536 : 256);
    return out;
  }

 private:
  std::uint64_t seed_;
};

}  // namespace

Status draw_placeholder(cv::Mat& image, const Action& action, Placeholder placeholder, std::uint64_t noise_seed) {
  if (placeholder == Placeholder::kBlur || placeholder == Placeholder::kPixelate) {
    SHROUD_RETURN_IF_ERROR(check_strength_floor(action.params));
  }
  std::unique_ptr<Protector> p;
  switch (placeholder) {
    case Placeholder::kNoise: p = std::make_unique<NoiseProtector>(noise_seed); break;
    case Placeholder::kBlur:
    case Placeholder::kPixelate:
    case Placeholder::kFill: {
      SHROUD_ASSIGN_OR_RETURN(p, create_protector(placeholder_name(placeholder)));
      break;
    }
  }
  if (!p) return make_error(ErrorCode::kInvalidArgument, "unknown placeholder");
  return p->apply(image, action);
}

}  // namespace shroud
