// Protector: alters the pixels of one region.
//
// Conventions for every protector: pixels are 8- or 16-bit unsigned, 1, 3 or 4 channels; the
// alpha channel of 4-channel images is never changed; only pixels inside action.rect (and
// inside the ellipse when the shape is an ellipse) change; feathering blends the protected
// pixels into the original over the soft edge. Protectors are stateless and thread-safe.
//
// Irreversible protectors (blur, pixelate, fill) destroy information. Reversible schemes live
// in their own headers (seal.h and the paper schemes) because they also produce records.
#pragma once

#include <opencv2/core.hpp>

#include <memory>
#include <string>

#include "shroud/policy.h"
#include "shroud/result.h"

namespace shroud {

class Protector {
 public:
  virtual ~Protector() = default;
  virtual std::string name() const = 0;
  // Protects action.rect of `image` in place.
  Status apply(cv::Mat& image, const Action& action) const;

 protected:
  // Returns the fully protected version of `roi` (same size, type and channel count, alpha
  // excluded: `roi` has 1 or 3 channels). apply() blends it in according to shape/feather.
  virtual Result<cv::Mat> render(const cv::Mat& roi, const Action& action) const = 0;
};

// Creates an irreversible protector by name: "blur", "pixelate", "fill".
Result<std::unique_ptr<Protector>> create_protector(const std::string& name);

// Checks that `image` is a type every protector handles (8U/16U, 1/3/4 channels).
Status check_supported_image(const cv::Mat& image);

}  // namespace shroud
