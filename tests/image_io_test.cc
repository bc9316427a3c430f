#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include <opencv2/imgcodecs.hpp>

#include <zlib.h>

#include "io/png_exif.h"
#include "jpeg/jpeg_internal.h"
#include "shroud/image_io.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace image_io_test {  // one namespace per file: unity builds batch the tests

using shroud::testing::TempDir;
using shroud::testing::random_image;

std::vector<std::uint8_t> encode(const cv::Mat& m, const char* ext) {
  std::vector<std::uint8_t> out;
  cv::imencode(ext, m, out);
  return out;
}

TEST(ImageIo, PngRoundTripKeepsDepthAndChannels) {
  for (int type : {CV_8UC1, CV_8UC3, CV_8UC4, CV_16UC1, CV_16UC3, CV_16UC4}) {
    const cv::Mat m = random_image(13, 17, type, 11);
    auto bytes = encode_image(m, "png");
    ASSERT_TRUE(bytes.ok());
    auto back = decode_image(*bytes);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->pixels.type(), type);
    EXPECT_EQ(cv::norm(back->pixels, m, cv::NORM_INF), 0.0);
    EXPECT_EQ(back->format, "png");
  }
}

TEST(ImageIo, RejectsNonImagesTruncatedAndEmpty) {
  EXPECT_EQ(decode_image({}).error().code, ErrorCode::kCorrupt);
  const std::string text = "hello, not an image";
  EXPECT_EQ(decode_image({text.begin(), text.end()}).error().code, ErrorCode::kCorrupt);
  auto jpg = encode(random_image(64, 64, CV_8UC3), ".jpg");
  std::vector<std::uint8_t> cut(jpg.begin(), jpg.begin() + static_cast<std::ptrdiff_t>(jpg.size() / 2));
  EXPECT_EQ(decode_image(cut).error().code, ErrorCode::kCorrupt);
  auto png = encode(random_image(64, 64, CV_8UC3), ".png");
  cut.assign(png.begin(), png.begin() + static_cast<std::ptrdiff_t>(png.size() / 2));
  EXPECT_FALSE(decode_image(cut).ok());
  cut.assign(png.begin(), png.begin() + 20);  // header cut inside IHDR
  EXPECT_FALSE(decode_image(cut).ok());
}

TEST(ImageIo, RejectsHugeDimensionsBeforeDecoding) {
  auto png = encode(random_image(8, 8, CV_8UC1), ".png");
  // Claim 100000 x 100000 in IHDR: must be refused from the header alone.
  const std::uint32_t big = 100000;
  for (int i = 0; i < 4; ++i) {
    png[16 + i] = static_cast<std::uint8_t>(big >> (24 - 8 * i));
    png[20 + i] = static_cast<std::uint8_t>(big >> (24 - 8 * i));
  }
  EXPECT_EQ(decode_image(png).error().code, ErrorCode::kResourceLimit);
  ImageLimits tiny;
  tiny.max_pixels = 10;
  EXPECT_EQ(decode_image(encode(random_image(8, 8, CV_8UC1), ".jpg"), tiny).error().code,
            ErrorCode::kResourceLimit);
}

