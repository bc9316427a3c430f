// The JPEG coefficient path (jpeg_coeff.h): exactness outside the protected iMCUs, the look of
// fill/pixelate/blur, sealed round trips (coefficient- and byte-identical), bad inputs.
#include "shroud/jpeg_coeff.h"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdio>
#include <jpeglib.h>
#include <libexif/exif-data.h>

#include <cstdlib>
#include <cstring>

#include <algorithm>
#include <filesystem>
#include <random>

#include "jpeg/jpeg_internal.h"
#include "shroud/image_io.h"
#include "shroud/keys.h"
#include "shroud/protector.h"

namespace shroud {
namespace {
namespace jpeg_coeff_test {  // one namespace per file: unity builds batch the tests

// A textured image with odd dimensions (partial iMCUs at the right and bottom edges).
cv::Mat test_image(int w = 333, int h = 251) {
  cv::Mat img(h, w, CV_8UC3);
  std::mt19937 rng(7);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      img.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<std::uint8_t>((x * 3 + y) & 255), static_cast<std::uint8_t>((y * 2) & 255),
                                          static_cast<std::uint8_t>(128 + 100 * std::sin(x * 0.05 + y * 0.03) + rng() % 20));
    }
  }
  cv::circle(img, {w / 2, h / 2}, std::min(w, h) / 4, cv::Scalar(20, 200, 40), -1);
  return img;
}

std::vector<std::uint8_t> encode(const cv::Mat& img, std::vector<int> params) {
  std::vector<std::uint8_t> out;
  EXPECT_TRUE(cv::imencode(".jpg", img, out, params));
  return out;
}

Action action(const std::string& method, cv::Rect rect) {
  Action a;
  a.method = method;
  a.rect = rect;
  a.region.box = rect;
  return a;
}

Keyset new_keyset() {
  auto ks = Keyset::generate();
  EXPECT_TRUE(ks.ok());
  return std::move(*ks);
}

// Blocks of every component outside the block ranges of `boxes` are identical.
std::size_t blocks_changed_outside(const jpeg::Coefficients& a, const jpeg::Coefficients& b, const std::vector<cv::Rect>& boxes) {
  std::size_t changed = 0;
  for (std::size_t ci = 0; ci < a.components.size(); ++ci) {
    const auto& ca = a.components[ci];
    const auto& cb = b.components[ci];
    for (int by = 0; by < ca.blocks_high; ++by) {
      for (int bx = 0; bx < ca.blocks_wide; ++bx) {
        bool inside = false;
        for (const auto& box : boxes) inside = inside || jpeg::block_range(a, ci, box).contains({bx, by});
        if (inside) continue;
        if (!std::equal(ca.block(bx, by), ca.block(bx, by) + 64, cb.block(bx, by))) ++changed;
      }
    }
  }
  return changed;
}

bool same_coefficients(const jpeg::Coefficients& a, const jpeg::Coefficients& b) {
  if (a.components.size() != b.components.size()) return false;
  for (std::size_t ci = 0; ci < a.components.size(); ++ci) {
    const auto& ca = a.components[ci];
    const auto& cb = b.components[ci];
    for (int by = 0; by < ca.blocks_high; ++by) {
      for (int bx = 0; bx < ca.blocks_wide; ++bx) {
        if (!std::equal(ca.block(bx, by), ca.block(bx, by) + 64, cb.block(bx, by))) return false;
      }
    }
  }
  return true;
}

// Pixels differing outside `boxes`, each box grown by `margin` pixels.
int pixels_changed_outside(const cv::Mat& a, const cv::Mat& b, const std::vector<cv::Rect>& boxes, int margin) {
  cv::Mat diff;
  cv::absdiff(a, b, diff);
  if (diff.channels() > 1) cv::cvtColor(diff, diff, cv::COLOR_BGR2GRAY);
  for (const auto& box : boxes) {
    cv::Rect r(box.x - margin, box.y - margin, box.width + 2 * margin, box.height + 2 * margin);
    diff(r & cv::Rect(0, 0, diff.cols, diff.rows)).setTo(0);
  }
  return cv::countNonZero(diff);
}

