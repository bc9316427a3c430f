// Paper schemes applied to whole image files: scheme key files and scheme records, the glue that
// `shroud protect --method <scheme>` and `shroud recover` use (docs/schemes.md, "CLI";
// docs/container-format.md, "Scheme records").
//
// Key file (JSON, mode 0600, refused when group/others can read it):
//   {"format": "shroud-scheme-key", "version": 1, "scheme": NAME, "record_key": hex32, ...}
// with the scheme's secret: "scramble_key" + "block_size" (block-scramble), "msai" + "tau"
// (msai-l, msai-paper: the msai_key_to_json / msai_tau_to_json objects), "pbe" / "perceptual"
// (PbeKey / PerceptualKey JSON), "aes_key" hex32 (sisa-paper). record_key identifies the key file
// (key_id = first 16 bytes of keyed BLAKE2b("shroud-scheme-key-id")) and authenticates records.
//
// Record (stored like a seal container: PNG chunk shRd, JPEG APP11 or sidecar):
//   magic "shroud-scheme-v1" (16 bytes) | u32 BE header length H (2..1 MiB) | H bytes JSON object
//   | u64 BE body length B | B bytes body | 32-byte tag
// tag = BLAKE2b-256 keyed with record_key over every preceding record byte followed by the
// SHA-256 carrier digest (seal.h carrier_digest) of the protected image, so a wrong key file, an
// edited record or edited carrier pixels are all refused (kAuthentication) before any pixel is
// produced. Exception, on purpose: sisa-paper records carry an all-zero tag and are NOT checked,
// reproducing the paper's unauthenticated EXIF coordinates (its ciphertext is also malleable).
// The parser checks the framing, every size and every header field (ranges, rectangles inside
// the image, counts matching the body) before allocating; trailing bytes are rejected.
//
// The tag is integrity only: the schemes' CONFIDENTIALITY stays what the papers give, i.e.
// obfuscation (SECURITY.md). Use the seal (or --method sisa, built on it) to protect anything.
#pragma once

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "shroud/region.h"
#include "shroud/result.h"
#include "shroud/schemes/block_scramble.h"
#include "shroud/schemes/msai.h"
#include "shroud/schemes/pbe.h"
#include "shroud/schemes/perceptual.h"
#include "shroud/schemes/sisa.h"
#include "shroud/schemes/sisa_paper.h"

