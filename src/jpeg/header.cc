// jpeg::read_header: frame size and Exif payload through jpeg_read_header (jpeg_internal.h).
#include <cstring>

#include "jpeg/jpeg_internal.h"

namespace shroud::jpeg {
namespace {

constexpr std::uint8_t kExifId[6] = {'E', 'x', 'i', 'f', 0, 0};

bool header_into(jpeg_decompress_struct* d, ErrorManager* em, std::span<const std::uint8_t> file, Header* out) {
  if (setjmp(em->jump)) return false;
  jpeg_mem_src(d, file.data(), static_cast<unsigned long>(file.size()));
  jpeg_save_markers(d, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header(d, TRUE);
  out->width = static_cast<int>(d->image_width);
  out->height = static_cast<int>(d->image_height);
  for (jpeg_saved_marker_ptr m = d->marker_list; m != nullptr; m = m->next) {
    if (m->marker != JPEG_APP0 + 1 || m->data_length < sizeof kExifId ||
        std::memcmp(m->data, kExifId, sizeof kExifId) != 0) {
      continue;
    }
    out->exif.assign(m->data + sizeof kExifId, m->data + m->data_length);
    break;
  }
  return true;
}

}  // namespace

Result<Header> read_header(std::span<const std::uint8_t> file) {
  Header out;
  ErrorManager em;
  jpeg_decompress_struct d{};
  install_error_manager(reinterpret_cast<j_common_ptr>(&d), em);
  jpeg_create_decompress(&d);
  const bool ok = header_into(&d, &em, file, &out);
  const long warnings = em.pub.num_warnings;
  jpeg_destroy_decompress(&d);
  if (!ok) return classify(em);
  if (warnings > 0) return make_error(ErrorCode::kCorrupt, "JPEG: damaged header (" + em.message + ")");
  return out;
}

}  // namespace shroud::jpeg