TEST(ImageIo, JpegRefusesDepthAndAlphaItCannotStore) {
  EXPECT_EQ(encode_image(random_image(4, 4, CV_16UC3), "jpeg").error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(encode_image(random_image(4, 4, CV_8UC4), "jpeg").error().code, ErrorCode::kUnsupported);
}

TEST(ImageIo, OrientationTransformsAreTheExifOnes) {
  cv::Mat m = (cv::Mat_<uchar>(2, 3) << 1, 2, 3, 4, 5, 6);
  EXPECT_EQ(cv::norm(apply_orientation(m, 1), m, cv::NORM_INF), 0);
  cv::Mat r6 = apply_orientation(m, 6);  // stored rotated 90 CCW; display rotates CW
  EXPECT_EQ(r6.size(), cv::Size(2, 3));
  EXPECT_EQ(r6.at<uchar>(0, 0), 4);
  EXPECT_EQ(r6.at<uchar>(0, 1), 1);
  cv::Mat r8 = apply_orientation(m, 8);
  EXPECT_EQ(r8.at<uchar>(0, 0), 3);
  cv::Mat r3 = apply_orientation(m, 3);
  EXPECT_EQ(r3.at<uchar>(0, 0), 6);
  for (int o = 1; o <= 8; ++o) {
    cv::Mat t = apply_orientation(m, o);
    EXPECT_EQ(t.total(), m.total()) << o;
  }
}

TEST(ImageIo, ReadsExifOrientationFromJpeg) {
  // Build a minimal little-endian TIFF/EXIF block with Orientation = 6.
  const std::vector<std::uint8_t> exif = {'I', 'I', 0x2A, 0, 8, 0, 0, 0,  // header, IFD at 8
                                          1, 0,                            // one entry
                                          0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0,  // 0x0112 SHORT 1 = 6
                                          0, 0, 0, 0};                     // next IFD
  EXPECT_EQ(exif_orientation(exif), 6);
  EncodeOptions opts;
  opts.exif = exif;
  const cv::Mat m = random_image(20, 30, CV_8UC3);
  auto bytes = encode_image(m, "jpeg", opts);
  ASSERT_TRUE(bytes.ok());
  auto back = decode_image(*bytes);
  ASSERT_TRUE(back.ok());
  // encode_image resets the orientation (pixels are stored upright), so nothing is rotated.
  EXPECT_EQ(back->orientation, 1);
  EXPECT_EQ(back->pixels.size(), m.size());
  EXPECT_FALSE(back->exif.empty());
  // Splice the original EXIF (orientation 6) in by hand: the decoder must rotate.
  std::vector<std::uint8_t> plain = encode(m, ".jpg");
  std::vector<std::uint8_t> seg = {0xFF, 0xE1, 0, static_cast<std::uint8_t>(exif.size() + 8), 'E', 'x', 'i', 'f', 0, 0};
  seg.insert(seg.end(), exif.begin(), exif.end());
  plain.insert(plain.begin() + 2, seg.begin(), seg.end());
  auto rotated = decode_image(plain);
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ(rotated->orientation, 6);
  EXPECT_EQ(rotated->pixels.size(), cv::Size(20, 30));
}

// The JPEG encoder behind encode_image (libjpeg with jpeg_write_marker for EXIF) writes what
// cv::imencode writes, byte for byte, when there is no EXIF.
TEST(ImageIo, JpegEncoderMatchesOpenCvByteForByte) {
  for (int type : {CV_8UC3, CV_8UC1}) {
    for (cv::Size size : {cv::Size(64, 48), cv::Size(37, 23), cv::Size(1, 1)}) {
      for (int quality : {50, 95}) {
        const cv::Mat m = random_image(size.height, size.width, type, 7);
        std::vector<std::uint8_t> want;
        ASSERT_TRUE(cv::imencode(".jpg", m, want, {cv::IMWRITE_JPEG_QUALITY, quality}));
        auto got = jpeg::encode_pixels(m, quality, {});
        ASSERT_TRUE(got.ok()) << got.error().message;
        EXPECT_EQ(*got, want) << type << " " << size << " q" << quality;
      }
    }
  }
}

// EXIF goes in an APP1 segment after the JFIF APP0 (JFIF requires APP0 first); it used to be
// spliced in before it.
TEST(ImageIo, JpegExifFollowsTheJfifSegment) {
  const std::vector<std::uint8_t> exif = {'M', 'M', 0, 0x2A, 0, 0, 0, 8, 0, 1,
                                          0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 3, 0, 0,  // Orientation 3
                                          0, 0, 0, 0};
  EncodeOptions opts;
  opts.exif = exif;
  auto bytes = encode_image(random_image(16, 16, CV_8UC3), "jpeg", opts);
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  const auto& b = *bytes;
  ASSERT_GT(b.size(), 40u);
  EXPECT_EQ(b[2], 0xFF);
  EXPECT_EQ(b[3], 0xE0);  // APP0 (JFIF) right after SOI
  const std::size_t app1 = 4 + ((b[4] << 8) | b[5]);
  EXPECT_EQ(b[app1], 0xFF);
  EXPECT_EQ(b[app1 + 1], 0xE1);
  EXPECT_EQ(std::string(b.begin() + static_cast<std::ptrdiff_t>(app1 + 4), b.begin() + static_cast<std::ptrdiff_t>(app1 + 8)), "Exif");
  auto header = jpeg::read_header(b);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->width, 16);
  EXPECT_EQ(exif_orientation(header->exif), 1);  // reset: the pixels are stored upright
}

