// Internal: lossless coding of sealed region pixels (recovery track v2, docs/video.md
// "Compressed records"). Bit-exact for 8- and 16-bit samples, 1, 3 or 4 channels.
//
// One frame's regions become one residual stream, compressed as one zstd frame:
//   per region: mode (1 byte: 0 intra, 1 inter), dx, dy (int16 big-endian; 0 for intra), then
//   per channel, per byte plane (16-bit: high then low; 8-bit: one), the zigzag-coded residuals
//   of the region's samples in raster order. With 3 or 4 channels, channels 0 and 2 are
//   decorrelated from channel 1 (Geometry::colour): v2 stores their residuals minus channel 1's
//   residual at the same pixel (modulo 2^bits); v3 codes the planes (c0 - c1) and (c2 - c1)
//   (modulo 2^bits, as signed values) with the same predictors as any channel.
//   intra: residual against the MED (LOCO-I / JPEG-LS median edge) predictor of the same value
//          (left, up, up-left inside the region; the first row predicts from the left, the first
//          column from above, the first sample from 0).
//   inter: residual against the previous frame's original pixel at (x + dx, y + dy) where the
//          previous frame sealed that pixel (Reference), else the intra predictor.
// The encoder picks the mode and offset per region (|dx|, |dy| <= search radius) with the lower
// estimated residual. A key-frame codes every region intra and so depends on no other frame.
//
// Samples are values, not bytes: the stream is the same on any byte order. The residual stream
// and its buffers hold derived plaintext: they are SecretBytes (wiped); zstd's internal context
// buffers are not wiped.
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <vector>

#include "crypto/crypto.h"
#include "shroud/result.h"

namespace shroud::codec {

inline constexpr int kMaxOffset = 64;          // |dx|, |dy| accepted by the decoder
inline constexpr std::size_t kRegionHeaderBytes = 5;

// The previous frame's original region pixels, for inter prediction. The writer and the reader
// keep one each and update it identically after every frame.
class Reference {
 public:
  Reference() = default;
  Reference(const Reference&) = delete;
  Reference& operator=(const Reference&) = delete;
  ~Reference();  // wipes the pixels
  void reset(int width, int height, int type);
  // The frame's regions: data[i] holds rects[i]'s pixels (rows, channels interleaved, native
  // sample type). Written in reverse order (region i was captured after the placeholders of
  // 0..i-1, so the result is the true original wherever regions overlap).
  void update(const std::vector<cv::Rect>& rects, const std::vector<const std::uint8_t*>& data);
  void clear();
  bool empty() const { return rects_.empty(); }
  const cv::Mat& pixels() const { return pixels_; }
  const cv::Mat& valid() const { return valid_; }

 private:
  cv::Mat pixels_, valid_;
  std::vector<cv::Rect> rects_;
};

struct CodecOptions {
  int level = 1;   // zstd level
  int search = 4;  // inter search radius (pixels)
};

// How 3- and 4-channel samples are decorrelated (channel 3, alpha, is always coded on its own).
enum class ColourMode {
  kRelativeResiduals,  // track v2: residuals of channels 0 and 2 minus channel 1's residual
  kGreenPlanes,        // track v3, still containers v3: planes (B - G), (R - G) predicted on their own
};

struct Geometry {
  int channels = 3;
  int depth_bytes = 1;  // 1 or 2
  ColourMode colour = ColourMode::kGreenPlanes;
};

// Bytes of the uncompressed residual stream of these regions.
std::uint64_t stream_bytes(const std::vector<cv::Rect>& rects, const Geometry& g);

// Encodes the regions (data[i] as in Reference::update) into `out` (a zstd frame, resized to its
// length). `ref` null: key-frame (all intra).
Status encode_regions(const std::vector<cv::Rect>& rects, const std::vector<const std::uint8_t*>& data, const Geometry& g,
                      const Reference* ref, const CodecOptions& options, std::vector<std::uint8_t>* out);

// Decodes `in` (exactly one zstd frame whose content size is stream_bytes()) into data[i]
// (each rects[i].area() * channels * depth_bytes bytes). `ref` null: a key-frame, inter regions
// are refused. kCorrupt on any malformed input.
Status decode_regions(crypto::ByteView in, const std::vector<cv::Rect>& rects, const Geometry& g, const Reference* ref,
                      const std::vector<std::uint8_t*>& data);

}  // namespace shroud::codec
