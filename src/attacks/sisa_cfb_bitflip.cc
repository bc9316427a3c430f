// S1: AES-CFB malleability in the SISA paper's region encryption.
//
// In CFB128 the plaintext is P_i = C_i XOR E_K(C_{i-1}), so XORing a ciphertext byte with a mask
// XORs the same plaintext byte with the same mask, and decryption "succeeds" (nothing is
// authenticated); only the next 16-byte segment is garbled. Each trial encrypts a face-sized
// region of a real image, picks a random sample of the region and a random non-zero XOR (the
// attacker's chosen change: known plaintext lets them set any value), flips the ciphertext and
// decrypts. success = share of trials where the target sample holds exactly the attacker's value
// and decryption reported no error.
// Against the seal the same flip is made in the container's ciphertext (the region body, a
// stream cipher too): recovery must fail (Poly1305 tag) and return no pixels.
#include <opencv2/core.hpp>

#include <cstdio>

#include "attacks/attacks.h"
#include "attacks/pe_common.h"
#include "shroud/container.h"
#include "shroud/schemes/sisa_paper.h"
#include "shroud/seal.h"

namespace shroud::attacks {

Result<AttackResult> sisa_cfb_bitflip(const AttackOptions& o) {
  const int side = pe_image_side(o, 64);
  const int trials = o.trials > 0 ? std::min(o.trials, 100000) : 50;
  SHROUD_ASSIGN_OR_RETURN(PeImages imgs, pe_images(o, 1, cv::Size(side, side)));
  const cv::Mat& original = imgs.images[0];
  const int rw = std::max(1, side / 2), rh = std::max(1, side / 2);
  const cv::Rect rect((side - rw) / 2, (side - rh) / 2, rw, rh);
  const std::size_t row_bytes = static_cast<std::size_t>(rw) * original.elemSize();
  const std::size_t region_bytes = row_bytes * static_cast<std::size_t>(rh);
  cv::RNG rng(o.seed);
  const bool seal = o.scheme == "seal";

  std::unique_ptr<Keyset> keyset;
  if (seal) {
    SHROUD_ASSIGN_OR_RETURN(auto ks, Keyset::generate());
    keyset = std::make_unique<Keyset>(std::move(ks));
  }
  int landed = 0, detected = 0;
  double collateral = 0;
  std::string first_error;
  for (int t = 0; t < trials; ++t) {
    const std::size_t k = static_cast<std::size_t>(rng.uniform(0, static_cast<int>(region_bytes)));
    const std::uint8_t mask = static_cast<std::uint8_t>(rng.uniform(1, 256));
    const int ry = static_cast<int>(k / row_bytes);
    const std::size_t rx = k % row_bytes;
    const std::uint8_t want = static_cast<std::uint8_t>(original.ptr(rect.y + ry)[rect.x * original.elemSize() + rx] ^ mask);
    cv::Mat out;
    if (!seal) {
      SHROUD_ASSIGN_OR_RETURN(auto key, schemes::generate_sisa_paper_key());
      cv::Mat image = original.clone();
      SHROUD_ASSIGN_OR_RETURN(auto record, schemes::sisa_paper_encrypt(image, rect, key));
      // What the attacker stores back: the image file with one ciphertext byte changed; the
      // "EXIF" record untouched.
      image.ptr(rect.y + ry)[rect.x * image.elemSize() + rx] ^= mask;
      Status st = schemes::sisa_paper_decrypt(image, record, key);
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
      c.ciphertext[c.body_offset(0) + k] ^= mask;
      const auto tampered = serialize_container(c);
      auto rec = recover_regions(carrier, tampered, *keyset);
      if (!rec.ok()) {
        ++detected;
        if (first_error.empty()) first_error = rec.error().message;
        continue;
      }
      out = rec->image;
    }
    const std::uint8_t got = out.ptr(rect.y + ry)[rect.x * out.elemSize() + rx];
    landed += got == want;
    cv::Mat diff;
    cv::absdiff(out, original, diff);
    collateral += static_cast<double>(cv::countNonZero(diff.reshape(1))) - (got != original.ptr(rect.y + ry)[rect.x * original.elemSize() + rx] ? 1 : 0);
  }
  const int accepted = trials - detected;
  AttackResult r;
  r.success = static_cast<double>(landed) / trials;
  r.detail = {{"trials", trials},
              {"image", imgs.names[0]},
              {"region", {rect.x, rect.y, rect.width, rect.height}},
              {"landed_undetected", landed},
              {"detected", detected},
              {"mean_collateral_samples_changed", accepted > 0 ? collateral / accepted : 0.0}};
  if (!first_error.empty()) r.detail["error"] = first_error;
  char line[220];
  std::snprintf(line, sizeof line,
                "%d of %d chosen ciphertext XORs landed exactly on the plaintext with no error; %d detected", landed, trials,
                detected);
  r.summary = line;
  return r;
}

}  // namespace shroud::attacks