std::vector<cv::Rect> rects(const std::vector<Action>& actions) {
  std::vector<cv::Rect> out;
  for (const auto& a : actions) out.push_back(a.rect);
  return out;
}

struct Variant {
  const char* name;
  std::vector<int> params;
};

const std::vector<Variant>& variants() {
  static const std::vector<Variant> v = {
      {"baseline420", {cv::IMWRITE_JPEG_QUALITY, 90}},
      {"progressive", {cv::IMWRITE_JPEG_QUALITY, 85, cv::IMWRITE_JPEG_PROGRESSIVE, 1}},
      {"restart", {cv::IMWRITE_JPEG_QUALITY, 92, cv::IMWRITE_JPEG_RST_INTERVAL, 3}},
      {"optimized", {cv::IMWRITE_JPEG_QUALITY, 75, cv::IMWRITE_JPEG_OPTIMIZE, 1}},
  };
  return v;
}

TEST(JpegCoeffTest, ProbeAndGrow) {
  const auto file = encode(test_image(), {cv::IMWRITE_JPEG_QUALITY, 90});
  auto info = probe_jpeg(file);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->width, 333);
  EXPECT_EQ(info->height, 251);
  EXPECT_EQ(info->imcu_width, 16);   // OpenCV writes 4:2:0
  EXPECT_EQ(info->imcu_height, 16);
  EXPECT_EQ(grow_to_imcu({17, 15, 10, 2}, *info), cv::Rect(16, 0, 16, 32));
  EXPECT_EQ(grow_to_imcu({320, 240, 13, 11}, *info), cv::Rect(320, 240, 13, 11));  // clipped at the edges
}

TEST(JpegCoeffTest, ScaledDecodeForDetection) {
  const auto file = encode(test_image(1600, 900), {cv::IMWRITE_JPEG_QUALITY, 90});
  auto s = decode_jpeg_scaled(file, 640);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_GE(std::max(s->pixels.cols, s->pixels.rows), 640);
  EXPECT_LT(s->pixels.cols, 1600);
  EXPECT_DOUBLE_EQ(s->scale, s->pixels.cols / 1600.0);
  auto full = decode_jpeg_scaled(file, 0);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->pixels.cols, 1600);
}

// fill, pixelate, blur on every variant: coefficients and pixels outside the grown boxes unchanged.
TEST(JpegCoeffTest, IrreversibleExactOutsideRegions) {
  for (const auto& v : variants()) {
    const auto file = encode(test_image(), v.params);
    auto orig = jpeg::read_coefficients(file);
    ASSERT_TRUE(orig.ok()) << v.name << ": " << orig.error().message;
    for (const char* method : {"fill", "pixelate", "blur"}) {
      SCOPED_TRACE(std::string(v.name) + " " + method);
      const std::vector<Action> actions = {action(method, {40, 30, 60, 50}), action(method, {290, 200, 43, 51})};
      auto out = protect_jpeg(file, actions, {});
      ASSERT_TRUE(out.ok()) << out.error().message;
      ASSERT_EQ(out->actions.size(), 2u);
      EXPECT_EQ(out->actions[0].rect, cv::Rect(32, 16, 80, 64));  // grown to 16-pixel iMCUs
      auto prot = jpeg::read_coefficients(out->file);
      ASSERT_TRUE(prot.ok()) << prot.error().message;
      EXPECT_EQ(prot->info.progressive, orig->info.progressive);
      EXPECT_EQ(prot->restart_interval, orig->restart_interval);
      EXPECT_EQ(prot->info.sampling, orig->info.sampling);
      const auto boxes = rects(out->actions);
      EXPECT_EQ(blocks_changed_outside(*orig, *prot, boxes), 0u);
      EXPECT_FALSE(same_coefficients(*orig, *prot));
      // Pixels: 0 changed outside the boxes without fancy upsampling; libjpeg's default fancy
      // (triangle) chroma upsampling reads one chroma sample across the box edge, so with it
      // the ring of 1 pixel around a box may change too, and nothing beyond.
      auto a = jpeg::decode_pixels(file, 8, false);
      auto b = jpeg::decode_pixels(out->file, 8, false);
      ASSERT_TRUE(a.ok() && b.ok());
      EXPECT_EQ(pixels_changed_outside(*a, *b, boxes, 0), 0);
      const cv::Mat da = cv::imdecode(file, cv::IMREAD_COLOR), db = cv::imdecode(out->file, cv::IMREAD_COLOR);
      EXPECT_EQ(pixels_changed_outside(da, db, boxes, 1), 0);
      EXPECT_GT(pixels_changed_outside(da, db, {}, 0), 0);
    }
  }
}