// read_header takes the first APP1 that is Exif, not the first APP1 (XMP comes first here).
TEST(ImageIo, JpegHeaderSkipsAnXmpSegmentBeforeTheExif) {
  const std::vector<std::uint8_t> exif = {'I', 'I', 0x2A, 0, 8, 0, 0, 0, 1, 0,
                                          0x12, 0x01, 3, 0, 1, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0};
  std::string xmp_id = "http://ns.adobe.com/xap/1.0/";
  jpeg::Marker xmp{JPEG_APP0 + 1, {xmp_id.begin(), xmp_id.end()}};
  xmp.data.push_back(0);
  jpeg::Marker app1{JPEG_APP0 + 1, {'E', 'x', 'i', 'f', 0, 0}};
  app1.data.insert(app1.data.end(), exif.begin(), exif.end());
  auto bytes = jpeg::encode_pixels(random_image(10, 20, CV_8UC3), 90, {xmp, app1});
  ASSERT_TRUE(bytes.ok());
  auto header = jpeg::read_header(*bytes);
  ASSERT_TRUE(header.ok()) << header.error().message;
  EXPECT_EQ(header->exif, exif);
  auto decoded = decode_image(*bytes);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->orientation, 8);
  EXPECT_EQ(decoded->pixels.size(), cv::Size(10, 20));
}

// A PNG chunk with its CRC, inserted after IHDR (offset 33).
std::vector<std::uint8_t> with_chunk(std::vector<std::uint8_t> png, const char* type, const std::vector<std::uint8_t>& data,
                                     bool break_crc = false) {
  std::vector<std::uint8_t> chunk(4);
  for (int i = 0; i < 4; ++i) chunk[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(data.size() >> (24 - 8 * i));
  chunk.insert(chunk.end(), type, type + 4);
  chunk.insert(chunk.end(), data.begin(), data.end());
  std::uint32_t crc = static_cast<std::uint32_t>(crc32(0, chunk.data() + 4, static_cast<uInt>(chunk.size() - 4)));
  if (break_crc) crc ^= 1;
  for (int i = 0; i < 4; ++i) chunk.push_back(static_cast<std::uint8_t>(crc >> (24 - 8 * i)));
  png.insert(png.begin() + 33, chunk.begin(), chunk.end());
  return png;
}

TEST(ImageIo, PngExifIsReadThroughLibpng) {
  const std::vector<std::uint8_t> exif = {'I', 'I', 0x2A, 0, 8, 0, 0, 0, 1, 0,
                                          0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0};
  const cv::Mat m = random_image(12, 20, CV_8UC3, 3);
  const auto png = encode(m, ".png");
  auto got = detail::png_exif(with_chunk(png, "eXIf", exif));
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(*got, exif);
  auto decoded = decode_image(with_chunk(png, "eXIf", exif));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->orientation, 6);
  EXPECT_EQ(decoded->pixels.size(), cv::Size(12, 20));
  // No eXIf, or one whose CRC is wrong (libpng discards a damaged ancillary chunk): no EXIF.
  EXPECT_TRUE(detail::png_exif(png)->empty());
  auto damaged = detail::png_exif(with_chunk(png, "eXIf", exif, true));
  ASSERT_TRUE(damaged.ok());
  EXPECT_TRUE(damaged->empty());
  // A broken critical chunk is libpng's error.
  auto bad_ihdr = png;
  bad_ihdr[29] ^= 1;  // IHDR's CRC
  auto err = detail::png_exif(bad_ihdr);
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(err.error().message.find("PNG"), std::string::npos);
}

