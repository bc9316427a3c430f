// A bad-input corpus (issue #13, part 5): every case is one `shroud` invocation on a prepared
// folder, with the expected exit code and a substring of the message. Each case is checked for:
// no crash (a documented exit code, not a signal), the expected error, and a folder that is
// byte-for-byte what it was before (no partial or temporary output, inputs untouched).
#include <sys/stat.h>

#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "cli_util.h"
#include "shroud/image_io.h"
#include "test_util.h"

namespace shroud {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string name;
  std::vector<std::string> args;  // "@" is replaced by the fixture folder
  int exit_code;
  std::string message;
};

using Snapshot = std::map<std::string, std::string>;

Snapshot snapshot(const fs::path& dir) {
  Snapshot s;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
    const auto st = fs::symlink_status(it->path());
    const std::string rel = fs::relative(it->path(), dir).string();
    if (fs::is_symlink(st)) s[rel] = "-> " + fs::read_symlink(it->path()).string();
    else if (fs::is_regular_file(st)) s[rel] = testing::read_text(it->path()) + "|mode" + std::to_string(static_cast<int>(st.permissions()));
    else s[rel] = "dir";
  }
  return s;
}

void put(const fs::path& p, const std::string& bytes) { testing::write_text(p, bytes); }

std::string bytes_file(const fs::path& p) { return testing::read_text(p); }

std::string le(std::uint32_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
  return s;
}