// The look matches the pixel path: the protected box against the pixel path's protector applied
// to the same (grown) box of the decoded original.
TEST(JpegCoeffTest, SameLookAsPixelPath) {
  const cv::Mat img = test_image();
  const auto file = encode(img, {cv::IMWRITE_JPEG_QUALITY, 95});
  const cv::Mat decoded = cv::imdecode(file, cv::IMREAD_COLOR);
  for (const char* method : {"fill", "pixelate", "blur"}) {
    SCOPED_TRACE(method);
    auto out = protect_jpeg(file, {action(method, {48, 32, 96, 80})}, {});
    ASSERT_TRUE(out.ok()) << out.error().message;
    const cv::Rect box = out->actions[0].rect;
    cv::Mat pixel_path = decoded.clone();
    auto prot = create_protector(method);
    ASSERT_TRUE(prot.ok());
    ASSERT_TRUE((*prot)->apply(pixel_path, action(method, box)).ok());
    const cv::Mat coeff_path = cv::imdecode(out->file, cv::IMREAD_COLOR);
    const double mad = cv::norm(coeff_path(box), pixel_path(box), cv::NORM_L1) / (box.area() * 3.0);
    EXPECT_LT(mad, 3.0) << "mean absolute difference " << mad;
  }
}

TEST(JpegCoeffTest, SealRecoverIsExact) {
  const Keyset ks = new_keyset();
  KeySource keys;
  keys.keyset = &ks;
  for (const auto& v : variants()) {
    SCOPED_TRACE(v.name);
    const auto file = encode(test_image(), v.params);
    const std::vector<Action> actions = {action("seal", {40, 30, 60, 50}), action("seal", {70, 60, 50, 50}),
                                         action("pixelate", {200, 100, 30, 30})};
    JpegProtectOptions opt;
    auto out = protect_jpeg(file, actions, opt, &keys);
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_TRUE(out->sealed);
    EXPECT_TRUE(is_jpeg_coefficient_seal(out->file, std::nullopt));
    auto rec = recover_jpeg(out->file, std::nullopt, ks);
    ASSERT_TRUE(rec.ok()) << rec.error().message;
    EXPECT_EQ(rec->restored.size(), 2u);
    // Coefficients equal the original's everywhere except the irreversibly pixelated box.
    auto orig = jpeg::read_coefficients(file);
    auto back = jpeg::read_coefficients(rec->file);
    ASSERT_TRUE(orig.ok() && back.ok());
    EXPECT_EQ(blocks_changed_outside(*orig, *back, {out->actions[0].rect}), 0u);
    // Without the irreversible action: the original exactly, and byte for byte for these
    // libjpeg-written files.
    auto sealed_only = protect_jpeg(file, {actions[0], actions[1]}, opt, &keys);
    ASSERT_TRUE(sealed_only.ok()) << sealed_only.error().message;
    auto rec2 = recover_jpeg(sealed_only->file, std::nullopt, ks);
    ASSERT_TRUE(rec2.ok()) << rec2.error().message;
    auto back2 = jpeg::read_coefficients(rec2->file);
    ASSERT_TRUE(back2.ok());
    EXPECT_TRUE(same_coefficients(*orig, *back2));
    const cv::Mat a = cv::imdecode(file, cv::IMREAD_UNCHANGED), b = cv::imdecode(rec2->file, cv::IMREAD_UNCHANGED);
    EXPECT_EQ(cv::norm(a, b, cv::NORM_INF), 0.0);
    EXPECT_TRUE(sealed_only->byte_identical);
    EXPECT_TRUE(rec2->byte_identical);
    EXPECT_EQ(rec2->file, file);
  }
}

