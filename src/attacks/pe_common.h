// Internal: shared pieces of the perceptual-encryption and SISA attacks (P0-P4, S1, S3).
//
// An "oracle" encrypts an 8-bit 3-channel image under one fixed secret key and returns what the
// attacker sees in place of the pixels:
//  - pbe / pbe-noshuffle / perceptual: the cipher image (same size and type).
//  - seal: the image is sealed as one whole-image region with a fresh nonce under a fixed keyset
//    (the same key protects every image, as for the schemes); the attacker gets the container's
//    ciphertext body (the tag dropped), laid out like the pixels, so the very same attack
//    procedure runs on it unchanged.
#pragma once

#include <opencv2/core.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "shroud/attack.h"
#include "shroud/container.h"
#include "shroud/keys.h"

namespace shroud::attacks {

// An equivalent key of pbe / Ahmad-Shin on 8-bit BGR images: per pixel, output channel j holds
// input channel perm[j] XOR mask[perm[j]]. (pbe: mask = 255 where K_c = 1; Ahmad-Shin: mask =
// S where K_c = 1; perm = kChannelPermutations[K_s].) Both Mats are CV_8UC3.
struct EquivalentKey {
  cv::Mat perm;
  cv::Mat mask;
};
// Inverse of the model above: P[perm[j]] = C[j] XOR mask[perm[j]] (perm entries taken mod 3).
cv::Mat decrypt_equivalent(const cv::Mat& cipher, const EquivalentKey& key);
// Shares of pixels whose perm / mask (all three channels) match.
double perm_agreement(const EquivalentKey& a, const EquivalentKey& b);
double mask_agreement(const EquivalentKey& a, const EquivalentKey& b);

struct PeOracle {
  std::function<Result<cv::Mat>(const cv::Mat&)> encrypt;  // what the attacker observes
  std::function<Result<cv::Mat>(const cv::Mat&)> decrypt;  // legitimate decryption (schemes only; checks)
  std::function<EquivalentKey(cv::Size)> truth;            // the real key as an EquivalentKey (schemes only)
  std::shared_ptr<Keyset> keyset;                          // seal only
};

// A fresh secret key for `scheme` ("pbe", "pbe-noshuffle", "perceptual", "seal").
Result<PeOracle> make_pe_oracle(const std::string& scheme);

struct PeImages {
  std::vector<cv::Mat> images;     // 8-bit BGR, all of the same size
  std::vector<std::string> names;  // path, or "generated:N"
};
// `count` real 8-bit BGR images of `size`: the user's (--image, in order) then the OpenCV sample
// images (lena, messi5, baboon, ...; centre-cropped to a square, then resized), then generated
// smooth images (seeded by options.seed) when fewer are installed. Errors when a user image
// cannot be read.
Result<PeImages> pe_images(const AttackOptions& options, int count, cv::Size size);

// Share of pixels equal in every channel / of samples equal.
double exact_pixel_fraction(const cv::Mat& a, const cv::Mat& b);
double exact_sample_fraction(const cv::Mat& a, const cv::Mat& b);

// Side of the square test images (params "size", default `fallback`, clamped to [4, 1024]).
int pe_image_side(const AttackOptions& options, int fallback);

// S1 / S3 against the seal: `original` with `rect` sealed under `keyset` (the placeholder in
// `carrier`) and its container parsed, for the attacker to tamper with. `check_clean`: first
// recovers the untouched container and requires the exact original (kInternal otherwise), so a
// rejection of the tampered one is the tamper check and not a bug.
struct SealedTarget {
  cv::Mat carrier;
  Container container;
};
Result<SealedTarget> seal_target(const cv::Mat& original, const cv::Rect& rect, const Keyset& keyset, bool check_clean);

}  // namespace shroud::attacks