namespace shroud::schemes {

enum class SchemeMethod { kMsaiL, kMsaiPaper, kBlockScramble, kPbe, kPerceptual, kSisaPaper };
const char* scheme_method_name(SchemeMethod method);   // "msai-l", ..., "sisa-paper"
// kInvalidArgument for other names ("sisa" is the seal-based mode, not a scheme record).
Result<SchemeMethod> parse_scheme_method(const std::string& name);
// block-scramble, pbe and perceptual can protect the whole frame (--whole-frame).
bool scheme_allows_whole_frame(SchemeMethod method);
// kUnsupported unless the scheme handles this OpenCV type (8-bit 1/3/4 channels for all;
// 16-bit for all but msai-paper).
Status scheme_check_type(SchemeMethod method, int type);

struct SchemeKey {
  SchemeMethod method = SchemeMethod::kBlockScramble;
  std::array<std::uint8_t, 32> record_key{};
  ScrambleKey scramble;          // block-scramble, and tau of msai-*
  int block_size = kDefaultBlockSize;
  MsaiKey msai;                  // msai-l, msai-paper
  PbeKey pbe;
  PerceptualKey perceptual;
  SisaPaperKey aes;              // sisa-paper
  SchemeKey() = default;
  SchemeKey(const SchemeKey&) = default;
  SchemeKey& operator=(const SchemeKey&) = default;
  ~SchemeKey();
  std::array<std::uint8_t, 16> key_id() const;
};

Result<SchemeKey> generate_scheme_key(SchemeMethod method, int block_size = kDefaultBlockSize);
std::string scheme_key_to_json(const SchemeKey& key);
Result<SchemeKey> scheme_key_from_json(const std::string& text);   // kCorrupt / kInvalidArgument
// Written atomically, mode 0600; refuses an existing file unless `overwrite`, and symlinks.
Status save_scheme_key(const SchemeKey& key, const std::string& path, bool overwrite);
// kPermission when group/others may read the file; kCorrupt when it is not a scheme key file.
Result<SchemeKey> load_scheme_key(const std::string& path);

struct SchemeProtectOptions {
  bool whole_frame = false;         // only where scheme_allows_whole_frame
  std::vector<Region> regions;      // boxes to protect (clipped to the image; empty ones skipped)
  SisaParams sisa;                  // sisa-paper: level selection over `regions`
};

struct SchemeProtected {
  cv::Mat image;                    // what to store (losslessly); larger than the input for
                                    // whole-frame block-scramble (edge padding)
  std::vector<std::uint8_t> record;
  std::vector<cv::Rect> rects;      // areas altered, in order (before any whole-frame scramble)
  std::string operation;            // "scramble", "mask+scramble", "encrypt", "blur"
};

// Protects a copy of `image` (2-D, 8/16-bit, 1/3/4 channels; see scheme_check_type).
// kInvalidArgument when there is nothing to protect (no region and not whole frame) or the
// options do not fit the scheme.
Result<SchemeProtected> scheme_protect(const cv::Mat& image, const SchemeKey& key, const SchemeProtectOptions& options);

inline constexpr char kSchemeRecordMagic[] = "shroud-scheme-v1";   // 16 bytes, no NUL stored
inline constexpr std::size_t kSchemeRecordMagicBytes = 16;
inline constexpr std::size_t kSchemeTagBytes = 32;

// True when `bytes` starts with the scheme-record magic (cheap dispatch; not a validation).
bool is_scheme_record(std::span<const std::uint8_t> bytes);

struct SchemeRecordLimits {
  std::uint32_t max_header = 1u << 20;
  std::uint64_t max_body = 512ull << 20;
  std::int64_t max_pixels = 100'000'000;
  std::size_t max_areas = 4096;
};

// A parsed, validated record (no key needed, nothing authenticated yet).
struct SchemeRecord {
  SchemeMethod method = SchemeMethod::kBlockScramble;
  int width = 0, height = 0, type = 0;     // the original image
  cv::Size carrier;                         // size of the stored image
  std::array<std::uint8_t, 16> key_id{};
  std::vector<BlockScrambleRecord> scrambles;   // block-scramble: in order; msai-*: one, whole frame
  std::vector<cv::Rect> rects;              // pbe/perceptual/msai-* areas, in order
  std::vector<std::uint64_t> masked;        // msai-l values / msai-paper float32 bits, concatenated
  SisaOperation operation = SisaOperation::kEncrypt;   // sisa-paper
  int level = 0, levels = 0;                           // sisa-paper
  std::vector<SisaPaperRecord> encrypted;   // sisa-paper: encrypted rects (empty when blurred)
  std::vector<cv::Rect> blurred;            // sisa-paper: blurred rects (not recoverable)
  std::array<std::uint8_t, kSchemeTagBytes> tag{};
  std::size_t authenticated_bytes = 0;      // record bytes covered by the tag
};

Result<SchemeRecord> parse_scheme_record(std::span<const std::uint8_t> bytes, const SchemeRecordLimits& limits = {});

struct SchemeRecovered {
  cv::Mat image;
  std::size_t unrecoverable = 0;            // sisa-paper blurred rects (left blurred)
};

// Verifies (key id, tag over record + carrier) and inverts the scheme. kAuthentication for a
// wrong key file or any modification (except sisa-paper, see above; msai-l also range-checks);
// kInvalidArgument when the carrier does not match the record (size/type; lossy re-encoding).
Result<SchemeRecovered> scheme_recover(const cv::Mat& carrier, std::span<const std::uint8_t> record,
                                       const SchemeKey& key);

}  // namespace shroud::schemes