TEST(JpegCoeffTest, SealSidecarPartialAndTamper) {
  const Keyset ks = new_keyset();
  KeySource keys;
  keys.keyset = &ks;
  const auto file = encode(test_image(), {cv::IMWRITE_JPEG_QUALITY, 90});
  JpegProtectOptions opt;
  opt.sidecar = true;
  auto out = protect_jpeg(file, {action("seal", {40, 30, 60, 50}), action("seal", {200, 150, 40, 40})}, opt, &keys);
  ASSERT_TRUE(out.ok()) << out.error().message;
  ASSERT_FALSE(out->sidecar.empty());
  EXPECT_FALSE(is_jpeg_coefficient_seal(out->file, std::nullopt));
  EXPECT_TRUE(is_jpeg_coefficient_seal(out->file, out->sidecar));
  // Only region 1: region 0 keeps its placeholder.
  RecoverOptions ro;
  ro.regions = {1};
  auto part = recover_jpeg(out->file, out->sidecar, ks, ro);
  ASSERT_TRUE(part.ok()) << part.error().message;
  EXPECT_FALSE(part->byte_identical);
  auto orig = jpeg::read_coefficients(file);
  auto back = jpeg::read_coefficients(part->file);
  ASSERT_TRUE(orig.ok() && back.ok());
  EXPECT_EQ(blocks_changed_outside(*orig, *back, {out->actions[0].rect}), 0u);
  EXPECT_FALSE(same_coefficients(*orig, *back));
  // A changed carrier fails authentication; a pixel-seal reader refuses the scheme.
  auto other = protect_jpeg(file, {action("fill", {200, 150, 40, 40})}, {});
  ASSERT_TRUE(other.ok());
  auto bad = recover_jpeg(other->file, out->sidecar, ks);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kAuthentication);
  auto pixel_reader = recover_image_file(out->file, out->sidecar, ks);
  ASSERT_FALSE(pixel_reader.ok());
  EXPECT_EQ(pixel_reader.error().code, ErrorCode::kUnsupported);
  // A wrong key.
  const Keyset other_ks = new_keyset();
  EXPECT_FALSE(recover_jpeg(out->file, out->sidecar, other_ks).ok());
}

// A tiny region in a file with a lot of incompressible metadata: the file record still fits.
TEST(JpegCoeffTest, SealSmallRegionLargeMetadata) {
  const Keyset ks = new_keyset();
  KeySource keys;
  keys.keyset = &ks;
  auto file = encode(test_image(), {cv::IMWRITE_JPEG_QUALITY, 90});
  std::mt19937 rng(3);
  for (int seg = 0; seg < 3; ++seg) {
    std::vector<std::uint8_t> com = {0xFF, 0xFE, 0xFF, 0xFF};  // 65,533 bytes of comment
    for (int i = 0; i < 65533; ++i) com.push_back(static_cast<std::uint8_t>(rng() % 255));
    file.insert(file.begin() + 20, com.begin(), com.end());
  }
  auto out = protect_jpeg(file, {action("seal", {0, 0, 4, 4})}, {}, &keys);
  ASSERT_TRUE(out.ok()) << out.error().message;
  auto visible = jpeg::read_coefficients(out->file);  // the comments are stripped from the visible file
  ASSERT_TRUE(visible.ok());
  for (const auto& m : visible->markers) EXPECT_NE(m.code, JPEG_COM);
  auto rec = recover_jpeg(out->file, std::nullopt, ks);
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  EXPECT_TRUE(rec->byte_identical);
  EXPECT_EQ(rec->file, file);
}

