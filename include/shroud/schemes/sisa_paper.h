// sisa-paper: the SISA paper's region encryption, reproduced FOR COMPARISON AND ATTACKS ONLY.
//
// WARNING - deliberate misuse of cryptography. This is AES-256 in CFB mode (OpenSSL
// aes-256-cfb128) WITHOUT authentication, with the region coordinates kept in unauthenticated
// metadata (the paper writes them to EXIF). It exists to reproduce the paper's design and to show
// its failures: CFB is malleable (flipping a ciphertext bit flips the same plaintext bit and
// decryption "succeeds", SECURITY.md S1), and shifted coordinates decrypt into the wrong place
// without any error (S3). Never use it to protect anything; the secure mode is the seal
// (XChaCha20-Poly1305 with authenticated geometry).
//
// Reading of the paper: the bytes of the region (rows top to bottom, pixels left to right, all
// channels in native depth, little-endian for 16-bit as stored in memory) are encrypted with
// AES-256-CFB128 under a fresh random 16-byte IV per region, and written back in place of the
// pixels (CFB preserves length, so the ciphertext fits exactly). The record {rect, iv} is the
// "EXIF" metadata.
#pragma once

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <array>
#include <cstdint>

#include "shroud/result.h"

namespace shroud::schemes {

struct SisaPaperKey {
  std::array<std::uint8_t, 32> bytes{};
  SisaPaperKey() = default;
  SisaPaperKey(const SisaPaperKey&) = default;
  SisaPaperKey& operator=(const SisaPaperKey&) = default;
  ~SisaPaperKey();
};
Result<SisaPaperKey> generate_sisa_paper_key();

// Unauthenticated metadata, as in the paper.
struct SisaPaperRecord {
  cv::Rect rect;
  std::array<std::uint8_t, 16> iv{};
  nlohmann::json to_json() const;   // {"rect": [x, y, w, h], "iv": hex}
  static Result<SisaPaperRecord> from_json(const nlohmann::json& json);
};

// Encrypts image(rect) in place (8/16-bit, any channel count). rect must be inside and non-empty.
Result<SisaPaperRecord> sisa_paper_encrypt(cv::Mat& image, const cv::Rect& rect, const SisaPaperKey& key);

// Decrypts image(record.rect) in place. Succeeds for ANY ciphertext and any in-bounds rectangle:
// there is nothing to check (that is the flaw being reproduced).
Status sisa_paper_decrypt(cv::Mat& image, const SisaPaperRecord& record, const SisaPaperKey& key);

}  // namespace shroud::schemes