std::uint32_t crc32(const std::string& d) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char ch : d) {
    c ^= ch;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

// Flips one byte of the shRd chunk's data at `offset`, keeping the CRC valid when `fix_crc`.
std::string tamper_png(const std::string& png, std::size_t offset, bool fix_crc) {
  std::string t = png;
  for (std::size_t i = 8; i + 12 <= t.size();) {
    const std::size_t len = (std::size_t(std::uint8_t(t[i])) << 24) | (std::size_t(std::uint8_t(t[i + 1])) << 16) |
                            (std::size_t(std::uint8_t(t[i + 2])) << 8) | std::uint8_t(t[i + 3]);
    if (t.compare(i + 4, 4, "shRd") == 0) {
      t[i + 8 + offset] = static_cast<char>(t[i + 8 + offset] ^ 0x20);
      if (fix_crc) {
        const std::uint32_t c = crc32(t.substr(i + 4, len + 4));
        for (int k = 0; k < 4; ++k) t[i + 8 + len + k] = static_cast<char>(c >> (24 - 8 * k));
      }
      return t;
    }
    i += 12 + len;
  }
  return t;
}

class BadInputCorpus : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(testing::shroud_bin())) return;
    dir_ = new testing::TempDir();
    const fs::path d = dir_->path();
    const cv::Mat img = testing::random_image(50, 60, CV_8UC3, 5);
    ASSERT_TRUE(cv::imwrite((d / "good.png").string(), img));
    ASSERT_TRUE(cv::imwrite((d / "good.jpg").string(), img));
    ASSERT_TRUE(cv::imwrite((d / "deep.png").string(), testing::random_image(20, 20, CV_16UC3, 6)));
    put(d / "r.json", R"({"regions": [{"kind": "face", "box": [5, 5, 20, 20]}, {"kind": "plate", "box": [30, 20, 20, 10]}]})");
    ASSERT_EQ(testing::run_shroud({"-q", "keygen", (d / "keys.json").string()}).exit_code, 0);
    ASSERT_EQ(testing::run_shroud({"-q", "keygen", (d / "other.json").string()}).exit_code, 0);
    ASSERT_EQ(testing::run_shroud({"-q", "keygen", (d / "dc.json").string(), "--recipient", (d / "dc.pub").string()}).exit_code, 0);
    ASSERT_EQ(testing::run_shroud({"-q", "protect", (d / "good.png").string(), "-o", (d / "sealed.png").string(), "--regions-in",
                                   (d / "r.json").string(), "--method", "seal", "--key", (d / "keys.json").string(),
                                   "--mask-scale", "1"}).exit_code, 0);
    ASSERT_EQ(testing::run_shroud({"-q", "protect", (d / "good.png").string(), "-o", (d / "sealed-dc.png").string(), "--regions-in",
                                   (d / "r.json").string(), "--method", "seal", "--recipient", (d / "dc.pub").string()}).exit_code, 0);
    ASSERT_EQ(testing::run_shroud({"-q", "protect", (d / "good.png").string(), "-o", (d / "side.png").string(), "--regions-in",
                                   (d / "r.json").string(), "--method", "seal", "--key", (d / "keys.json").string(),
                                   "--sidecar"}).exit_code, 0);
    const std::string png = bytes_file(d / "good.png"), jpg = bytes_file(d / "good.jpg"), sealed = bytes_file(d / "sealed.png");
    // Truncated and malformed images.
    put(d / "empty.png", "");
    put(d / "text.jpg", "hello, this is not an image\n");
    put(d / "half.png", png.substr(0, png.size() / 2));
    put(d / "header.png", png.substr(0, 24));
    put(d / "cut.jpg", jpg.substr(0, jpg.size() * 2 / 3));
    put(d / "soi.jpg", "\xFF\xD8\xFF");
    put(d / "bmp-short.bmp", "BM\x10\x00");
    put(d / "tiff-short.tif", std::string("II*\x00\x08\x00", 6));
    put(d / "tiff-baddir.tif", std::string("II*\x00", 4) + le(4000, 4) + std::string(16, '\0'));
    put(d / "webp-short.webp", std::string("RIFF\x10\x00\x00\x00WEBP", 12));
    put(d / "webp-nochunk.webp", std::string("RIFF") + le(30, 4) + "WEBPJUNK" + std::string(30, '\0'));
    put(d / "pnm-bad.ppm", "P6\nabc def\n255\n");
    put(d / "pnm-zero.ppm", "P6\n0 10\n255\n");
    put(d / "png-zero.png", png.substr(0, 16) + std::string(8, '\0') + png.substr(24));
    // Decompression bombs: headers of huge images in small files.
    put(d / "bomb.webp", std::string("RIFF") + le(56, 4) + "WEBPVP8X" + le(10, 4) + std::string(4, '\0') + le(16382, 3) +
                             le(16382, 3) + "VP8L" + std::string(30, '\0'));
    put(d / "bomb.bmp", std::string("BM") + le(64, 4) + le(0, 4) + le(54, 4) + le(40, 4) + le(20000, 4) + le(20000, 4) +
                            le(1, 2) + le(24, 2) + std::string(26, '\0'));
    put(d / "bomb.ppm", "P6\n30000 30000\n255\n\x01");
    put(d / "bomb.tif", std::string("II*\x00", 4) + le(8, 4) + le(2, 2) + le(256, 2) + le(4, 2) + le(1, 4) + le(40000, 4) +
                            le(257, 2) + le(4, 2) + le(1, 4) + le(40000, 4) + le(0, 4));
    put(d / "bomb.png", png.substr(0, 16) + std::string("\x00\x01\x00\x00\x00\x01\x00\x00", 8) + png.substr(24));
    // Regions, policy and keyset files.
    put(d / "reg-notjson.json", "{\"regions\": [");
    put(d / "reg-image5.json", R"({"image": 5, "regions": []})");
    put(d / "reg-noregions.json", R"({"image": "x.png"})");
    put(d / "reg-object.json", R"({"regions": {}})");
    put(d / "reg-box3.json", R"({"regions": [{"box": [1, 2, 3]}]})");
    put(d / "reg-negw.json", R"({"regions": [{"box": [1, 2, -3, 4]}]})");
    put(d / "reg-huge.json", R"({"regions": [{"box": [1e12, 2, 3, 4]}]})");
    put(d / "reg-kind.json", R"({"regions": [{"kind": "unicorn", "box": [1, 2, 3, 4]}]})");
    put(d / "reg-boxstr.json", R"({"regions": [{"box": "1,2,3,4"}]})");
    put(d / "reg-dup.json", R"([{"image": "a.png", "regions": []}, {"image": "./a.png", "regions": []}])");
    put(d / "reg-twodefaults.json", "{\"regions\": []}\n{\"regions\": []}\n");
    put(d / "reg-other.json", R"({"image": "elsewhere/good.png", "regions": [{"box": [1, 2, 3, 4]}]})");
    put(d / "reg-empty.json", "");
    put(d / "reg-array5.json", "[5]");
    put(d / "pol-notjson.json", "{method: blur}");
    put(d / "pol-unknown.json", R"({"method": "blur", "colour": 3})");
    put(d / "pol-cells.json", R"({"method": "pixelate", "pixel_cells": 1000})");
    put(d / "pol-strength.json", R"({"method": "blur", "blur_strength": 0.01})");
    put(d / "pol-scale.json", R"({"mask_scale": 100})");
    put(d / "pol-method.json", R"({"method": "shred"})");
    put(d / "pol-kind.json", R"({"kinds": ["unicorn"]})");
    put(d / "pol-type.json", R"({"mask_scale": "big"})");
    const std::string keys = bytes_file(d / "keys.json");
    put(d / "ks-notjson.json", "not json");
    put(d / "ks-format.json", R"({"format": "other", "version": 1, "primary": 1, "keys": []})");
    put(d / "ks-version.json", R"({"format": "shroud-keyset", "version": 9, "primary": 1, "keys": []})");
    put(d / "ks-extra.json", keys.substr(0, keys.rfind('}')) + ", \"extra\": 1}");
    put(d / "ks-badb64.json", R"({"format": "shroud-keyset", "version": 1, "primary": 7, "keys": [{"id": 7, "status": "enabled", "algorithm": "xchacha20poly1305-hkdf-sha256", "created": "2026-01-01T00:00:00Z", "material": "!!!"}]})");
    put(d / "ks-short.json", R"({"format": "shroud-keyset", "version": 1, "primary": 7, "keys": [{"id": 7, "status": "enabled", "algorithm": "xchacha20poly1305-hkdf-sha256", "created": "2026-01-01T00:00:00Z", "material": "AAAA"}]})");
    for (const char* f : {"ks-notjson.json", "ks-format.json", "ks-version.json", "ks-extra.json", "ks-badb64.json", "ks-short.json"}) {
      fs::permissions(d / f, fs::perms::owner_read | fs::perms::owner_write);
    }
    put(d / "ks-open.json", keys);
    fs::permissions(d / "ks-open.json", fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
    fs::create_symlink(d / "keys.json", d / "ks-link.json");
    // Tampered containers.
    put(d / "t-crc.png", tamper_png(sealed, 200, false));
    put(d / "t-manifest.png", tamper_png(sealed, 20, true));
    put(d / "t-body.png", tamper_png(sealed, 108 + 2 * 84 + 32 + 10, true));
    put(d / "t-keyid.png", tamper_png(sealed, 12, true));
    put(d / "t-magic.png", tamper_png(sealed, 0, true));
    put(d / "t-version.png", tamper_png(sealed, 4, true));
    put(d / "t-count.png", tamper_png(sealed, 70, true));
    put(d / "side-bad.shroud", "SHRD garbage");
    put(d / "exists.png", "already here");
    fs::create_symlink(d / "elsewhere.png", d / "link.png");
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (dir_ == nullptr) GTEST_SKIP() << "missing " << testing::shroud_bin();
  }
  static testing::TempDir* dir_;
};
testing::TempDir* BadInputCorpus::dir_ = nullptr;