// An APP1 Exif segment (libexif) with a Make tag and a 2 KB thumbnail.
std::vector<std::uint8_t> exif_segment_with_thumbnail() {
  ExifData* d = exif_data_new();
  ExifEntry* e = exif_entry_new();
  exif_content_add_entry(d->ifd[EXIF_IFD_0], e);
  exif_entry_initialize(e, EXIF_TAG_MAKE);
  exif_entry_unref(e);
  d->size = 2048;
  d->data = static_cast<unsigned char*>(std::malloc(d->size));
  std::memset(d->data, 0xAB, d->size);
  unsigned char* buf = nullptr;
  unsigned int size = 0;
  exif_data_save_data(d, &buf, &size);
  exif_data_unref(d);
  std::vector<std::uint8_t> seg(size + 4);
  seg[0] = 0xFF;
  seg[1] = 0xE1;
  seg[2] = static_cast<std::uint8_t>((size + 2) >> 8);
  seg[3] = static_cast<std::uint8_t>(size + 2);
  std::memcpy(seg.data() + 4, buf, size);
  std::free(buf);
  return seg;
}

// Size of the thumbnail in an APP1 Exif payload ("Exif\0\0" onwards), -1 when unreadable.
long thumbnail_size(const std::vector<std::uint8_t>& app1) {
  ExifData* d = exif_data_new_from_data(app1.data(), static_cast<unsigned int>(app1.size()));
  if (d == nullptr) return -1;
  const long n = static_cast<long>(d->size);
  exif_data_unref(d);
  return n;
}

TEST(JpegCoeffTest, ExifThumbnailAlwaysRemoved) {
  auto file = encode(test_image(), {cv::IMWRITE_JPEG_QUALITY, 90});
  const auto app1 = exif_segment_with_thumbnail();
  file.insert(file.begin() + 20, app1.begin(), app1.end());
  auto in = jpeg::read_coefficients(file);
  ASSERT_TRUE(in.ok());
  bool found = false;
  for (const auto& m : in->markers) {
    if (m.code == JPEG_APP0 + 1) {
      found = true;
      EXPECT_EQ(thumbnail_size(m.data), 2048);
    }
  }
  ASSERT_TRUE(found);
  JpegProtectOptions keep;
  keep.keep_metadata = true;
  auto out = protect_jpeg(file, {action("fill", {0, 0, 16, 16})}, keep);
  ASSERT_TRUE(out.ok()) << out.error().message;
  auto oc = jpeg::read_coefficients(out->file);
  ASSERT_TRUE(oc.ok());
  found = false;
  for (const auto& m : oc->markers) {
    if (m.code == JPEG_APP0 + 1) {
      found = true;
      EXPECT_EQ(thumbnail_size(m.data), 0);  // EXIF kept, thumbnail gone
    }
  }
  EXPECT_TRUE(found);
}

TEST(JpegCoeffTest, MetadataKeptOrStrippedThumbnailRemoved) {
  // An APP1 EXIF and a COM marker, inserted after SOI/APP0.
  auto file = encode(test_image(), {cv::IMWRITE_JPEG_QUALITY, 90});
  const std::vector<std::uint8_t> com = {0xFF, 0xFE, 0x00, 0x07, 'h', 'e', 'l', 'l', 'o'};
  file.insert(file.begin() + 20, com.begin(), com.end());  // after SOI (2) + JFIF APP0 (18)
  JpegProtectOptions keep_comments;
  keep_comments.keep_metadata = true;
  keep_comments.keep_tags = {"comment"};
  auto kept = protect_jpeg(file, {action("fill", {0, 0, 16, 16})}, keep_comments);
  ASSERT_TRUE(kept.ok()) << kept.error().message;
  auto kc = jpeg::read_coefficients(kept->file);
  ASSERT_TRUE(kc.ok());
  bool has_com = false;
  for (const auto& m : kc->markers) has_com = has_com || (m.code == JPEG_COM && m.data.size() == 5);
  EXPECT_TRUE(has_com);
  // Comments are personal data (like EXIF UserComment): dropped unless "comment" is kept, and
  // always without keep_metadata.
  for (const bool keep : {true, false}) {
    JpegProtectOptions o;
    o.keep_metadata = keep;
    auto stripped = protect_jpeg(file, {action("fill", {0, 0, 16, 16})}, o);
    ASSERT_TRUE(stripped.ok());
    auto sc = jpeg::read_coefficients(stripped->file);
    ASSERT_TRUE(sc.ok());
    for (const auto& m : sc->markers) EXPECT_NE(m.code, JPEG_COM);
  }
}

