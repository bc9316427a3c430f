// detail::png_exif through libpng's reader (png_exif.h).
#include "io/png_exif.h"

#include <png.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace shroud::detail {
namespace {

struct Reader {
  std::span<const std::uint8_t> file;
  std::size_t pos = 0;
  std::string message;
};

void on_read(png_structp png, png_bytep out, png_size_t n) {
  auto* r = static_cast<Reader*>(png_get_io_ptr(png));
  if (n > r->file.size() - r->pos) png_error(png, "file is truncated");
  std::memcpy(out, r->file.data() + r->pos, n);
  r->pos += n;
}

[[noreturn]] void on_error(png_structp png, png_const_charp message) {
  auto* r = static_cast<Reader*>(png_get_error_ptr(png));
  r->message = message;
  png_longjmp(png, 1);
}

// Warnings (a damaged ancillary chunk, which libpng discards) are not printed.
void on_warning(png_structp, png_const_charp) {}

bool read_into(png_structp png, png_infop info, std::vector<std::uint8_t>* out) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_read_fn(png, png_get_error_ptr(png), on_read);
  png_read_info(png, info);
  png_uint_32 size = 0;
  png_bytep exif = nullptr;
  if (png_get_eXIf_1(png, info, &size, &exif) != 0 && exif != nullptr) out->assign(exif, exif + size);
  return true;
}

}  // namespace

Result<std::vector<std::uint8_t>> png_exif(std::span<const std::uint8_t> file) {
  Reader reader;
  reader.file = file;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &reader, on_error, on_warning);
  if (png == nullptr) return make_error(ErrorCode::kInternal, "PNG: cannot create the libpng reader");
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    return make_error(ErrorCode::kInternal, "PNG: cannot create the libpng reader");
  }
  std::vector<std::uint8_t> out;
  const bool ok = read_into(png, info, &out);
  png_destroy_read_struct(&png, &info, nullptr);
  if (!ok) return make_error(ErrorCode::kCorrupt, "PNG: " + reader.message);
  return out;
}

}  // namespace shroud::detail