TEST(AtomicWrite, WritesReplacesOnlyWhenAskedAndRefusesSymlinks) {
  TempDir dir;
  const std::string path = dir.file("out.bin");
  ASSERT_TRUE(write_file_atomic(path, {1, 2, 3}).ok());
  EXPECT_EQ(write_file_atomic(path, {4}).error().code, ErrorCode::kInvalidArgument);
  WriteOptions over;
  over.overwrite = true;
  ASSERT_TRUE(write_file_atomic(path, {4}, over).ok());
  EXPECT_EQ(std::filesystem::file_size(path), 1u);
  std::filesystem::create_symlink(path, dir.file("link.bin"));
  EXPECT_EQ(write_file_atomic(dir.file("link.bin"), {5}, over).error().code, ErrorCode::kPermission);
  EXPECT_EQ(write_file_atomic(dir.file("missing/x.bin"), {5}).error().code, ErrorCode::kNotFound);
  // Nothing but the two files is left behind (no temp files).
  int count = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) count += e.exists() ? 1 : 0;
  EXPECT_EQ(count, 2);
}

TEST(AtomicWrite, UnwritableFolderLeavesNothing) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores folder permissions";
  TempDir dir;
  std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  EXPECT_EQ(write_file_atomic(dir.file("x.bin"), {1}).error().code, ErrorCode::kPermission);
  std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all);
}

// The streaming writer every output goes through (tracks, videos, regions JSON).
TEST(AtomicFile, StreamsUnderATempNameAndAppearsOnlyOnCommit) {
  TempDir dir;
  const std::string path = dir.file("track.bin");
  auto entries = [&] {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) n += e.exists() ? 1 : 0;
    return n;
  };
  {
    auto f = AtomicFile::create(path, {}, ".mkv");
    ASSERT_TRUE(f.ok()) << f.error().message;
    ASSERT_TRUE(f->write(std::string("abc")).ok());
    ASSERT_TRUE(f->sync().ok());
    EXPECT_FALSE(std::filesystem::exists(path));
    EXPECT_TRUE(std::filesystem::exists(f->temp_path()));
    EXPECT_EQ(std::filesystem::path(f->temp_path()).extension(), ".mkv");
    EXPECT_EQ(std::filesystem::path(f->temp_path()).parent_path(), dir.path());
    // Not committed: destroying it removes the temporary file.
  }
  EXPECT_EQ(entries(), 0);
  {
    auto f = AtomicFile::create(path);
    ASSERT_TRUE(f.ok());
    AtomicFile moved = std::move(*f);  // ownership moves with the object
    ASSERT_TRUE(moved.write(std::string("one ")).ok());
    ASSERT_TRUE(moved.write(std::string("two")).ok());
    ASSERT_TRUE(moved.commit().ok());
    EXPECT_TRUE(moved.committed());
    EXPECT_FALSE(moved.write(std::string("late")).ok());
  }
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "one two");
  EXPECT_EQ(entries(), 1);
  // The target checks run before any temporary file exists.
  EXPECT_EQ(AtomicFile::create(path).error().code, ErrorCode::kInvalidArgument);
  std::filesystem::create_symlink(path, dir.file("link.bin"));
  WriteOptions over;
  over.overwrite = true;
  EXPECT_EQ(AtomicFile::create(dir.file("link.bin"), over).error().code, ErrorCode::kPermission);
  EXPECT_EQ(entries(), 2);
}

}  // namespace image_io_test
}  // namespace
}  // namespace shroud
