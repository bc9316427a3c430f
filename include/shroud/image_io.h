// Image files: safe reading (size caps before decoding, EXIF orientation applied) and atomic
// writing (temporary file in the target directory, fsync, rename; never a partial file).
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "shroud/atomic_file.h"  // WriteOptions, write_file_atomic (were declared here)
#include "shroud/result.h"

namespace shroud {

// Process-wide default pixel limit (width * height) for images and video frames: 100 million
// unless the CLI's --max-pixels (set_default_max_pixels) changed it. Also passed to OpenCV as
// OPENCV_IO_MAX_IMAGE_PIXELS (a backstop; unless the environment already sets it).
std::int64_t default_max_pixels();
void set_default_max_pixels(std::int64_t pixels);

struct ImageLimits {
  // Checked from the file header before any decoding, for every format read (JPEG, PNG, BMP,
  // TIFF, WebP, PNM); kResourceLimit names the limit and --max-pixels.
  std::int64_t max_pixels = default_max_pixels();
  std::int64_t max_file_bytes = 512LL * 1024 * 1024;
};

struct LoadedImage {
  cv::Mat pixels;            // 8/16-bit, 1/3/4 channels, EXIF orientation applied
  int orientation = 1;       // EXIF orientation found in the file (1..8), already applied
  std::string format;        // "jpeg", "png", "bmp", "tiff", "webp", ... (from the content)
  std::vector<std::uint8_t> exif;   // raw EXIF (TIFF header onwards), empty when none
};

// Reads and decodes an image. Errors: kNotFound (missing), kPermission, kCorrupt (not an image,
// truncated), kResourceLimit (dimensions over the cap, checked from the header before decoding).
Result<LoadedImage> read_image(const std::string& path, const ImageLimits& limits = {});
Result<LoadedImage> decode_image(const std::vector<std::uint8_t>& bytes,
                                 const ImageLimits& limits = {});

// Width and height from the header without decoding: JPEG, PNG, BMP, TIFF (first image), WebP
// (VP8, VP8L, VP8X), PNM. kCorrupt when the header is malformed, kUnsupported for other formats.
Result<cv::Size> probe_dimensions(const std::vector<std::uint8_t>& bytes);

// Format name from the first bytes ("jpeg", "png", ...), empty when unknown.
std::string sniff_format(const std::vector<std::uint8_t>& bytes);

// Output format from a file name's extension (".jpg" -> "jpeg"); kUnsupported when unknown.
Result<std::string> format_from_path(const std::string& path);

struct EncodeOptions {
  int jpeg_quality = 95;
  std::vector<std::uint8_t> exif;  // embedded when non-empty (see exif_with_orientation_reset)
  std::vector<std::string> keep_exif;  // personal EXIF groups to keep (exif_keep_groups())
};

// Encodes to "jpeg", "png", "bmp", "tiff" or "webp". 16-bit into JPEG is kUnsupported (never
// silently reduced); alpha into JPEG likewise.
Result<std::vector<std::uint8_t>> encode_image(const cv::Mat& image, const std::string& format,
                                               const EncodeOptions& options = {});

Result<std::vector<std::uint8_t>> read_file(const std::string& path,
                                            std::int64_t max_bytes = 512LL * 1024 * 1024);

// EXIF helpers (libexif): orientation (1..8, 1 when absent or unreadable) and the copy an output
// carries (--keep-metadata): orientation reset to 1 (the pixels were already rotated); the IFD1
// thumbnail and the maker note (previews) always removed; the GPS IFD and personal tags removed
// unless their group is named in `keep` (one of exif_keep_groups(): "gps"; "author": Artist,
// Copyright, XPAuthor, CameraOwnerName; "serial": body and lens serial numbers, ImageUniqueID;
// "comment": ImageDescription, UserComment, XPTitle/Comment/Keywords/Subject). Tags libexif does
// not know are dropped. Empty when the input is not readable EXIF.
int exif_orientation(const std::vector<std::uint8_t>& exif);
const std::vector<std::string>& exif_keep_groups();
std::vector<std::uint8_t> exif_with_orientation_reset(const std::vector<std::uint8_t>& exif,
                                                      const std::vector<std::string>& keep = {});

// Rotates/flips pixels so that an image with EXIF orientation `orientation` is upright.
cv::Mat apply_orientation(const cv::Mat& image, int orientation);

}  // namespace shroud
