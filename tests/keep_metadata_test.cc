// Issue #13 regression: --keep-metadata drops thumbnails, maker notes, GPS and personal tags. Failed on the code before the fix.
#include <libexif/exif-data.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>

#include "cli_util.h"
#include "shroud/image_io.h"
#include "shroud/policy.h"
#include "shroud/protector.h"
#include "shroud/regions_list.h"
#include "shroud/seal.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace keep_metadata_test {  // one namespace per file: unity builds batch the tests

namespace fs = std::filesystem;
using testing::TempDir;

bool cli_available() { return fs::exists(testing::shroud_bin()); }

ExifEntry* add_entry(ExifData* d, ExifIfd ifd, ExifTag tag) {
  ExifEntry* e = exif_entry_new();
  exif_content_add_entry(d->ifd[ifd], e);
  exif_entry_initialize(e, tag);
  exif_entry_unref(e);
  return e;
}

void set_ascii(ExifData* d, ExifIfd ifd, ExifTag tag, const std::string& text) {
  ExifEntry* e = exif_entry_new();
  e->tag = tag;
  e->format = EXIF_FORMAT_ASCII;
  e->components = text.size() + 1;
  e->size = static_cast<unsigned int>(text.size() + 1);
  e->data = static_cast<unsigned char*>(std::calloc(1, e->size));
  std::memcpy(e->data, text.c_str(), text.size());
  exif_content_add_entry(d->ifd[ifd], e);
  exif_entry_unref(e);
}

// A JPEG with EXIF: Make, Artist, a GPS latitude, a maker note and an IFD1 JPEG thumbnail (a
// copy of the picture, tagged with the text THUMBMARK in a JPEG comment).
std::vector<std::uint8_t> jpeg_with_private_exif(const cv::Mat& picture) {
  ExifData* d = exif_data_new();
  exif_data_set_byte_order(d, EXIF_BYTE_ORDER_INTEL);
  set_ascii(d, EXIF_IFD_0, EXIF_TAG_MAKE, "ShroudCam");
  set_ascii(d, EXIF_IFD_0, EXIF_TAG_ARTIST, "Jane Photographer");
  set_ascii(d, EXIF_IFD_GPS, static_cast<ExifTag>(EXIF_TAG_GPS_LATITUDE_REF), "N");
  ExifEntry* mn = exif_entry_new();
  mn->tag = EXIF_TAG_MAKER_NOTE;
  mn->format = EXIF_FORMAT_UNDEFINED;
  const std::string note = "MAKERNOTE-PREVIEW";
  mn->components = note.size();
  mn->size = static_cast<unsigned int>(note.size());
  mn->data = static_cast<unsigned char*>(std::calloc(1, note.size()));
  std::memcpy(mn->data, note.data(), note.size());
  exif_content_add_entry(d->ifd[EXIF_IFD_EXIF], mn);
  exif_entry_unref(mn);
  add_entry(d, EXIF_IFD_1, EXIF_TAG_X_RESOLUTION);
  cv::Mat small;
  cv::resize(picture, small, cv::Size(32, 24));
  std::vector<std::uint8_t> thumb;
  cv::imencode(".jpg", small, thumb);
  const std::string mark = "THUMBMARK";  // COM segment after SOI
  std::vector<std::uint8_t> com = {0xFF, 0xFE, 0, static_cast<std::uint8_t>(mark.size() + 2)};
  com.insert(com.end(), mark.begin(), mark.end());
  thumb.insert(thumb.begin() + 2, com.begin(), com.end());
  d->data = static_cast<unsigned char*>(std::malloc(thumb.size()));
  std::memcpy(d->data, thumb.data(), thumb.size());
  d->size = static_cast<unsigned int>(thumb.size());
  unsigned char* raw = nullptr;
  unsigned int raw_size = 0;
  exif_data_save_data(d, &raw, &raw_size);
  exif_data_unref(d);
  std::vector<std::uint8_t> jpeg;
  cv::imencode(".jpg", picture, jpeg);
  const std::size_t len = raw_size + 2;
  std::vector<std::uint8_t> app1 = {0xFF, 0xE1, static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len)};
  app1.insert(app1.end(), raw, raw + raw_size);  // starts with "Exif\0\0"
  std::free(raw);
  jpeg.insert(jpeg.begin() + 2, app1.begin(), app1.end());
  return jpeg;
}

