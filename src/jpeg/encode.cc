// jpeg::encode_pixels: pixels to a baseline JPEG with extra markers (jpeg_internal.h).
#include "jpeg/jpeg_internal.h"

namespace shroud::jpeg {
namespace {

// The settings cv::imencode(".jpg", IMWRITE_JPEG_QUALITY) uses with libjpeg-turbo: BGR input,
// libjpeg's defaults (4:2:0, Huffman tables from the standard, no restart markers), baseline
// quantisation tables scaled to `quality`.
bool encode_into(jpeg_compress_struct* cc, ErrorManager* em, const cv::Mat* image, int quality,
                 const std::vector<Marker>* markers, unsigned char** buf, unsigned long* size) {
  if (setjmp(em->jump)) return false;
  jpeg_mem_dest(cc, buf, size);
  const bool gray = image->channels() == 1;
  cc->image_width = static_cast<JDIMENSION>(image->cols);
  cc->image_height = static_cast<JDIMENSION>(image->rows);
  cc->input_components = gray ? 1 : 3;
  cc->in_color_space = gray ? JCS_GRAYSCALE : JCS_EXT_BGR;
  jpeg_set_defaults(cc);
  jpeg_set_quality(cc, quality, TRUE);
  jpeg_start_compress(cc, TRUE);
  for (const Marker& m : *markers) {
    jpeg_write_marker(cc, m.code, m.data.data(), static_cast<unsigned int>(m.data.size()));
  }
  while (cc->next_scanline < cc->image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(image->ptr<std::uint8_t>(static_cast<int>(cc->next_scanline)));
    jpeg_write_scanlines(cc, &row, 1);
  }
  jpeg_finish_compress(cc);
  return true;
}

}  // namespace

Result<std::vector<std::uint8_t>> encode_pixels(const cv::Mat& image, int quality, const std::vector<Marker>& markers) {
  if (image.empty() || image.depth() != CV_8U || (image.channels() != 1 && image.channels() != 3)) {
    return make_error(ErrorCode::kInvalidArgument, "JPEG encoder: needs 8-bit gray or BGR pixels");
  }
  for (const Marker& m : markers) {
    if (m.data.size() > 65533) return make_error(ErrorCode::kInvalidArgument, "JPEG encoder: a marker segment is over 65533 bytes");
  }
  return compress_to_memory([&](jpeg_compress_struct* cc, ErrorManager* em, unsigned char** buf, unsigned long* size) {
    return encode_into(cc, em, &image, quality, &markers, buf, size);
  });
}

}  // namespace shroud::jpeg
