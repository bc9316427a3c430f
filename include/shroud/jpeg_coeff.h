// JPEG in, JPEG out without re-encoding: protection in the DCT coefficient domain (docs/jpeg.md).
//
// Contract:
//  - Only the 8x8 blocks of the iMCUs (minimum coded units: 8, 16 or 32 pixels square, by the
//    chroma sampling) that cover a protected region change; every other block keeps its exact
//    quantised coefficients, so the output decodes to the same pixels as the input there.
//    Boxes therefore grow to iMCU boundaries; the grown boxes are reported.
//  - fill, pixelate and blur give the pixel path's look: the covered blocks are decoded, the
//    protector of protector.h runs on the grown box, and the result is forward-DCT'd and quantised
//    with the image's own tables.
//  - Quantisation tables, sampling factors, restart interval and the scan script (progressive
//    stays progressive) are kept. APPn/COM markers (EXIF, ICC, XMP, comments) are copied with
//    keep_metadata and stripped otherwise; EXIF thumbnails are always removed.
//  - Seal (method "seal"): the container (PayloadScheme::kJpegCoefficients, same keys and AEAD as
//    seal.h) holds the zlib-compressed original coefficients of the covered blocks, plus a small
//    file record (original markers, Huffman mode) so that recovery writes a JPEG whose
//    coefficients equal the original's everywhere, and which is byte-identical to the original
//    when the protect step verified that it can be (JpegProtected::byte_identical).
//  - Unsupported inputs (arithmetic coding, lossless, 12-bit, CMYK, EXIF orientation != 1) are
//    kUnsupported so the caller can take the pixel path; damaged files are kCorrupt. Nothing is
//    returned partially. Functions are thread-safe for distinct inputs.
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "shroud/container.h"
#include "shroud/detector.h"
#include "shroud/policy.h"
#include "shroud/result.h"
#include "shroud/seal.h"

namespace shroud {

struct JpegInfo {
  int width = 0, height = 0;
  int components = 0;           // 1 (gray) or 3 (YCbCr)
  bool progressive = false;
  int restart_interval = 0;     // MCUs between restart markers, 0 when none
  int imcu_width = 8, imcu_height = 8;
  std::string sampling;         // e.g. "2x2,1x1,1x1"
};

// Reads the header and checks that the coefficient path handles the file (see above).
Result<JpegInfo> probe_jpeg(std::span<const std::uint8_t> file);

// Decodes with libjpeg's DCT scaling at the smallest N/8 scale whose longer side is still at
// least `min_side` pixels (0 or a small image: full size). `scale` = decoded / full size.
struct ScaledPixels {
  cv::Mat pixels;
  double scale = 1.0;
};
Result<ScaledPixels> decode_jpeg_scaled(std::span<const std::uint8_t> file, int min_side);

// `rect` grown outwards to iMCU boundaries and clipped to the image.
cv::Rect grow_to_imcu(const cv::Rect& rect, const JpegInfo& info);

struct JpegProtectOptions {
  bool keep_metadata = false;
  Placeholder placeholder = Placeholder::kFill;   // what sealed regions show
  CarrierBinding binding = CarrierBinding::kPixels;
  bool sidecar = false;                           // container in JpegProtected::sidecar
  int detect_side = 640;  // protect_jpeg_file: decode for detection at >= this side (0: full size)
  std::string source;     // protect_jpeg_file: the image's name for the detector (manual regions files match by it)
  std::vector<std::string> keep_tags;  // with keep_metadata: personal EXIF groups kept (exif_keep_groups())
};

struct JpegProtected {
  std::vector<std::uint8_t> file;      // the output JPEG (with the container unless sidecar)
  std::vector<std::uint8_t> sidecar;   // the container with options.sidecar and sealed regions
  std::vector<Region> regions;         // what the detector found (protect_jpeg_file)
  std::vector<Action> actions;         // what was protected, rects grown to iMCU boundaries
  bool sealed = false;
  bool byte_identical = false;         // recover will write the original file byte for byte
};

// Protects `actions` (methods fill, pixelate, blur, seal; others are kUnsupported) of a JPEG.
// `keys` is needed when an action's method is "seal".
Result<JpegProtected> protect_jpeg(std::span<const std::uint8_t> file, const std::vector<Action>& actions,
                                   const JpegProtectOptions& options, const KeySource* keys = nullptr);

// Detects (on a scaled decode), plans with `policy` (full-size coordinates) and protects.
Result<JpegProtected> protect_jpeg_file(std::span<const std::uint8_t> file, Detector& detector, const Policy& policy,
                                        const JpegProtectOptions& options, const KeySource* keys = nullptr);

// True when `container` (or the container embedded in `file` when `container` is empty) holds
// JPEG coefficient blocks; false for pixel seals, other records and files without a container.
bool is_jpeg_coefficient_seal(std::span<const std::uint8_t> file,
                              const std::optional<std::vector<std::uint8_t>>& sidecar);

struct JpegRecovered {
  std::vector<std::uint8_t> file;       // the recovered JPEG
  std::vector<std::uint32_t> restored;
  std::uint32_t region_count = 0;
  CarrierBinding binding = CarrierBinding::kPixels;
  std::uint32_t key_id = 0;
  bool byte_identical = false;          // the original file, byte for byte (all regions restored)
};

// Verifies the container like recover_regions (seal.h), then writes the JPEG with the selected
// regions' original coefficients restored.
[[nodiscard]] Result<JpegRecovered> recover_jpeg(std::span<const std::uint8_t> file,
                                                 const std::optional<std::vector<std::uint8_t>>& sidecar,
                                                 const Keyset& keyset, const RecoverOptions& options = {});

}  // namespace shroud