TEST(JpegCoeffTest, BadInputsFailCleanly) {
  const auto file = encode(test_image(), {cv::IMWRITE_JPEG_QUALITY, 90});
  // Truncated in the entropy-coded data: damaged, not partial output.
  std::vector<std::uint8_t> truncated(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(file.size() * 2 / 3));
  auto t = protect_jpeg(truncated, {action("fill", {0, 0, 16, 16})}, {});
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, ErrorCode::kCorrupt);
  // Not a JPEG at all.
  std::vector<std::uint8_t> junk(100, 0x42);
  auto j = protect_jpeg(junk, {action("fill", {0, 0, 16, 16})}, {});
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.error().code, ErrorCode::kCorrupt);
  // Header only (SOI + garbage segment).
  std::vector<std::uint8_t> header(file.begin(), file.begin() + 30);
  EXPECT_FALSE(probe_jpeg(header).ok());
  // Declared dimensions over the pixel cap (SOF patched to 65000 x 65000): refused before any
  // coefficient array is allocated.
  std::vector<std::uint8_t> bomb = file;
  for (std::size_t i = 2; i + 9 < bomb.size(); ++i) {
    if (bomb[i] == 0xFF && bomb[i + 1] == 0xC0) {
      bomb[i + 5] = 0xFD;
      bomb[i + 6] = 0xE8;
      bomb[i + 7] = 0xFD;
      bomb[i + 8] = 0xE8;
      break;
    }
  }
  auto big = probe_jpeg(bomb);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, ErrorCode::kResourceLimit);
  // A method the coefficient path does not have.
  auto m = protect_jpeg(file, {action("msai", {0, 0, 16, 16})}, {});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::kUnsupported);
  // Seal without keys.
  EXPECT_FALSE(protect_jpeg(file, {action("seal", {0, 0, 16, 16})}, {}).ok());
}

// Arithmetic coding (written here with libjpeg) is refused as unsupported.
TEST(JpegCoeffTest, ArithmeticCodingIsUnsupported) {
  const cv::Mat img = test_image(64, 48);
  jpeg_compress_struct cc{};
  jpeg_error_mgr err{};
  cc.err = jpeg_std_error(&err);
  jpeg_create_compress(&cc);
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cc, &buf, &size);
  cc.image_width = 64;
  cc.image_height = 48;
  cc.input_components = 3;
  cc.in_color_space = JCS_EXT_BGR;
  jpeg_set_defaults(&cc);
  cc.arith_code = TRUE;
  jpeg_start_compress(&cc, TRUE);
  while (cc.next_scanline < cc.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(img.ptr(static_cast<int>(cc.next_scanline)));
    jpeg_write_scanlines(&cc, &row, 1);
  }
  jpeg_finish_compress(&cc);
  jpeg_destroy_compress(&cc);
  std::vector<std::uint8_t> file(buf, buf + size);
  std::free(buf);
  auto p = probe_jpeg(file);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, ErrorCode::kUnsupported);
}

TEST(JpegCoeffTest, GrayscaleWorks) {
  cv::Mat gray;
  cv::cvtColor(test_image(), gray, cv::COLOR_BGR2GRAY);
  const auto file = encode(gray, {cv::IMWRITE_JPEG_QUALITY, 90});
  auto out = protect_jpeg(file, {action("blur", {40, 30, 60, 50})}, {});
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->actions[0].rect, cv::Rect(40, 24, 64, 56));  // 8-pixel iMCUs
  auto a = jpeg::decode_pixels(file, 8, false);
  auto b = jpeg::decode_pixels(out->file, 8, false);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(pixels_changed_outside(*a, *b, rects(out->actions), 0), 0);
}

}  // namespace jpeg_coeff_test
}  // namespace
}  // namespace shroud