std::vector<Case> corpus() {
  const std::vector<std::string> fill = {"--regions-in", "@/r.json", "--method", "fill"};
  auto protect = [&](const std::string& in, const std::string& out, std::vector<std::string> extra = {}) {
    std::vector<std::string> a = {"protect", "@/" + in, "-o", "@/" + out};
    if (extra.empty()) extra = fill;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  auto seal = [&](const std::string& keyflag, const std::string& key) {
    return std::vector<std::string>{"--regions-in", "@/r.json", "--method", "seal", keyflag, key};
  };
  auto regions = [&](const std::string& file) { return std::vector<std::string>{"--regions-in", "@/" + file, "--method", "fill"}; };
  auto policy = [&](const std::string& file) {
    return std::vector<std::string>{"--regions-in", "@/r.json", "--policy", "@/" + file};
  };
  auto recover = [](const std::string& in, std::vector<std::string> extra) {
    std::vector<std::string> a = {"recover", "@/" + in, "-o", "@/rec.png"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  const std::vector<std::string> key = {"--key", "@/keys.json"};
  return {
      // Images: empty, not images, truncated, malformed headers.
      {"empty file", protect("empty.png", "o.png"), 5, "empty"},
      {"text named .jpg", protect("text.jpg", "o.png"), 5, "not an image"},
      {"half a PNG", protect("half.png", "o.png"), 5, "'"},
      {"PNG header only", protect("header.png", "o.png"), 5, "'"},
      {"two thirds of a JPEG", protect("cut.jpg", "o.png"), 5, "truncated"},
      {"JPEG SOI only", protect("soi.jpg", "o.png"), 5, "JPEG"},
      {"short BMP", protect("bmp-short.bmp", "o.png"), 5, "BMP header is truncated"},
      {"short TIFF", protect("tiff-short.tif", "o.png"), 5, "TIFF header is truncated"},
      {"TIFF directory past the end", protect("tiff-baddir.tif", "o.png"), 5, "TIFF directory"},
      {"short WebP", protect("webp-short.webp", "o.png"), 5, "WebP header is truncated"},
      {"WebP without VP8 chunk", protect("webp-nochunk.webp", "o.png"), 5, "WebP"},
      {"PNM with text size", protect("pnm-bad.ppm", "o.png"), 5, "PNM header"},
      {"PNM of width 0", protect("pnm-zero.ppm", "o.png"), 5, "invalid size"},
      {"PNG of width 0", protect("png-zero.png", "o.png"), 5, "invalid size"},
      {"missing input", protect("nothing.png", "o.png"), 3, "nothing.png"},
      // Bombs.
      {"WebP bomb", protect("bomb.webp", "o.png"), 9, "--max-pixels"},
      {"BMP bomb", protect("bomb.bmp", "o.png"), 9, "--max-pixels"},
      {"PNM bomb", protect("bomb.ppm", "o.png"), 9, "--max-pixels"},
      {"TIFF bomb", protect("bomb.tif", "o.png"), 9, "--max-pixels"},
      {"PNG bomb", protect("bomb.png", "o.png"), 9, "--max-pixels"},
      {"limit lowered", {"protect", "@/good.png", "-o", "@/o.png", "--regions-in", "@/r.json", "--method", "fill",
                         "--max-pixels", "100"}, 9, "over the limit of 100 pixels"},
      // Outputs.
      {"output folder missing", protect("good.png", "no/such/o.png"), 3, "does not exist"},
      {"output exists", protect("good.png", "exists.png"), 2, "already exists"},
      {"output is a symlink", protect("good.png", "link.png"), 7, "symbolic link"},
      {"output format unknown", protect("good.png", "o.xyz"), 4, "xyz"},
      {"16-bit into JPEG", protect("deep.png", "o.jpg"), 4, "16-bit"},
      {"in place of the input", protect("good.png", "good.png"), 2, "'"},
      // Regions files.
      {"regions: not JSON", protect("good.png", "o.png", regions("reg-notjson.json")), 2, "not valid JSON"},
      {"regions: image is a number", protect("good.png", "o.png", regions("reg-image5.json")), 2, "\"image\""},
      {"regions: no regions", protect("good.png", "o.png", regions("reg-noregions.json")), 2, "\"regions\""},
      {"regions: object", protect("good.png", "o.png", regions("reg-object.json")), 2, "must be an array"},
      {"regions: 3-number box", protect("good.png", "o.png", regions("reg-box3.json")), 2, "[x, y, w, h]"},
      {"regions: negative width", protect("good.png", "o.png", regions("reg-negw.json")), 2, "w, h > 0"},
      {"regions: huge coordinate", protect("good.png", "o.png", regions("reg-huge.json")), 2, "finite"},
      {"regions: unknown kind", protect("good.png", "o.png", regions("reg-kind.json")), 2, "unicorn"},
      {"regions: box is a string", protect("good.png", "o.png", regions("reg-boxstr.json")), 2, "malformed region"},
      {"regions: image twice", protect("good.png", "o.png", regions("reg-dup.json")), 2, "listed twice"},
      {"regions: two defaults", protect("good.png", "o.png", regions("reg-twodefaults.json")), 2, "two entries"},
      {"regions: image not listed", protect("good.png", "o.png", regions("reg-other.json")), 3, "--allow-unlisted"},
      {"regions: empty file", protect("good.png", "o.png", regions("reg-empty.json")), 2, "regions file"},
      {"regions: array of numbers", protect("good.png", "o.png", regions("reg-array5.json")), 2, "regions file"},
      {"regions: missing file", protect("good.png", "o.png", regions("reg-missing.json")), 3, "reg-missing.json"},
      // Policy files and method options.
      {"policy: not JSON", protect("good.png", "o.png", policy("pol-notjson.json")), 2, "policy"},
      {"policy: unknown key", protect("good.png", "o.png", policy("pol-unknown.json")), 2, "unknown key"},
      {"policy: 1000 cells", protect("good.png", "o.png", policy("pol-cells.json")), 2, "strength floor"},
      {"policy: weak blur", protect("good.png", "o.png", policy("pol-strength.json")), 2, "strength floor"},
      {"policy: mask scale 100", protect("good.png", "o.png", policy("pol-scale.json")), 2, "mask_scale"},
      {"policy: unknown method", protect("good.png", "o.png", policy("pol-method.json")), 2, "shred"},
      {"policy: unknown kind", protect("good.png", "o.png", policy("pol-kind.json")), 2, "unicorn"},
      {"policy: wrong type", protect("good.png", "o.png", policy("pol-type.json")), 2, "policy"},
      {"policy: missing", protect("good.png", "o.png", policy("pol-missing.json")), 3, "pol-missing.json"},
      {"--cells 17", protect("good.png", "o.png", {"--regions-in", "@/r.json", "--method", "pixelate", "--cells", "17"}), 2, "strength floor"},
      {"--strength 0.1", protect("good.png", "o.png", {"--regions-in", "@/r.json", "--method", "blur", "--strength", "0.1"}), 2, "strength floor"},
      {"seal placeholder 1000 cells", protect("good.png", "o.png", {"--regions-in", "@/r.json", "--method", "seal", "--key", "@/keys.json",
                                                                    "--placeholder", "pixelate", "--cells", "1000"}), 2, "strength floor"},
      {"unknown placeholder", protect("good.png", "o.png", {"--regions-in", "@/r.json", "--method", "seal", "--key", "@/keys.json",
                                                            "--placeholder", "smudge"}), 2, "smudge"},
      // Keys.
      {"seal without a key", protect("good.png", "o.png", {"--regions-in", "@/r.json", "--method", "seal"}), 2, "--key"},
      {"seal with two keys", protect("good.png", "o.png", {"--regions-in", "@/r.json", "--method", "seal", "--key", "@/keys.json",
                                                           "--recipient", "@/dc.pub"}), 2, "exactly one"},
      {"keyset missing", protect("good.png", "o.png", seal("--key", "@/none.json")), 3, "none.json"},
      {"keyset readable by others", protect("good.png", "o.png", seal("--key", "@/ks-open.json")), 7, "mode"},
      {"keyset is a symlink", protect("good.png", "o.png", seal("--key", "@/ks-link.json")), 7, "symbolic link"},
      {"keyset not JSON", protect("good.png", "o.png", seal("--key", "@/ks-notjson.json")), 5, "keyset"},
      {"keyset of another format", protect("good.png", "o.png", seal("--key", "@/ks-format.json")), 5, "shroud-keyset"},
      {"keyset version 9", protect("good.png", "o.png", seal("--key", "@/ks-version.json")), 4, "version"},
      {"keyset with an extra field", protect("good.png", "o.png", seal("--key", "@/ks-extra.json")), 5, "extra"},
      {"keyset with bad base64", protect("good.png", "o.png", seal("--key", "@/ks-badb64.json")), 5, "base64"},
      {"keyset with a short key", protect("good.png", "o.png", seal("--key", "@/ks-short.json")), 5, "32 bytes"},
      {"keyset as recipient", protect("good.png", "o.png", seal("--recipient", "@/keys.json")), 5, "recipient key"},
      {"public key as keyset", protect("good.png", "o.png", seal("--key", "@/dc.pub")), 2, "recipient public key"},
      // Recover.
      {"recover an unsealed image", recover("good.png", key), 3, "no shroud container"},
      {"recover with another keyset", recover("sealed.png", {"--key", "@/other.json"}), 3, "not in this keyset"},
      {"recover with a public key", recover("sealed-dc.png", {"--key", "@/dc.pub"}), 2, "recipient public key"},
      {"recover recipient file with a symmetric keyset", recover("sealed-dc.png", key), 3, "not in this keyset"},
      {"recover: chunk CRC broken", recover("t-crc.png", key), 5, "CRC"},
      {"recover: salt changed, CRC fixed", recover("t-manifest.png", key), 6, "manifest authentication failed"},
      {"recover: ciphertext changed, CRC fixed", recover("t-body.png", key), 6, "authentication failed"},
      {"recover: key id changed", recover("t-keyid.png", key), 3, "not in this keyset"},
      {"recover: magic changed", recover("t-magic.png", key), 5, "'"},
      {"recover: version changed", recover("t-version.png", key), 4, "version"},
      {"recover: region count changed", recover("t-count.png", key), 9, "over the limit of 4096"},
      {"recover: region out of range", recover("sealed.png", {"--key", "@/keys.json", "--region", "7"}), 2, "does not exist"},
      {"recover: kind not present", recover("sealed.png", {"--key", "@/keys.json", "--kind", "person"}), 3, "no region matches"},
      {"recover: output exists", {"recover", "@/sealed.png", "-o", "@/exists.png", "--key", "@/keys.json"}, 2, "already exists"},
      {"recover: sidecar missing", recover("side.png", key), 3, "sidecar"},
      {"recover: sidecar garbage", recover("side.png", {"--key", "@/keys.json", "--sidecar", "@/side-bad.shroud"}), 5, "'"},
      {"recover: sidecar and embedded", recover("sealed.png", {"--key", "@/keys.json", "--sidecar", "@/side.png.shroud"}), 5, "two containers"},
      // keygen.
      {"keygen over a keyset", {"keygen", "@/keys.json"}, 2, "--discard-old-keys"},
      {"keygen -f over a keyset", {"keygen", "@/keys.json", "-f"}, 2, "--discard-old-keys"},
      {"keygen scheme over a keyset", {"keygen", "--scheme", "msai-l", "-o", "@/keys.json"}, 2, "--discard-old-keys"},
      {"keygen --rotate of a missing keyset", {"keygen", "@/none.json", "--rotate"}, 3, "none.json"},
      {"keygen disable an unknown id", {"keygen", "@/keys.json", "--disable", "12345"}, 3, "no key with id"},
      {"keygen two modes", {"keygen", "@/keys.json", "--rotate", "--list"}, 2, "only one"},
      {"keygen recipient into a missing folder", {"keygen", "@/no/dc.json", "--recipient", "@/new.pub"}, 3, "does not exist"},
      {"keygen recipient over a public key", {"keygen", "@/dc.json", "--recipient", "@/dc.pub"}, 2, "already exists"},
      {"keygen unknown scheme", {"keygen", "--scheme", "rot13", "-o", "@/rot.key"}, 2, "rot13"},
  };
}

TEST_F(BadInputCorpus, EveryCaseFailsCleanly) {
  const fs::path d = dir_->path();
  const auto cases = corpus();
  int passed = 0;
  for (const auto& c : cases) {
    std::vector<std::string> args;
    for (std::string a : c.args) {
      if (const auto at = a.find('@'); at != std::string::npos) a.replace(at, 1, d.string());
      args.push_back(a);
    }
    const Snapshot before = snapshot(d);
    const auto r = testing::run_shroud(args);
    const Snapshot after = snapshot(d);
    bool ok = true;
    EXPECT_EQ(r.exit_code, c.exit_code) << c.name << "\n" << r.output;
    ok = ok && r.exit_code == c.exit_code;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.name << ": no '" << c.message << "' in\n" << r.output;
    ok = ok && r.output.find(c.message) != std::string::npos;
    EXPECT_TRUE(before == after) << c.name << ": the folder changed (partial output or an input was modified)";
    ok = ok && before == after;
    passed += ok;
  }
  std::printf("bad-input corpus: %d of %zu cases failed cleanly\n", passed, cases.size());
}

}  // namespace
}  // namespace shroud
