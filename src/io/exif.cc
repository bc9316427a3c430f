// EXIF through libexif: orientation, and the copy written by --keep-metadata.
#include <libexif/exif-data.h>

#include <algorithm>
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

namespace {

// Personal tags, by the group name that keeps them. GPS is a whole IFD ("gps").
struct PersonalTag {
  const char* group;
  ExifTag tag;
};
constexpr PersonalTag kPersonalTags[] = {
    {"author", EXIF_TAG_ARTIST},
    {"author", EXIF_TAG_COPYRIGHT},
    {"author", EXIF_TAG_XP_AUTHOR},
    {"author", EXIF_TAG_CAMERA_OWNER_NAME},
    {"serial", EXIF_TAG_BODY_SERIAL_NUMBER},
    {"serial", EXIF_TAG_LENS_SERIAL_NUMBER},
    {"serial", EXIF_TAG_IMAGE_UNIQUE_ID},
    {"comment", EXIF_TAG_IMAGE_DESCRIPTION},
    {"comment", EXIF_TAG_XP_TITLE},
    {"comment", EXIF_TAG_XP_COMMENT},
    {"comment", EXIF_TAG_XP_KEYWORDS},
    {"comment", EXIF_TAG_XP_SUBJECT},
    {"comment", EXIF_TAG_USER_COMMENT},
};

// Removes `tag` from every IFD (a writer may have put it in a non-standard one).
void remove_tag(ExifData* d, ExifTag tag) {
  for (int i = 0; i < EXIF_IFD_COUNT; ++i) {
    while (ExifEntry* e = exif_content_get_entry(d->ifd[i], tag)) exif_content_remove_entry(d->ifd[i], e);
  }
}

void clear_ifd(ExifContent* c) {
  while (c->count > 0) exif_content_remove_entry(c, c->entries[c->count - 1]);
}

}  // namespace

const std::vector<std::string>& exif_keep_groups() {
  static const std::vector<std::string> groups = {"gps", "author", "serial", "comment"};
  return groups;
}

std::vector<std::uint8_t> exif_with_orientation_reset(const std::vector<std::uint8_t>& exif,
                                                      const std::vector<std::string>& keep) {
  ExifPtr d = load(exif);
  if (!d) return {};
  auto kept = [&](const char* group) { return std::find(keep.begin(), keep.end(), group) != keep.end(); };
  // Always: the IFD1 thumbnail (a small copy of the unprotected picture) and the maker note
  // (vendor data, often with preview images).
  clear_ifd(d->ifd[EXIF_IFD_1]);
  if (d->data != nullptr) {
    std::free(d->data);  // allocated by libexif's default allocator (calloc) in exif_data_new()
    d->data = nullptr;
  }
  d->size = 0;
  remove_tag(d.get(), EXIF_TAG_MAKER_NOTE);
  // Unless named: GPS and the personal tags.
  if (!kept("gps")) clear_ifd(d->ifd[EXIF_IFD_GPS]);
  for (const auto& t : kPersonalTags) {
    if (!kept(t.group)) remove_tag(d.get(), t.tag);
  }
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