// The corpus report (docs/jpeg.md): every JPEG of the openalpr/dlib data and the OpenCV samples,
// two sealed regions each; recovery must be coefficient-identical for all of them. Prints the
// share restored byte for byte and the protected/original size ratio. Skips without the data.
namespace shroud {
namespace {
namespace jpeg_coeff_test {  // one namespace per file: unity builds batch the tests

TEST(JpegCoeffCorpus, SealRecoverCorpus) {
  std::vector<std::string> files;
  for (const char* dir : {"/work/shared/data/plates", "/work/shared/data/faces", "/usr/share/doc/opencv-doc/examples/data"}) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) continue;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
      const std::string ext = e.path().extension().string();
      if (e.is_regular_file() && (ext == ".jpg" || ext == ".jpeg" || ext == ".JPG")) files.push_back(e.path().string());
    }
  }
  if (files.empty()) GTEST_SKIP() << "no corpus (/work/shared/data, opencv-doc samples)";
  std::sort(files.begin(), files.end());
  const Keyset ks = new_keyset();
  KeySource keys;
  keys.keyset = &ks;
  int total = 0, unsupported = 0, coeff_identical = 0, byte_identical = 0;
  double in_bytes = 0, out_bytes = 0, container_bytes = 0;
  for (const auto& path : files) {
    auto file = read_file(path);
    ASSERT_TRUE(file.ok());
    auto info = probe_jpeg(*file);
    if (!info.ok()) {
      ++unsupported;  // EXIF orientation, CMYK, ...: the pixel path takes these
      std::printf("  pixel path: %s (%s)\n", path.c_str(), info.error().message.c_str());
      continue;
    }
    ++total;
    const int w = info->width, h = info->height;
    const std::vector<Action> actions = {action("seal", {w / 4, h / 4, std::max(1, w / 5), std::max(1, h / 5)}),
                                         action("seal", {w / 2, h / 2, std::max(1, w / 6), std::max(1, h / 4)})};
    auto out = protect_jpeg(*file, actions, {}, &keys);
    ASSERT_TRUE(out.ok()) << path << ": " << out.error().message;
    auto fill = protect_jpeg(*file, {action("fill", actions[0].rect), action("fill", actions[1].rect)}, {});
    ASSERT_TRUE(fill.ok()) << path;
    in_bytes += static_cast<double>(file->size());
    out_bytes += static_cast<double>(fill->file.size());
    container_bytes += static_cast<double>(out->file.size()) - static_cast<double>(fill->file.size());
    auto rec = recover_jpeg(out->file, std::nullopt, ks);
    ASSERT_TRUE(rec.ok()) << path << ": " << rec.error().message;
    auto a = jpeg::read_coefficients(*file);
    auto b = jpeg::read_coefficients(rec->file);
    ASSERT_TRUE(a.ok() && b.ok()) << path;
    if (same_coefficients(*a, *b)) ++coeff_identical;
    else ADD_FAILURE() << path << ": recovered coefficients differ";
    if (rec->file == *file) {
      ++byte_identical;
    } else {
      std::printf("  coefficient-identical only: %s (%s, %zu scans)\n", path.c_str(),
                  info->progressive ? "progressive" : "sequential", a->scans.size());
    }
    EXPECT_EQ(rec->byte_identical, rec->file == *file) << path;
  }
  std::printf("corpus: %d JPEGs in the coefficient path (%d to the pixel path); coefficient-identical %d (%.1f%%), "
              "byte-identical %d (%.1f%%); fill output / input size %.4f; mean sealed container %.0f bytes\n",
              total, unsupported, coeff_identical, 100.0 * coeff_identical / std::max(1, total), byte_identical,
              100.0 * byte_identical / std::max(1, total), out_bytes / std::max(1.0, in_bytes),
              container_bytes / std::max(1, total));
  EXPECT_EQ(coeff_identical, total);
}

}  // namespace jpeg_coeff_test
}  // namespace
}  // namespace shroud

// The CLI default: JPEG in and out takes the coefficient path; seal + recover gives the file back.
#include "cli_util.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace jpeg_coeff_test {  // one namespace per file: unity builds batch the tests

using testing::read_text;
using testing::run_shroud;
using testing::TempDir;
using testing::write_text;