bool contains(const std::vector<std::uint8_t>& hay, const std::string& needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

TEST(KeepMetadata, DropsThumbnailMakerNoteGpsAndPersonalTags) {
  if (!cli_available()) GTEST_SKIP() << "missing " << testing::shroud_bin();
  TempDir dir;
  const cv::Mat picture = testing::random_image(120, 160, CV_8UC3, 9);
  const auto jpeg = jpeg_with_private_exif(picture);
  // The input really has what must go (so the test cannot pass vacuously).
  ASSERT_TRUE(contains(jpeg, "THUMBMARK"));
  ASSERT_TRUE(contains(jpeg, "MAKERNOTE-PREVIEW"));
  ASSERT_TRUE(contains(jpeg, "Jane Photographer"));
  const std::string in = dir.file("in.jpg"), regions = dir.file("r.json");
  testing::write_text(in, std::string(jpeg.begin(), jpeg.end()));
  testing::write_text(regions, R"({"regions":[{"kind":"face","box":[10,10,40,40]}]})");

  const std::string out = dir.file("out.jpg");
  auto r = testing::run_shroud({"-q", "protect", in, "-o", out, "--regions-in", regions, "--method", "fill", "--keep-metadata"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto bytes = read_file(out);
  ASSERT_TRUE(bytes.ok());
  EXPECT_TRUE(contains(*bytes, "ShroudCam"));  // ordinary tags stay
  EXPECT_FALSE(contains(*bytes, "THUMBMARK"));
  EXPECT_FALSE(contains(*bytes, "MAKERNOTE-PREVIEW"));
  EXPECT_FALSE(contains(*bytes, "Jane Photographer"));
  auto loaded = decode_image(*bytes);
  ASSERT_TRUE(loaded.ok());
  std::vector<std::uint8_t> buf = {'E', 'x', 'i', 'f', 0, 0};
  buf.insert(buf.end(), loaded->exif.begin(), loaded->exif.end());
  ExifData* d = exif_data_new_from_data(buf.data(), static_cast<unsigned int>(buf.size()));
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->size, 0u);
  EXPECT_EQ(d->ifd[EXIF_IFD_1]->count, 0u);
  EXPECT_EQ(d->ifd[EXIF_IFD_GPS]->count, 0u);
  exif_data_unref(d);

  // GPS and the author stay when asked for by name; the thumbnail never does.
  const std::string kept = dir.file("kept.jpg");
  r = testing::run_shroud({"-q", "protect", in, "-o", kept, "--regions-in", regions, "--method", "fill", "--keep-metadata",
                           "--keep-tag", "gps", "--keep-tag", "author"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  bytes = read_file(kept);
  ASSERT_TRUE(bytes.ok());
  EXPECT_TRUE(contains(*bytes, "Jane Photographer"));
  EXPECT_FALSE(contains(*bytes, "THUMBMARK"));
  loaded = decode_image(*bytes);
  ASSERT_TRUE(loaded.ok());
  buf = {'E', 'x', 'i', 'f', 0, 0};
  buf.insert(buf.end(), loaded->exif.begin(), loaded->exif.end());
  d = exif_data_new_from_data(buf.data(), static_cast<unsigned int>(buf.size()));
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->size, 0u);
  EXPECT_GT(d->ifd[EXIF_IFD_GPS]->count, 0u);
  exif_data_unref(d);

  // Unknown names are refused before any output.
  const std::string bad = dir.file("bad.jpg");
  r = testing::run_shroud({"protect", in, "-o", bad, "--regions-in", regions, "--method", "fill", "--keep-metadata",
                           "--keep-tag", "everything"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(fs::exists(bad));
}

}  // namespace keep_metadata_test
}  // namespace
}  // namespace shroud
