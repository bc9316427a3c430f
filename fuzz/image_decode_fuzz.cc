// libFuzzer target: image decoding as every front end does it (decode_image): the format sniff,
// the header probes that enforce the pixel limit before any decode (BMP, TIFF, WebP, PNM by hand;
// JPEG through jpeg_read_header), EXIF through libjpeg's saved markers and libpng's eXIf, EXIF
// orientation, then OpenCV's decoders. Seeds: scripts/fuzz writes small images in each format,
// with and without EXIF.
#include "shroud/image_io.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > (1 << 20)) return 0;
  shroud::ImageLimits limits;
  limits.max_pixels = 1 << 20;  // keeps each decode cheap; the limit check itself is under test
  auto r = shroud::decode_image(std::vector<std::uint8_t>(data, data + size), limits);
  if (r.ok() && std::int64_t{r->pixels.cols} * r->pixels.rows > limits.max_pixels) __builtin_trap();
  return 0;
}
