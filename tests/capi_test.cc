// The C API (include/shroud/shroud.h): misuse gives an error code and a message, never a crash;
// protect in place touches exactly the planned rectangles of the caller's buffer (any stride, RGB
// and BGR orders); seal/recover round trips are exact; a wrong key is refused.
#include "shroud/shroud.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "shroud/image_io.h"
#include "shroud/keys.h"
#include "test_util.h"

namespace {
namespace capi_test {  // one namespace per file: unity builds batch the tests

using shroud::testing::TempDir;

// An owned pixel buffer with padded rows, described by a shroud_image.
struct Buffer {
  std::vector<std::uint8_t> bytes;
  shroud_image img{};
  Buffer(int w, int h, int format, int channels, int pad, std::uint64_t seed = 7) {
    img.width = w;
    img.height = h;
    img.stride = static_cast<std::int64_t>(w) * channels + pad;
    img.format = format;
    bytes.resize(static_cast<std::size_t>(img.stride) * h);
    cv::RNG rng(seed);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng.uniform(0, 256));
    img.data = bytes.data();
  }
  Buffer(const Buffer& o) : bytes(o.bytes), img(o.img) { img.data = bytes.data(); }
  Buffer(Buffer&& o) noexcept : bytes(std::move(o.bytes)), img(o.img) { img.data = bytes.data(); }
  Buffer& operator=(const Buffer&) = delete;
  const std::uint8_t* px(int x, int y, int channels) const {
    return bytes.data() + static_cast<std::size_t>(y) * img.stride + static_cast<std::size_t>(x) * channels;
  }
};

class CapiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    regions_ = dir_.file("regions.json");
    std::ofstream(regions_) << R"({"regions":[{"kind":"face","box":[10,8,20,16]},{"kind":"plate","box":[40,30,12,6]}]})";
    auto ks = shroud::Keyset::generate();
    ASSERT_TRUE(ks.ok());
    keys_ = dir_.file("keys.json");
    ASSERT_TRUE(shroud::save_keyset(*ks, keys_, false).ok());
    auto other = shroud::Keyset::generate();
    ASSERT_TRUE(other.ok());
    other_ = dir_.file("other.json");
    ASSERT_TRUE(shroud::save_keyset(*other, other_, false).ok());
  }

  // An engine over the manual detector (boxes above), box scale 1, or nullptr with a failure.
  shroud_engine* engine(const std::string& extra, const std::string& policy = R"({"mask_scale": 1.0})") {
    const std::string json = R"({"detector": "manual:)" + regions_ + R"(", "policy": )" + policy +
                             (extra.empty() ? "" : ", " + extra) + "}";
    shroud_engine* e = nullptr;
    char* err = nullptr;
    const shroud_status s = shroud_engine_create(json.c_str(), &e, &err);
    EXPECT_EQ(s, SHROUD_OK) << (err ? err : "") << "\n" << json;
    shroud_free(err);
    return e;
  }

  // Status and message of a failing creation.
  std::pair<shroud_status, std::string> create_error(const char* json) {
    shroud_engine* e = reinterpret_cast<shroud_engine*>(0x1);  // must be reset to NULL
    char* err = nullptr;
    const shroud_status s = shroud_engine_create(json, &e, &err);
    EXPECT_EQ(e, nullptr);
    std::string msg = err ? err : "";
    shroud_free(err);
    if (s == SHROUD_OK) shroud_engine_destroy(e);
    return {s, msg};
  }

  TempDir dir_;
  std::string regions_, keys_, other_;
};

TEST_F(CapiTest, VersionAndNames) {
  EXPECT_NE(std::string(shroud_version()).find('.'), std::string::npos);
  EXPECT_STREQ(shroud_status_name(SHROUD_OK), "ok");
  EXPECT_STREQ(shroud_status_name(SHROUD_ERR_AUTHENTICATION), "authentication");
  EXPECT_STREQ(shroud_status_name(12345), "unknown");
  EXPECT_STREQ(shroud_kind_name(SHROUD_KIND_PLATE), "plate");
  EXPECT_STREQ(shroud_kind_name(-1), "unknown");
}