TEST(JpegCoeffCli, DefaultPathIsLosslessOutsideAndRecoversTheFile) {
  TempDir dir;
  const auto file = encode(test_image(), {cv::IMWRITE_JPEG_QUALITY, 90, cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  const std::string in = dir.file("in.jpg");
  write_text(in, std::string(file.begin(), file.end()));
  const std::string regions = dir.file("regions.json");
  write_text(regions, R"({"regions": [{"kind": "face", "box": [40, 30, 60, 50]}]})");
  // Irreversible, default path: blocks outside the grown box identical; the pixel path is not.
  auto r = run_shroud({"protect", in, "-o", dir.file("blur.jpg"), "--method", "blur", "--mask-scale", "1", "--detector",
                       "manual:" + regions, "--regions-json", dir.file("r.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(read_text(dir.file("r.jsonl")).find("\"boxes_grown_to_imcu\":[16,16]"), std::string::npos);
  const std::string out = read_text(dir.file("blur.jpg"));
  auto a = jpeg::read_coefficients(file);
  auto b = jpeg::read_coefficients(std::vector<std::uint8_t>(out.begin(), out.end()));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(b->info.progressive);
  EXPECT_EQ(blocks_changed_outside(*a, *b, {cv::Rect(32, 16, 80, 64)}), 0u);
  r = run_shroud({"protect", in, "-o", dir.file("pixel.jpg"), "--method", "blur", "--mask-scale", "1", "--detector",
                  "manual:" + regions, "--jpeg-path", "pixel"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string px = read_text(dir.file("pixel.jpg"));
  auto c = jpeg::read_coefficients(std::vector<std::uint8_t>(px.begin(), px.end()));
  ASSERT_TRUE(c.ok());
  EXPECT_GT(blocks_changed_outside(*a, *c, {cv::Rect(32, 16, 80, 64)}), 0u);
  // Seal and recover: the original file, byte for byte.
  const std::string keys = dir.file("keys.json");
  ASSERT_EQ(run_shroud({"keygen", keys}).exit_code, 0);
  r = run_shroud({"protect", in, "-o", dir.file("sealed.jpg"), "--method", "seal", "--key", keys, "--detector", "manual:" + regions});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_shroud({"recover", dir.file("sealed.jpg"), "-o", dir.file("back.jpg"), "--key", keys});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("byte for byte"), std::string::npos) << r.output;
  EXPECT_EQ(read_text(dir.file("back.jpg")), read_text(in));
  // --jpeg-path coeff refuses what it cannot do, and writes nothing.
  r = run_shroud({"protect", in, "-o", dir.file("dp.jpg"), "--method", "dp-pixelate", "--jpeg-path", "coeff", "--detector",
                  "manual:" + regions});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(dir.file("dp.jpg")));
}

// A regions file whose entries name their images works on the coefficient path too (the frame
// handed to the detector had no name, so every listed JPEG failed with "no entry ... names ''").
TEST(JpegCoeffCli, RegionsFileEntriesNameTheirJpegs) {
  TempDir dir;
  const auto file = encode(test_image(), {cv::IMWRITE_JPEG_QUALITY, 90});
  write_text(dir.file("a.jpg"), std::string(file.begin(), file.end()));
  write_text(dir.file("b.jpg"), std::string(file.begin(), file.end()));
  const std::string regions = dir.file("regions.json");
  write_text(regions, "[{\"image\": \"" + dir.file("a.jpg") + "\", \"regions\": [{\"kind\": \"face\", \"box\": [40, 30, 60, 50]}]},"
                      " {\"image\": \"" + dir.file("b.jpg") + "\", \"regions\": []}]");
  auto r = run_shroud({"protect", dir.file("a.jpg"), dir.file("b.jpg"), "-o", dir.file("out"), "--method", "fill", "--regions-in",
                       regions, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"boxes_grown_to_imcu\""), std::string::npos) << r.output;  // the coefficient path ran
  const cv::Mat a = cv::imread(dir.file("out/a.jpg")), b = cv::imread(dir.file("out/b.jpg"));
  const cv::Mat orig = cv::imdecode(file, cv::IMREAD_COLOR);
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  EXPECT_LT(cv::mean(a(cv::Rect(45, 35, 50, 40)))[0], 1.0);            // a's box is filled
  EXPECT_EQ(cv::norm(b, orig, cv::NORM_INF), 0.0);                       // b has no regions: untouched pixels
}

}  // namespace jpeg_coeff_test
}  // namespace
}  // namespace shroud
