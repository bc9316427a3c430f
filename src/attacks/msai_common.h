// Internal: shared by the MSAI / block-scrambling attacks (M1-M6, msai-l): the images they run
// on, the secure seal as a target (what an attacker sees of it), timing and scoring helpers.
#pragma once

#include <opencv2/core.hpp>

#include <chrono>
#include <memory>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "shroud/attack.h"
#include "shroud/container.h"
#include "shroud/keys.h"
#include "shroud/schemes/msai.h"

namespace shroud::attacks::msai {

// 8-bit BGR images to attack: the user's (--image; unreadable files are errors) or up to `want`
// OpenCV sample images, or deterministic generated images when no sample is installed. Images
// whose longer side exceeds `max_side` are scaled down (0: keep the size).
Result<std::vector<cv::Mat>> load_images(const AttackOptions& options, std::size_t want, int max_side);

// A deterministic 8-bit BGR "natural-looking" image (smooth gradients, edges and noise) that uses
// the full range 0..255.
cv::Mat generated_image(int width, int height, std::uint64_t seed);

// The central rectangle covering `fraction` of each side (a face-sized sensitive area).
cv::Rect central_area(cv::Size size, double fraction);

// An MSAI victim: fresh cloud key and membrane, data-centre tau, and the camera's output for
// `image` with sensitive `area` (the attacker sees out.visible and out.payload, not the keys).
struct MsaiVictim {
  schemes::MsaiKey key;
  schemes::MsaiTauKey tau;
  schemes::MsaiCameraOutput out;
  cv::Mat original_area;
};
Result<MsaiVictim> msai_victim(const cv::Mat& image, const cv::Rect& area, schemes::MsaiScheme scheme,
                               std::int64_t frame = 0);

// The secure seal as a target: `rects` of `image` sealed with a fresh keyset (fill placeholder).
struct SealTarget {
  std::shared_ptr<const Keyset> keyset;
  cv::Mat visible;                       // the image with placeholders, as the attacker sees it
  std::vector<std::uint8_t> container;   // serialized shroud-v1 container
  Container parsed;
};
Result<SealTarget> seal_target(const cv::Mat& image, const std::vector<cv::Rect>& rects);
// Seals another image with the same keyset (same master key, fresh salt and nonces).
Result<SealTarget> seal_again(const SealTarget& first, const cv::Mat& image, const std::vector<cv::Rect>& rects);
// Region `i`'s ciphertext without its 16-byte tag (as many bytes as the plaintext).
std::span<const std::uint8_t> region_ciphertext(const SealTarget& target, std::size_t i);
// True when recovery of (visible, container) fails: the seal detected the modification.
bool seal_rejects(const SealTarget& target, const cv::Mat& visible, const std::vector<std::uint8_t>& container);

// Share of equal samples (same size and type required; 0 otherwise).
double fraction_equal(const cv::Mat& a, const cv::Mat& b);
// How far `fraction` is above the `chance` a blind guess gets, scaled to [0, 1]:
// max(0, (fraction - chance) / (1 - chance)).
double above_chance(double fraction, double chance);

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

inline int trials_or(const AttackOptions& o, int fallback) { return o.trials > 0 ? o.trials : fallback; }

}  // namespace shroud::attacks::msai
