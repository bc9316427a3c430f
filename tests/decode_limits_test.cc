// Issue #13 regression: Pixel and memory limits before any decode. Failed on the code before the fix.
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
namespace decode_limits_test {  // one namespace per file: unity builds batch the tests

namespace fs = std::filesystem;
using testing::TempDir;

bool cli_available() { return fs::exists(testing::shroud_bin()); }

std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

void put_le(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v, int n) {
  for (int i = 0; i < n; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// Small files whose headers claim huge images (the decoder would allocate for them).
std::vector<std::pair<std::string, std::vector<std::uint8_t>>> bomb_headers() {
  std::vector<std::pair<std::string, std::vector<std::uint8_t>>> out;
  {  // WebP VP8X canvas 16383 x 16383 (about 268 Mpx), then a garbage VP8L chunk
    std::vector<std::uint8_t> b(64, 0);
    std::memcpy(&b[0], "RIFF", 4);
    put_le(b, 4, 56, 4);
    std::memcpy(&b[8], "WEBPVP8X", 8);
    put_le(b, 16, 10, 4);
    put_le(b, 24, 16382, 3);
    put_le(b, 27, 16382, 3);
    std::memcpy(&b[30], "VP8L", 4);
    out.emplace_back("webp", b);
  }
  {  // WebP VP8L 16384 x 16384
    std::vector<std::uint8_t> b(64, 0);
    std::memcpy(&b[0], "RIFF", 4);
    put_le(b, 4, 56, 4);
    std::memcpy(&b[8], "WEBPVP8L", 8);
    put_le(b, 16, 40, 4);
    b[20] = 0x2F;
    put_le(b, 21, 0x3FFFu | (0x3FFFu << 14), 4);
    out.emplace_back("webp-lossless", b);
  }
  {  // TIFF 20000 x 20000, 8-bit RGB, one tiny strip
    std::vector<std::uint8_t> b = {'I', 'I', 42, 0, 8, 0, 0, 0};
    const std::vector<std::array<std::uint32_t, 4>> entries = {
        {256, 4, 1, 20000}, {257, 4, 1, 20000}, {258, 3, 1, 8}, {259, 3, 1, 1}, {262, 3, 1, 2},
        {273, 4, 1, 200}, {277, 3, 1, 3}, {278, 4, 1, 20000}, {279, 4, 1, 16}};
    b.resize(8 + 2 + entries.size() * 12 + 4 + 300, 0);
    put_le(b, 8, static_cast<std::uint32_t>(entries.size()), 2);
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const std::size_t e = 10 + i * 12;
      put_le(b, e, entries[i][0], 2);
      put_le(b, e + 2, entries[i][1], 2);
      put_le(b, e + 4, entries[i][2], 4);
      put_le(b, e + 8, entries[i][3], entries[i][1] == 3 ? 2 : 4);
    }
    out.emplace_back("tiff", b);
  }
  {  // BMP 20000 x -20000 (top-down), 24-bit
    std::vector<std::uint8_t> b(64, 0);
    b[0] = 'B';
    b[1] = 'M';
    put_le(b, 2, 64, 4);
    put_le(b, 10, 54, 4);
    put_le(b, 14, 40, 4);
    put_le(b, 18, 20000, 4);
    put_le(b, 22, static_cast<std::uint32_t>(-20000), 4);
    put_le(b, 26, 1, 2);
    put_le(b, 28, 24, 2);
    out.emplace_back("bmp", b);
  }
  out.emplace_back("pnm", bytes_of("P6\n# comment\n20000 20000\n255\n\x01\x02"));
  return out;
}

TEST(DecodeLimits, BombHeadersAreRefusedBeforeDecoding) {
  for (const auto& [name, bytes] : bomb_headers()) {
    auto r = decode_image(bytes);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.error().code, ErrorCode::kResourceLimit) << name << ": " << r.error().message;
    EXPECT_NE(r.error().message.find("--max-pixels"), std::string::npos) << r.error().message;
  }
}

TEST(DecodeLimits, EveryFormatIsProbedFromItsHeader) {
  TempDir dir;
  const cv::Mat bgr = testing::random_image(50, 60, CV_8UC3, 12);
  cv::Mat bgra;
  cv::cvtColor(bgr, bgra, cv::COLOR_BGR2BGRA);
  struct Case {
    std::string file;
    cv::Mat image;
    std::vector<int> params;
  };
  const std::vector<Case> cases = {{"a.png", bgr, {}},  {"a.jpg", bgr, {}},
                                   {"a.bmp", bgr, {}},  {"a.tif", bgr, {}},
                                   {"a.ppm", bgr, {}},  {"a.pgm", testing::random_image(50, 60, CV_8UC1, 2), {}},
                                   {"lossless.webp", bgr, {}},
                                   {"lossy.webp", bgr, {cv::IMWRITE_WEBP_QUALITY, 80}},
                                   {"alpha.webp", bgra, {cv::IMWRITE_WEBP_QUALITY, 80}}};
  for (const auto& c : cases) {
    std::vector<std::uint8_t> bytes;
    ASSERT_TRUE(cv::imencode(fs::path(c.file).extension().string(), c.image, bytes, c.params)) << c.file;
    auto size = probe_dimensions(bytes);
    ASSERT_TRUE(size.ok()) << c.file << ": " << size.error().message;
    EXPECT_EQ(*size, cv::Size(60, 50)) << c.file;
    ImageLimits limits;
    limits.max_pixels = 60 * 50 - 1;
    auto r = decode_image(bytes, limits);
    ASSERT_FALSE(r.ok()) << c.file;
    EXPECT_EQ(r.error().code, ErrorCode::kResourceLimit) << c.file;
    limits.max_pixels = 60 * 50;
    EXPECT_TRUE(decode_image(bytes, limits).ok()) << c.file;
  }
}

TEST(DecodeLimits, CliRefusesABombWithTheFlagThatRaisesTheLimit) {
  if (!cli_available()) GTEST_SKIP() << "missing " << testing::shroud_bin();
  TempDir dir;
  const std::string regions = dir.file("r.json");
  testing::write_text(regions, R"({"regions": [{"box": [1, 1, 5, 5]}]})");
  for (const auto& [name, bytes] : bomb_headers()) {
    const std::string in = dir.file("bomb-" + name), out = dir.file("out-" + name + ".png");
    testing::write_text(in, std::string(bytes.begin(), bytes.end()));
    const auto r = testing::run_shroud({"protect", in, "-o", out, "--regions-in", regions, "--method", "fill"});
    EXPECT_EQ(r.exit_code, 9) << name << ": " << r.output;
    EXPECT_NE(r.output.find("--max-pixels"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(out));
  }
  // The flag lowers (or raises) the limit.
  const std::string small = dir.file("small.webp"), out = dir.file("small-out.webp");
  ASSERT_TRUE(cv::imwrite(small, testing::random_image(50, 60, CV_8UC3, 1)));
  auto r = testing::run_shroud({"protect", small, "-o", out, "--regions-in", regions, "--method", "fill", "--max-pixels", "2999"});
  EXPECT_EQ(r.exit_code, 9) << r.output;
  EXPECT_FALSE(fs::exists(out));
  r = testing::run_shroud({"-q", "protect", small, "-o", out, "--regions-in", regions, "--method", "fill", "--max-pixels", "3000"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(DecodeLimits, VideoFrameSizeAndExtendBackBufferAreBounded) {
  if (!cli_available()) GTEST_SKIP() << "missing " << testing::shroud_bin();
  if (std::system("ffmpeg -version >/dev/null 2>&1") != 0) GTEST_SKIP() << "ffmpeg missing";
  TempDir dir;
  const std::string in = dir.file("in.mp4"), regions = dir.file("r.json");
  const std::string cmd = "ffmpeg -v error -y -f lavfi -i testsrc=size=160x120:rate=10 -t 1 -c:v libx264 -preset ultrafast "
                          "-pix_fmt yuv420p " + testing::shell_quote(in);
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  testing::write_text(regions, R"({"regions": [{"box": [1, 1, 5, 5]}]})");
  const std::string out = dir.file("out.mp4");
  auto r = testing::run_shroud({"protect", in, "-o", out, "--regions-in", regions, "--method", "fill", "--max-pixels", "19199"});
  EXPECT_EQ(r.exit_code, 9) << r.output;
  EXPECT_NE(r.output.find("--max-pixels"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out));
  // 1000 frames of 160x120 BGR are 55 MiB: over a 16 MiB buffer limit.
  r = testing::run_shroud({"protect", in, "-o", out, "--regions-in", regions, "--method", "fill", "--extend-back", "1000",
                           "--max-buffer-mb", "16"});
  EXPECT_EQ(r.exit_code, 9) << r.output;
  EXPECT_NE(r.output.find("--max-buffer-mb"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out));
  r = testing::run_shroud({"-q", "protect", in, "-o", out, "--regions-in", regions, "--method", "fill", "--extend-back", "5",
                           "--max-buffer-mb", "16"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

}  // namespace decode_limits_test
}  // namespace
}  // namespace shroud
