// S3: unauthenticated coordinates in the SISA paper's design.
//
// The paper keeps each encrypted region's rectangle in EXIF, outside anything that is checked.
// An attacker (or a careless metadata editor) who shifts the rectangle makes decryption run
// over the wrong pixels: it reports success, the real region stays scrambled, and pixels
// elsewhere are overwritten with garbage. Each trial encrypts a face-sized region of a real
// image, shifts the stored rectangle by a random non-zero offset that keeps it inside the image,
// and decrypts. success = share of trials where decryption returned no error and yet the image
// differs from the original (silent corruption).
// Against the seal the same shift is made to the region's rectangle in the container (the
// attacker-visible metadata): the manifest and the region's associated data authenticate the
// geometry, so recovery must fail and return no pixels.
#include <opencv2/core.hpp>

#include <cstdio>

#include "attacks/attacks.h"
#include "attacks/pe_common.h"
#include "shroud/container.h"
#include "shroud/schemes/sisa_paper.h"
#include "shroud/seal.h"

namespace shroud::attacks {

Result<AttackResult> sisa_shifted_coords(const AttackOptions& o) {
  const int side = pe_image_side(o, 64);
  const int trials = o.trials > 0 ? std::min(o.trials, 100000) : 50;
  SHROUD_ASSIGN_OR_RETURN(PeImages imgs, pe_images(o, 1, cv::Size(side, side)));
  const cv::Mat& original = imgs.images[0];
  const int rw = std::max(1, side / 2), rh = std::max(1, side / 2);
  const cv::Rect rect((side - rw) / 2, (side - rh) / 2, rw, rh);
  cv::RNG rng(o.seed);
  const bool seal = o.scheme == "seal";
  if (rw == side && rh == side) return make_error(ErrorCode::kInvalidArgument, "image too small to shift a region in");

  std::unique_ptr<Keyset> keyset;
  if (seal) {
    SHROUD_ASSIGN_OR_RETURN(auto ks, Keyset::generate());
    keyset = std::make_unique<Keyset>(std::move(ks));
  }
  int silent = 0, detected = 0, accepted_exact = 0;
  double wrong_in_region = 0, wrong_outside = 0;
  std::string first_error;
  for (int t = 0; t < trials; ++t) {
    cv::Rect shifted = rect;
    while (shifted == rect) {
      shifted.x = rng.uniform(0, side - rw + 1);
      shifted.y = rng.uniform(0, side - rh + 1);
    }
    cv::Mat out;
    if (!seal) {
      SHROUD_ASSIGN_OR_RETURN(auto key, schemes::generate_sisa_paper_key());
      cv::Mat image = original.clone();
      SHROUD_ASSIGN_OR_RETURN(auto record, schemes::sisa_paper_encrypt(image, rect, key));
      // The metadata as an attacker rewrites it: {"rect": shifted, "iv": unchanged}.
      nlohmann::json meta = record.to_json();
      meta["rect"] = {shifted.x, shifted.y, shifted.width, shifted.height};
      SHROUD_ASSIGN_OR_RETURN(auto forged, schemes::SisaPaperRecord::from_json(meta));
      Status st = schemes::sisa_paper_decrypt(image, forged, key);
      if (!st.ok()) {
        ++detected;
        if (first_error.empty()) first_error = st.error().message;
        continue;
      }
      out = image;
    } else {
      SHROUD_ASSIGN_OR_RETURN(auto target, seal_target(original, rect, *keyset, /*check_clean=*/t == 0));
      const cv::Mat& carrier = target.carrier;
      Container& c = target.container;
      c.regions[0].x = static_cast<std::uint32_t>(shifted.x);
      c.regions[0].y = static_cast<std::uint32_t>(shifted.y);
      const auto tampered = serialize_container(c);
      // The forged container is well formed (the rectangle is inside the image).
      if (!parse_container(tampered).ok()) return make_error(ErrorCode::kInternal, "seal: forged container does not parse");
      auto rec = recover_regions(carrier, tampered, *keyset);
      if (!rec.ok()) {
        ++detected;
        if (first_error.empty()) first_error = rec.error().message;
        continue;
      }
      out = rec->image;
    }
    cv::Mat diff;
    cv::absdiff(out, original, diff);
    cv::Mat inside = cv::Mat::zeros(original.size(), CV_8U);
    inside(rect).setTo(1);
    int in = 0, outside = 0;
    for (int y = 0; y < original.rows; ++y) {
      for (int x = 0; x < original.cols; ++x) {
        const auto& d = diff.at<cv::Vec3b>(y, x);
        if (d == cv::Vec3b(0, 0, 0)) continue;
        (inside.at<std::uint8_t>(y, x) ? in : outside) += 1;
      }
    }
    wrong_in_region += static_cast<double>(in) / rect.area();
    wrong_outside += static_cast<double>(outside) / static_cast<double>(original.total() - static_cast<std::size_t>(rect.area()));
    if (in + outside > 0) {
      ++silent;
    } else {
      ++accepted_exact;
    }
  }
  const int accepted = trials - detected;
  AttackResult r;
  r.success = static_cast<double>(silent) / trials;
  r.detail = {{"trials", trials},
              {"image", imgs.names[0]},
              {"region", {rect.x, rect.y, rect.width, rect.height}},
              {"silently_wrong", silent},
              {"detected", detected},
              {"accepted_and_exact", accepted_exact},
              {"region_pixels_left_wrong", accepted > 0 ? wrong_in_region / accepted : 0.0},
              {"outside_pixels_corrupted", accepted > 0 ? wrong_outside / accepted : 0.0}};
  if (!first_error.empty()) r.detail["error"] = first_error;
  char line[220];
  std::snprintf(line, sizeof line, "%d of %d shifted rectangles decrypted without error into wrong pixels; %d detected", silent,
                trials, detected);
  r.summary = line;
  return r;
}

}  // namespace shroud::attacks