TEST_F(CapiTest, CreateRejectsBadOptions) {
  EXPECT_EQ(shroud_engine_create("{}", nullptr, nullptr), SHROUD_ERR_INVALID_ARGUMENT);
  char* err = nullptr;
  EXPECT_EQ(shroud_engine_create("{}", nullptr, &err), SHROUD_ERR_INVALID_ARGUMENT);
  ASSERT_NE(err, nullptr);
  EXPECT_NE(std::string(err).find("NULL"), std::string::npos);
  shroud_free(err);
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"{", "not valid JSON"},
      {"[1,2]", "JSON object"},
      {"{\"methd\": \"blur\"}", "unknown key \"methd\""},
      {"{\"method\": 5}", "\"method\" must be a string"},
      {"{\"method\": \"smudge\"}", "smudge"},
      {"{\"method\": \"msai-l\"}", "msai-l"},
      {"{\"method\": \"seal\"}", "needs \"keyset\""},
      {"{\"threshold\": 2}", "\"threshold\" must be in"},
      {"{\"threshold\": \"high\"}", "must be a number"},
      {"{\"kinds\": []}", "non-empty array"},
      {"{\"kinds\": [\"faces\"]}", "faces"},
      {"{\"placeholder\": \"glitter\"}", "glitter"},
      {"{\"binding\": \"loose\"}", "binding"},
      {"{\"format\": \"gif\"}", "format"},
      {"{\"policy\": 3}", "policy"},
      {"{\"policy\": {\"mask_scale\": -1}}", "mask_scale"},
      {"{\"detector\": \"no-such-detector\"}", "no-such-detector"},
  };
  for (const auto& [json, needle] : cases) {
    auto [s, msg] = create_error(json);
    EXPECT_NE(s, SHROUD_OK) << json;
    EXPECT_NE(msg.find(needle), std::string::npos) << json << " -> " << msg;
  }
  // Files: a missing keyset, a keyset readable by others, a recipient without sealing.
  auto [s1, m1] = create_error("{\"method\": \"seal\", \"keyset\": \"/nonexistent/keys.json\"}");
  EXPECT_EQ(s1, SHROUD_ERR_NOT_FOUND) << m1;
  const std::string open_keys = dir_.file("open.json");
  std::filesystem::copy_file(keys_, open_keys);
  std::filesystem::permissions(open_keys, std::filesystem::perms::others_read, std::filesystem::perm_options::add);
  auto [s2, m2] = create_error(("{\"method\": \"seal\", \"keyset\": \"" + open_keys + "\"}").c_str());
  EXPECT_EQ(s2, SHROUD_ERR_PERMISSION) << m2;
  auto [s3, m3] = create_error(("{\"method\": \"seal\", \"keyset\": \"" + keys_ + "\", \"recipient\": \"x.pub\"}").c_str());
  EXPECT_EQ(s3, SHROUD_ERR_INVALID_ARGUMENT) << m3;
  // A preset by name (installed, or the source tree's policies/), and a missing one.
  shroud_engine* preset = nullptr;
  EXPECT_EQ(shroud_engine_create(("{\"detector\": \"manual:" + regions_ + "\", \"policy\": \"strict\"}").c_str(),
                                 &preset, nullptr),
            SHROUD_OK);
  shroud_engine_destroy(preset);
  auto [s4, m4] = create_error("{\"policy\": \"no-such-preset\"}");
  EXPECT_EQ(s4, SHROUD_ERR_NOT_FOUND) << m4;
  // NULL and empty options are the defaults; the err pointer is optional.
  shroud_engine* e = nullptr;
  EXPECT_EQ(shroud_engine_create(("{\"detector\": \"manual:" + regions_ + "\"}").c_str(), &e, nullptr), SHROUD_OK);
  EXPECT_STREQ(shroud_engine_last_error(e), "");
  shroud_engine_destroy(e);
  shroud_engine_destroy(nullptr);
  EXPECT_STREQ(shroud_engine_last_error(nullptr), "engine is NULL");
}

