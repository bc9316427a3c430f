// EXIF orientation through libexif.
#include <libexif/exif-data.h>

#include <cstdlib>
#include <memory>

#include "shroud/image_io.h"

namespace shroud {
namespace {

struct ExifDataDeleter {
  void operator()(ExifData* d) const { exif_data_unref(d); }
};
using ExifPtr = std::unique_ptr<ExifData, ExifDataDeleter>;

// libexif wants the "Exif\0\0" header in front of the TIFF data.
ExifPtr load(const std::vector<std::uint8_t>& tiff) {
  if (tiff.size() < 8 || tiff.size() > 0xFFFF * 4) return nullptr;
  std::vector<std::uint8_t> buf = {'E', 'x', 'i', 'f', 0, 0};
  buf.insert(buf.end(), tiff.begin(), tiff.end());
  ExifData* d = exif_data_new();
  if (d == nullptr) return nullptr;
  exif_data_unset_option(d, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
  exif_data_load_data(d, buf.data(), static_cast<unsigned int>(buf.size()));
  return ExifPtr(d);
}

}  // namespace

int exif_orientation(const std::vector<std::uint8_t>& exif) {
  if (exif.empty()) return 1;
  ExifPtr d = load(exif);
  if (!d) return 1;
  ExifEntry* e = exif_content_get_entry(d->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
  if (e == nullptr || e->format != EXIF_FORMAT_SHORT || e->components < 1 || e->data == nullptr) {
    return 1;
  }
  const int v = exif_get_short(e->data, exif_data_get_byte_order(d.get()));
  return (v >= 1 && v <= 8) ? v : 1;
}

std::vector<std::uint8_t> exif_with_orientation_reset(const std::vector<std::uint8_t>& exif) {
  ExifPtr d = load(exif);
  if (!d) return {};
  ExifEntry* e = exif_content_get_entry(d->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
  if (e != nullptr && e->format == EXIF_FORMAT_SHORT && e->components >= 1 && e->data != nullptr) {
    exif_set_short(e->data, exif_data_get_byte_order(d.get()), 1);
  }
  unsigned char* out = nullptr;
  unsigned int size = 0;
  exif_data_save_data(d.get(), &out, &size);
  if (out == nullptr || size < 6) {
    std::free(out);
    return {};
  }
  std::vector<std::uint8_t> result(out + 6, out + size);  // drop "Exif\0\0"
  std::free(out);
  return result;
}

}  // namespace shroud