TEST_F(CapiTest, BadBufferDescriptorsAreErrors) {
  shroud_engine* e = engine("");
  ASSERT_NE(e, nullptr);
  Buffer good(64, 48, SHROUD_FORMAT_BGR, 3, 0);
  shroud_region* regions = reinterpret_cast<shroud_region*>(0x1);
  std::size_t count = 99;
  EXPECT_EQ(shroud_detect(nullptr, &good.img, &regions, &count), SHROUD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(regions, nullptr);
  EXPECT_EQ(count, 0u);
  EXPECT_EQ(shroud_detect(e, nullptr, &regions, &count), SHROUD_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(shroud_engine_last_error(e)).find("NULL"), std::string::npos);
  EXPECT_EQ(shroud_detect(e, &good.img, nullptr, &count), SHROUD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(shroud_detect(e, &good.img, &regions, nullptr), SHROUD_ERR_INVALID_ARGUMENT);

  struct Case {
    const char* what;
    void (*mutate)(shroud_image&);
    shroud_status expected;
    const char* needle;
  };
  const Case cases[] = {
      {"null data", [](shroud_image& i) { i.data = nullptr; }, SHROUD_ERR_INVALID_ARGUMENT, "data is NULL"},
      {"zero width", [](shroud_image& i) { i.width = 0; }, SHROUD_ERR_INVALID_ARGUMENT, "positive"},
      {"negative height", [](shroud_image& i) { i.height = -5; }, SHROUD_ERR_INVALID_ARGUMENT, "positive"},
      {"short stride", [](shroud_image& i) { i.stride = i.width * 3 - 1; }, SHROUD_ERR_INVALID_ARGUMENT, "stride"},
      {"negative stride", [](shroud_image& i) { i.stride = -1; }, SHROUD_ERR_INVALID_ARGUMENT, "stride"},
      {"overflowing stride", [](shroud_image& i) { i.stride = std::numeric_limits<std::int64_t>::max(); },
       SHROUD_ERR_INVALID_ARGUMENT, "overflow"},
      {"format 0", [](shroud_image& i) { i.format = 0; }, SHROUD_ERR_INVALID_ARGUMENT, "format"},
      {"format 6", [](shroud_image& i) { i.format = 6; }, SHROUD_ERR_INVALID_ARGUMENT, "format"},
      {"format -1", [](shroud_image& i) { i.format = -1; }, SHROUD_ERR_INVALID_ARGUMENT, "format"},
      {"too many pixels", [](shroud_image& i) { i.width = i.height = 1 << 30; }, SHROUD_ERR_RESOURCE_LIMIT, "limit"},
  };
  for (const Case& c : cases) {
    shroud_image img = good.img;
    c.mutate(img);
    const std::vector<std::uint8_t> before = good.bytes;
    EXPECT_EQ(shroud_detect(e, &img, &regions, &count), c.expected) << c.what;
    EXPECT_NE(std::string(shroud_engine_last_error(e)).find(c.needle), std::string::npos)
        << c.what << ": " << shroud_engine_last_error(e);
    EXPECT_EQ(shroud_protect_image(e, &img, &regions, &count, nullptr, nullptr), c.expected) << c.what;
    EXPECT_EQ(shroud_recover_image(e, &img, good.bytes.data(), 10), c.expected == SHROUD_ERR_RESOURCE_LIMIT
                                                                         ? SHROUD_ERR_RESOURCE_LIMIT
                                                                         : SHROUD_ERR_INVALID_ARGUMENT)
        << c.what;
    EXPECT_EQ(good.bytes, before) << c.what;
  }
  // Pointer pairs must be given together.
  EXPECT_EQ(shroud_protect_image(e, &good.img, &regions, nullptr, nullptr, nullptr), SHROUD_ERR_INVALID_ARGUMENT);
  std::uint8_t* cont = nullptr;
  EXPECT_EQ(shroud_protect_image(e, &good.img, nullptr, nullptr, &cont, nullptr), SHROUD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(shroud_recover_image(e, &good.img, nullptr, 10), SHROUD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(shroud_recover_image(e, &good.img, good.bytes.data(), 0), SHROUD_ERR_INVALID_ARGUMENT);
  shroud_engine_destroy(e);
}

TEST_F(CapiTest, DetectReadsAnyStrideAndOrder) {
  shroud_engine* e = engine("");
  ASSERT_NE(e, nullptr);
  for (int format : {SHROUD_FORMAT_GRAY, SHROUD_FORMAT_BGR, SHROUD_FORMAT_RGB, SHROUD_FORMAT_BGRA, SHROUD_FORMAT_RGBA}) {
    const int ch = format == SHROUD_FORMAT_GRAY ? 1 : (format <= SHROUD_FORMAT_RGB ? 3 : 4);
    Buffer b(64, 48, format, ch, 5);
    const std::vector<std::uint8_t> before = b.bytes;
    shroud_region* regions = nullptr;
    std::size_t count = 0;
    ASSERT_EQ(shroud_detect(e, &b.img, &regions, &count), SHROUD_OK) << shroud_engine_last_error(e);
    ASSERT_EQ(count, 2u);
    EXPECT_EQ(regions[0].kind, SHROUD_KIND_FACE);
    EXPECT_EQ(regions[0].x, 10);
    EXPECT_EQ(regions[0].y, 8);
    EXPECT_EQ(regions[0].width, 20);
    EXPECT_EQ(regions[0].height, 16);
    EXPECT_EQ(regions[1].kind, SHROUD_KIND_PLATE);
    shroud_regions_free(regions);
    EXPECT_EQ(b.bytes, before) << "detect wrote the buffer";
  }
  shroud_engine_destroy(e);
}

// Protect in place: exactly the face and plate rectangles change, the padding never; RGB buffers
// get the fill colour in their own order.
TEST_F(CapiTest, ProtectInPlaceChangesOnlyTheRegions) {
  shroud_engine* e = engine(R"("method": "fill")", R"({"mask_scale": 1.0, "fill_color": [255, 0, 0]})");
  ASSERT_NE(e, nullptr);
  for (int format : {SHROUD_FORMAT_BGR, SHROUD_FORMAT_RGB, SHROUD_FORMAT_BGRA, SHROUD_FORMAT_RGBA, SHROUD_FORMAT_GRAY}) {
    const int ch = format == SHROUD_FORMAT_GRAY ? 1 : (format <= SHROUD_FORMAT_RGB ? 3 : 4);
    Buffer b(64, 48, format, ch, 7);
    const Buffer orig = b;
    shroud_region* regions = nullptr;
    std::size_t count = 0;
    ASSERT_EQ(shroud_protect_image(e, &b.img, &regions, &count, nullptr, nullptr), SHROUD_OK)
        << shroud_engine_last_error(e);
    ASSERT_EQ(count, 2u);
    std::vector<cv::Rect> rects;
    for (std::size_t i = 0; i < count; ++i) rects.emplace_back(regions[i].x, regions[i].y, regions[i].width, regions[i].height);
    EXPECT_EQ(rects[0], cv::Rect(10, 8, 20, 16));
    EXPECT_EQ(rects[1], cv::Rect(40, 30, 12, 6));
    shroud_regions_free(regions);
    for (int y = 0; y < 48; ++y) {
      for (int x = 0; x < 64; ++x) {
        const bool inside = rects[0].contains({x, y}) || rects[1].contains({x, y});
        const std::uint8_t* p = b.px(x, y, ch);
        if (!inside) {
          ASSERT_EQ(std::memcmp(p, orig.px(x, y, ch), ch), 0) << "changed outside at " << x << "," << y;
        } else if (ch >= 3) {
          // Fill colour B=255, G=0, R=0 in the buffer's own channel order; alpha untouched.
          const bool rgb = format == SHROUD_FORMAT_RGB || format == SHROUD_FORMAT_RGBA;
          ASSERT_EQ(p[rgb ? 2 : 0], 255);
          ASSERT_EQ(p[1], 0);
          ASSERT_EQ(p[rgb ? 0 : 2], 0);
          if (ch == 4) {
            ASSERT_EQ(p[3], orig.px(x, y, ch)[3]);
          }
        }
      }
      for (std::int64_t i = static_cast<std::int64_t>(64) * ch; i < b.img.stride; ++i) {
        ASSERT_EQ(b.bytes[y * b.img.stride + i], orig.bytes[y * b.img.stride + i]) << "padding written";
      }
    }
  }
  shroud_engine_destroy(e);
}

TEST_F(CapiTest, SealInPlaceRoundTripIsExactAndWrongKeyIsRefused) {
  shroud_engine* e = engine(R"("method": "seal", "placeholder": "noise", "keyset": ")" + keys_ + "\"");
  ASSERT_NE(e, nullptr);
  for (int format : {SHROUD_FORMAT_BGR, SHROUD_FORMAT_RGBA, SHROUD_FORMAT_GRAY}) {
    const int ch = format == SHROUD_FORMAT_GRAY ? 1 : (format <= SHROUD_FORMAT_RGB ? 3 : 4);
    Buffer b(64, 48, format, ch, 3);
    const std::vector<std::uint8_t> orig = b.bytes;
    // Sealing needs the container outputs.
    EXPECT_EQ(shroud_protect_image(e, &b.img, nullptr, nullptr, nullptr, nullptr), SHROUD_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(shroud_engine_last_error(e)).find("container"), std::string::npos);
    EXPECT_EQ(b.bytes, orig);
    std::uint8_t* container = nullptr;
    std::size_t container_n = 0;
    shroud_region* regions = nullptr;
    std::size_t count = 0;
    ASSERT_EQ(shroud_protect_image(e, &b.img, &regions, &count, &container, &container_n), SHROUD_OK)
        << shroud_engine_last_error(e);
    ASSERT_EQ(count, 2u);
    EXPECT_EQ(regions[0].index, 0u);
    EXPECT_EQ(regions[1].index, 1u);
    shroud_regions_free(regions);
    ASSERT_NE(container, nullptr);
    EXPECT_NE(b.bytes, orig);
    const std::vector<std::uint8_t> sealed = b.bytes;

    // Wrong key: refused, buffer untouched, message set.
    shroud_engine* other = engine("\"keyset\": \"" + other_ + "\"");
    ASSERT_NE(other, nullptr);
    const shroud_status s = shroud_recover_image(other, &b.img, container, container_n);
    EXPECT_TRUE(s == SHROUD_ERR_AUTHENTICATION || s == SHROUD_ERR_NOT_FOUND) << shroud_status_name(s);
    EXPECT_STRNE(shroud_engine_last_error(other), "");
    EXPECT_EQ(b.bytes, sealed);
    shroud_engine_destroy(other);
    // A flipped container byte: refused, untouched.
    std::vector<std::uint8_t> tampered(container, container + container_n);
    tampered[tampered.size() - 1] ^= 1;
    EXPECT_NE(shroud_recover_image(e, &b.img, tampered.data(), tampered.size()), SHROUD_OK);
    EXPECT_EQ(b.bytes, sealed);
    // A changed carrier pixel (pixels binding): refused.
    b.bytes[0] ^= 1;
    EXPECT_EQ(shroud_recover_image(e, &b.img, container, container_n), SHROUD_ERR_AUTHENTICATION)
        << shroud_engine_last_error(e);
    b.bytes[0] ^= 1;
    // The right key: bit-exact, padding included.
    ASSERT_EQ(shroud_recover_image(e, &b.img, container, container_n), SHROUD_OK) << shroud_engine_last_error(e);
    EXPECT_EQ(b.bytes, orig);
    shroud_free(container);
  }
  shroud_engine_destroy(e);
}

TEST_F(CapiTest, EncodedRoundTripAndMisuse) {
  shroud_engine* e = engine(R"("method": "seal", "keyset": ")" + keys_ + "\"");
  ASSERT_NE(e, nullptr);
  const cv::Mat original = shroud::testing::random_image(48, 64, CV_8UC3, 3);
  auto png = shroud::encode_image(original, "png");
  ASSERT_TRUE(png.ok());
  std::uint8_t* out = nullptr;
  std::size_t out_n = 0;
  // Misuse.
  EXPECT_EQ(shroud_protect_encoded(e, nullptr, 10, &out, &out_n, nullptr, nullptr), SHROUD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(shroud_protect_encoded(e, png->data(), 0, &out, &out_n, nullptr, nullptr), SHROUD_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(shroud_protect_encoded(e, png->data(), png->size(), nullptr, &out_n, nullptr, nullptr), SHROUD_ERR_INVALID_ARGUMENT);
  const std::uint8_t junk[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  EXPECT_EQ(shroud_protect_encoded(e, junk, sizeof junk, &out, &out_n, nullptr, nullptr), SHROUD_ERR_CORRUPT)
      << shroud_engine_last_error(e);
  EXPECT_EQ(out, nullptr);
  // Embedded container.
  ASSERT_EQ(shroud_protect_encoded(e, png->data(), png->size(), &out, &out_n, nullptr, nullptr), SHROUD_OK)
      << shroud_engine_last_error(e);
  std::uint8_t* rec = nullptr;
  std::size_t rec_n = 0;
  ASSERT_EQ(shroud_recover_encoded(e, out, out_n, nullptr, 0, &rec, &rec_n), SHROUD_OK) << shroud_engine_last_error(e);
  auto decoded = shroud::decode_image(std::vector<std::uint8_t>(rec, rec + rec_n));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(cv::norm(decoded->pixels, original, cv::NORM_INF), 0);
  shroud_free(rec);
  // Wrong key and tampering: refused with a message, no output.
  shroud_engine* other = engine("\"keyset\": \"" + other_ + "\"");
  ASSERT_NE(other, nullptr);
  const shroud_status wrong = shroud_recover_encoded(other, out, out_n, nullptr, 0, &rec, &rec_n);
  EXPECT_TRUE(wrong == SHROUD_ERR_AUTHENTICATION || wrong == SHROUD_ERR_NOT_FOUND) << shroud_status_name(wrong);
  EXPECT_EQ(rec, nullptr);
  EXPECT_STRNE(shroud_engine_last_error(other), "");
  shroud_engine_destroy(other);
  std::vector<std::uint8_t> flipped(out, out + out_n);
  flipped[flipped.size() / 2] ^= 0x10;
  EXPECT_NE(shroud_recover_encoded(e, flipped.data(), flipped.size(), nullptr, 0, &rec, &rec_n), SHROUD_OK);
  EXPECT_EQ(rec, nullptr);
  // A plain PNG holds no container.
  EXPECT_NE(shroud_recover_encoded(e, png->data(), png->size(), nullptr, 0, &rec, &rec_n), SHROUD_OK);
  shroud_free(out);
  // Sidecar: the container comes back separately and the image holds none.
  std::uint8_t* cont = nullptr;
  std::size_t cont_n = 0;
  ASSERT_EQ(shroud_protect_encoded(e, png->data(), png->size(), &out, &out_n, &cont, &cont_n), SHROUD_OK)
      << shroud_engine_last_error(e);
  ASSERT_NE(cont, nullptr);
  EXPECT_NE(shroud_recover_encoded(e, out, out_n, nullptr, 0, &rec, &rec_n), SHROUD_OK);
  EXPECT_EQ(shroud_recover_encoded(e, out, out_n, cont, 0, &rec, &rec_n), SHROUD_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(shroud_recover_encoded(e, out, out_n, cont, cont_n, &rec, &rec_n), SHROUD_OK) << shroud_engine_last_error(e);
  decoded = shroud::decode_image(std::vector<std::uint8_t>(rec, rec + rec_n));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(cv::norm(decoded->pixels, original, cv::NORM_INF), 0);
  shroud_free(rec);
  shroud_free(out);
  shroud_free(cont);
  shroud_engine_destroy(e);
}

// Recipient mode: an engine holding only the public key seals but cannot recover; the keyset
// holding the pair recovers exactly.
TEST_F(CapiTest, RecipientSealsOnlyKeysetRecovers) {
  auto ks = shroud::Keyset::generate();
  ASSERT_TRUE(ks.ok());
  auto pub = ks->add_recipient();
  ASSERT_TRUE(pub.ok());
  const std::string pair = dir_.file("dc.json"), pubfile = dir_.file("dc.pub");
  ASSERT_TRUE(shroud::save_keyset(*ks, pair, false).ok());
  std::ofstream(pubfile) << shroud::recipient_key_to_json(*pub);
  shroud_engine* camera = engine(R"("method": "seal", "recipient": ")" + pubfile + "\"");
  ASSERT_NE(camera, nullptr);
  Buffer b(64, 48, SHROUD_FORMAT_RGB, 3, 2);
  const std::vector<std::uint8_t> orig = b.bytes;
  std::uint8_t* container = nullptr;
  std::size_t container_n = 0;
  ASSERT_EQ(shroud_protect_image(camera, &b.img, nullptr, nullptr, &container, &container_n), SHROUD_OK)
      << shroud_engine_last_error(camera);
  EXPECT_NE(b.bytes, orig);
  EXPECT_EQ(shroud_recover_image(camera, &b.img, container, container_n), SHROUD_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(shroud_engine_last_error(camera)).find("keyset"), std::string::npos);
  shroud_engine* dc = engine("\"keyset\": \"" + pair + "\"");
  ASSERT_NE(dc, nullptr);
  ASSERT_EQ(shroud_recover_image(dc, &b.img, container, container_n), SHROUD_OK) << shroud_engine_last_error(dc);
  EXPECT_EQ(b.bytes, orig);
  shroud_free(container);
  shroud_engine_destroy(dc);
  shroud_engine_destroy(camera);
}

// The last error is per thread; concurrent protect calls on one engine work.
TEST_F(CapiTest, ConcurrentCallsAndPerThreadErrors) {
  shroud_engine* e = engine(R"("method": "pixelate")");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(shroud_detect(e, nullptr, nullptr, nullptr), SHROUD_ERR_INVALID_ARGUMENT);
  const std::string main_error = shroud_engine_last_error(e);
  EXPECT_FALSE(main_error.empty());
  std::string thread_error = "unset";
  std::thread([&] { thread_error = shroud_engine_last_error(e); }).join();
  EXPECT_EQ(thread_error, "");

  std::vector<Buffer> buffers;
  for (int i = 0; i < 4; ++i) buffers.emplace_back(64, 48, SHROUD_FORMAT_BGR, 3, 0, 100 + i);
  const std::vector<Buffer> originals = buffers;
  std::vector<shroud_status> status(buffers.size(), -1);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    threads.emplace_back([&, i] {
      for (int round = 0; round < 5 && status[i] != SHROUD_ERR_INTERNAL; ++round) {
        buffers[i].bytes = originals[i].bytes;
        status[i] = shroud_protect_image(e, &buffers[i].img, nullptr, nullptr, nullptr, nullptr);
      }
    });
  }
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    EXPECT_EQ(status[i], SHROUD_OK);
    EXPECT_NE(buffers[i].bytes, originals[i].bytes);
  }
  // The same result as a single call.
  Buffer single = originals[0];
  ASSERT_EQ(shroud_protect_image(e, &single.img, nullptr, nullptr, nullptr, nullptr), SHROUD_OK);
  EXPECT_EQ(single.bytes, buffers[0].bytes);
  shroud_engine_destroy(e);
}

}  // namespace capi_test
}  // namespace
