// MSAI: msai-l exactness and rejection, msai-paper's honest loss, the three-party protocol and its
// message files.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cmath>
#include <fstream>
#include <limits>

#include "shroud/schemes/msai.h"
#include "shroud/schemes/msai_l.h"
#include "shroud/schemes/msai_paper.h"
#include "test_util.h"

namespace shroud::schemes {
namespace {
namespace schemes_msai_test {  // one namespace per file: unity builds batch the tests

using shroud::testing::random_image;
using shroud::testing::TempDir;

using shroud::testing::mats_equal;

// PSNR in dB for 8-bit images; +inf when identical.
double psnr8(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat d;
  cv::absdiff(a, b, d);
  d.convertTo(d, CV_64F);
  const double mse = cv::sum(d.mul(d))[0] / (static_cast<double>(a.total()) * a.channels());
  if (mse == 0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(255.0 * 255.0 / mse);
}

TEST(SchemesMsaiL, InverseAndParameters) {
  for (std::uint64_t k : {std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{12345678901234567}, kMsaiLModulus - 1}) {
    const std::uint64_t inv = msai_l_inverse(k);
    EXPECT_EQ(static_cast<std::uint64_t>(static_cast<unsigned __int128>(k) * inv % kMsaiLModulus), 1u) << k;
  }
  for (int i = 0; i < 50; ++i) {
    auto key = msai_l_generate_key();
    ASSERT_TRUE(key.ok());
    EXPECT_TRUE(msai_l_check_key(*key).ok());
  }
  EXPECT_FALSE(msai_l_check_key(MsaiLKey(0)).ok());
  EXPECT_FALSE(msai_l_check_key(MsaiLKey(kMsaiLModulus)).ok());
}

TEST(SchemesMsaiL, MembraneCarriesBoundedNoise) {
  auto key = msai_l_generate_key();
  ASSERT_TRUE(key.ok());
  auto lambda = msai_l_membrane(*key, 5000);
  ASSERT_TRUE(lambda.ok());
  std::uint64_t lo = ~0ull, hi = 0;
  for (auto l : *lambda) {
    const std::uint64_t t = static_cast<std::uint64_t>(static_cast<unsigned __int128>(key->k) * l % kMsaiLModulus);
    lo = std::min(lo, t);
    hi = std::max(hi, t);
  }
  EXPECT_GE(lo, kMsaiLW - kMsaiLNoise);
  EXPECT_LE(hi, kMsaiLW + kMsaiLNoise);
  EXPECT_LT(lo, kMsaiLW - kMsaiLNoise / 2);   // noise spans the range
  EXPECT_GT(hi, kMsaiLW + kMsaiLNoise / 2);
}

class SchemesMsaiLRoundTrip : public ::testing::TestWithParam<std::tuple<int, cv::Size>> {};

TEST_P(SchemesMsaiLRoundTrip, ExactAndRejectsWrongKey) {
  const auto [type, size] = GetParam();
  cv::Mat area = random_image(size.height, size.width, type, 21);
  // Include the extremes.
  area.reshape(1).at<std::uint8_t>(0) = 0;
  if (CV_MAT_DEPTH(type) == CV_8U) area.reshape(1).ptr<std::uint8_t>(0)[area.reshape(1).cols - 1] = 255;
  auto key = msai_l_generate_key();
  ASSERT_TRUE(key.ok());
  const int ch = CV_MAT_CN(type);
  auto lambda = msai_l_membrane(*key, static_cast<std::size_t>(size.area()) * ch);
  ASSERT_TRUE(lambda.ok());
  auto masked = msai_l_mask(area, *lambda, size.height, size.width);
  ASSERT_TRUE(masked.ok()) << masked.error().message;
  auto back = msai_l_unmask(*masked, size, type, *key);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(mats_equal(*back, area));
  // Wrong keys are rejected (each sample passes by chance with probability ~2^-30) unless every
  // sample is zero, which this image is not.
  for (int i = 0; i < 10; ++i) {
    auto wrong = msai_l_generate_key();
    ASSERT_TRUE(wrong.ok());
    auto r = msai_l_unmask(*masked, size, type, *wrong);
    if (size.area() * ch > 1) {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error().code, ErrorCode::kAuthentication);
    }
  }
  MsaiLKey off_by_one(key->k % (kMsaiLModulus - 1) + 1);
  if (size.area() * ch > 1) {
    EXPECT_EQ(msai_l_unmask(*masked, size, type, off_by_one).error().code, ErrorCode::kAuthentication);
  }
}

INSTANTIATE_TEST_SUITE_P(TypesAndSizes, SchemesMsaiLRoundTrip,
                         ::testing::Combine(::testing::Values(CV_8UC1, CV_8UC3, CV_8UC4, CV_16UC1, CV_16UC3),
                                            ::testing::Values(cv::Size(37, 53), cv::Size(1, 1), cv::Size(8, 8),
                                                              cv::Size(9, 7))));

TEST(SchemesMsaiL, TamperingAndBadValuesAreCaught) {
  const cv::Mat area = random_image(6, 5, CV_8UC3, 2);
  auto key = msai_l_generate_key();
  auto lambda = msai_l_membrane(*key, area.total() * 3);
  auto masked = msai_l_mask(area, *lambda, 6, 5);
  ASSERT_TRUE(masked.ok());
  auto t = *masked;
  t[7] = (t[7] + 1) % kMsaiLModulus;
  EXPECT_EQ(msai_l_unmask(t, area.size(), area.type(), *key).error().code, ErrorCode::kAuthentication);
  t = *masked;
  t[3] = kMsaiLModulus;
  EXPECT_EQ(msai_l_unmask(t, area.size(), area.type(), *key).error().code, ErrorCode::kCorrupt);
  t.pop_back();
  EXPECT_EQ(msai_l_unmask(t, area.size(), area.type(), *key).error().code, ErrorCode::kCorrupt);
  // A larger membrane works (top-left part), a smaller one does not.
  auto big = msai_l_membrane(*key, 10 * 9 * 3);
  auto m2 = msai_l_mask(area, *big, 10, 9);
  ASSERT_TRUE(m2.ok());
  EXPECT_TRUE(mats_equal(*msai_l_unmask(*m2, area.size(), area.type(), *key), area));
  EXPECT_FALSE(msai_l_mask(area, *lambda, 5, 5).ok());
  EXPECT_EQ(msai_l_mask(cv::Mat(3, 3, CV_32FC1), *lambda, 6, 5).error().code, ErrorCode::kUnsupported);
}

TEST(SchemesMsaiPaper, LosesValuesAbove250AndOnlyThose) {
  auto key = msai_paper_generate_key();
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(msai_paper_check_key(*key).ok());
  // Values < 251: exact (infinite PSNR), for every k.
  cv::Mat low = random_image(37, 53, CV_8UC3, 8);
  cv::min(low, cv::Scalar::all(250), low);
  for (int k : {1, 2, 97, 250}) {
    const MsaiPaperKey kk{k};
    auto lambda = msai_paper_membrane(kk, low.total() * 3);
    ASSERT_TRUE(lambda.ok());
    auto masked = msai_paper_mask(low, *lambda, low.rows, low.cols);
    ASSERT_TRUE(masked.ok());
    auto back = msai_paper_unmask(*masked, low.size(), 3, kk);
    ASSERT_TRUE(back.ok());
    EXPECT_TRUE(std::isinf(psnr8(*back, low))) << "k = " << k;
  }
  // Values >= 251 come back as value - 251: finite PSNR.
  const cv::Mat full = random_image(37, 53, CV_8UC3, 9);
  auto lambda = msai_paper_membrane(*key, full.total() * 3);
  auto masked = msai_paper_mask(full, *lambda, full.rows, full.cols);
  ASSERT_TRUE(masked.ok());
  auto back = msai_paper_unmask(*masked, full.size(), 3, *key);
  ASSERT_TRUE(back.ok());
  const double p = psnr8(*back, full);
  EXPECT_TRUE(std::isfinite(p));
  EXPECT_LT(p, 40.0);
  for (std::size_t i = 0; i < full.total() * 3; ++i) {
    const int o = full.data[i];
    EXPECT_EQ(back->data[i], o % 251) << i;
  }
  // The wrong key does not fail: it silently gives other pixels.
  auto wrong = msai_paper_unmask(*masked, full.size(), 3, MsaiPaperKey{key->k % 250 + 1});
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE(mats_equal(*wrong, *back));
  EXPECT_EQ(msai_paper_mask(cv::Mat(4, 4, CV_16UC1), *lambda, 37, 53).error().code, ErrorCode::kUnsupported);
  EXPECT_FALSE(msai_paper_check_key(MsaiPaperKey{0}).ok());
  EXPECT_FALSE(msai_paper_check_key(MsaiPaperKey{251}).ok());
}

struct Parties {
  MsaiKey key;
  MsaiMembrane membrane;
  MsaiTauKey tau;
};

Parties setup(MsaiScheme scheme, int rows, int cols, int channels, int block_size = 8) {
  Parties p;
  p.key = *msai_generate_key(scheme);
  p.membrane = *msai_cloud_membrane(p.key, rows, cols, channels);
  p.tau = *msai_generate_tau(block_size);
  return p;
}

class SchemesMsaiProtocol : public ::testing::TestWithParam<std::tuple<int, cv::Size>> {};

TEST_P(SchemesMsaiProtocol, LosslessEndToEndThroughFiles) {
  const auto [type, size] = GetParam();
  const cv::Mat img = random_image(size.height, size.width, type, 13);
  const cv::Rect area(size.width / 4, size.height / 3, std::max(1, size.width / 2), std::max(1, size.height / 2));
  Parties p = setup(MsaiScheme::kLossless, area.height + 2, area.width, CV_MAT_CN(type));
  auto out = msai_camera_protect(img, area, p.membrane, p.tau, 4);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->visible.size(), img.size());
  // Every message crosses a file boundary.
  auto membrane = parse_membrane(serialize_membrane(p.membrane));
  ASSERT_TRUE(membrane.ok()) << membrane.error().message;
  EXPECT_EQ(membrane->values, p.membrane.values);
  auto payload = parse_payload(serialize_payload(out->payload));
  ASSERT_TRUE(payload.ok()) << payload.error().message;
  auto key = msai_key_from_json(msai_key_to_json(p.key));
  ASSERT_TRUE(key.ok());
  auto tau = msai_tau_from_json(msai_tau_to_json(p.tau));
  ASSERT_TRUE(tau.ok());
  auto back = msai_datacenter_recover(out->visible, *payload, *key, *tau);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(mats_equal(*back, img));
  // A wrong k is rejected.
  MsaiKey wrong(MsaiScheme::kLossless, key->k % (kMsaiLModulus - 1) + 1);
  EXPECT_EQ(msai_datacenter_recover(out->visible, *payload, wrong, *tau).error().code, ErrorCode::kAuthentication);
}

INSTANTIATE_TEST_SUITE_P(TypesAndSizes, SchemesMsaiProtocol,
                         ::testing::Combine(::testing::Values(CV_8UC1, CV_8UC3, CV_8UC4, CV_16UC1, CV_16UC3),
                                            ::testing::Values(cv::Size(37, 53), cv::Size(1, 1), cv::Size(8, 8),
                                                              cv::Size(9, 7), cv::Size(80, 64))));

TEST(SchemesMsai, PaperEndToEnd) {
  cv::Mat img = random_image(40, 48, CV_8UC3, 17);
  const cv::Rect area(8, 8, 24, 16);
  Parties p = setup(MsaiScheme::kPaper, 16, 24, 3);
  auto out = msai_camera_protect(img, area, p.membrane, p.tau, 0);
  ASSERT_TRUE(out.ok()) << out.error().message;
  auto payload = parse_payload(serialize_payload(out->payload));
  ASSERT_TRUE(payload.ok()) << payload.error().message;
  auto back = msai_datacenter_recover(out->visible, *payload, p.key, p.tau);
  ASSERT_TRUE(back.ok());
  // Outside the area exact; inside, value mod 251.
  cv::Mat expect = img.clone();
  for (int y = area.y; y < area.br().y; ++y) {
    for (int x = area.x * 3; x < area.br().x * 3; ++x) expect.ptr(y)[x] = static_cast<std::uint8_t>(img.ptr(y)[x] % 251);
  }
  EXPECT_TRUE(mats_equal(*back, expect));
  EXPECT_EQ(msai_camera_protect(cv::Mat(8, 8, CV_16UC3), cv::Rect(0, 0, 4, 4), p.membrane, p.tau, 0).error().code,
            ErrorCode::kUnsupported);
}

TEST(SchemesMsai, CameraAndDataCentreRejectMismatches) {
  const cv::Mat img = random_image(32, 32, CV_8UC3, 1);
  Parties p = setup(MsaiScheme::kLossless, 10, 10, 3);
  EXPECT_FALSE(msai_camera_protect(img, cv::Rect(0, 0, 11, 10), p.membrane, p.tau, 0).ok());    // area > membrane
  EXPECT_FALSE(msai_camera_protect(img, cv::Rect(30, 30, 5, 5), p.membrane, p.tau, 0).ok());    // outside
  EXPECT_FALSE(msai_camera_protect(random_image(32, 32, CV_8UC1, 1), cv::Rect(0, 0, 5, 5), p.membrane, p.tau, 0).ok());
  EXPECT_FALSE(msai_camera_protect(img, cv::Rect(0, 0, 5, 5), p.membrane, p.tau, -1).ok());
  auto out = msai_camera_protect(img, cv::Rect(3, 3, 10, 10), p.membrane, p.tau, 0);
  ASSERT_TRUE(out.ok());
  MsaiKey paper_key(MsaiScheme::kPaper, 5);
  EXPECT_FALSE(msai_datacenter_recover(out->visible, out->payload, paper_key, p.tau).ok());
  MsaiTauKey other_bs = p.tau;
  other_bs.block_size = 4;
  EXPECT_FALSE(msai_datacenter_recover(out->visible, out->payload, p.key, other_bs).ok());
  EXPECT_FALSE(msai_datacenter_recover(out->visible(cv::Rect(0, 0, 31, 32)), out->payload, p.key, p.tau).ok());
  cv::Mat gray;
  cv::extractChannel(out->visible, gray, 0);
  EXPECT_FALSE(msai_datacenter_recover(gray, out->payload, p.key, p.tau).ok());
  // An empty area: only scrambling.
  auto none = msai_camera_protect(img, cv::Rect(), p.membrane, p.tau, 1);
  ASSERT_TRUE(none.ok());
  auto back = msai_datacenter_recover(none->visible, *parse_payload(serialize_payload(none->payload)), p.key, p.tau);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(mats_equal(*back, img));
}

TEST(SchemesMsaiFiles, ParsersRejectMalformedMessages) {
  const cv::Mat img = random_image(16, 16, CV_8UC3, 1);
  Parties p = setup(MsaiScheme::kLossless, 4, 4, 3);
  auto out = msai_camera_protect(img, cv::Rect(2, 2, 4, 4), p.membrane, p.tau, 0);
  ASSERT_TRUE(out.ok());
  const auto payload = serialize_payload(out->payload);
  const auto membrane = serialize_membrane(p.membrane);
  // Every truncation fails cleanly.
  for (std::size_t n = 0; n < payload.size(); ++n) {
    EXPECT_FALSE(parse_payload(std::vector<std::uint8_t>(payload.begin(), payload.begin() + n)).ok()) << n;
  }
  for (std::size_t n = 0; n < membrane.size(); ++n) {
    EXPECT_FALSE(parse_membrane(std::vector<std::uint8_t>(membrane.begin(), membrane.begin() + n)).ok()) << n;
  }
  // Trailing bytes, bad magic, swapped message types.
  auto longer = payload;
  longer.push_back(0);
  EXPECT_EQ(parse_payload(longer).error().code, ErrorCode::kCorrupt);
  auto magic = payload;
  magic[0] = 'X';
  EXPECT_EQ(parse_payload(magic).error().code, ErrorCode::kCorrupt);
  EXPECT_FALSE(parse_payload(membrane).ok());
  EXPECT_FALSE(parse_membrane(payload).ok());
  // Header length beyond the cap.
  auto big_header = payload;
  big_header[8] = 0xff;
  big_header[9] = 0xff;
  big_header[10] = 0xff;
  big_header[11] = 0x7f;
  EXPECT_EQ(parse_payload(big_header).error().code, ErrorCode::kCorrupt);
  // Sample cap is enforced before allocation.
  MsaiLimits tiny;
  tiny.max_samples = 10;
  EXPECT_EQ(parse_payload(payload, tiny).error().code, ErrorCode::kResourceLimit);
  EXPECT_EQ(parse_membrane(membrane, tiny).error().code, ErrorCode::kResourceLimit);
  // A header claiming a huge area with a tiny body.
  auto rebuild = [](nlohmann::json h, std::size_t body) {
    const std::string s = h.dump();
    std::vector<std::uint8_t> v = {'S', 'H', 'R', 'M', 'S', 'A', 'I', '1'};
    for (int i = 0; i < 4; ++i) v.push_back(static_cast<std::uint8_t>(s.size() >> (8 * i)));
    v.insert(v.end(), s.begin(), s.end());
    v.resize(v.size() + body);
    return v;
  };
  nlohmann::json h = {{"type", "msai-membrane"}, {"version", 1},         {"scheme", "msai-l"},
                      {"rows", 65536},           {"cols", 65536},        {"channels", 4},
                      {"id", std::string(32, '0')}, {"element", "u64le"}, {"count", 65536LL * 65536 * 4}};
  EXPECT_EQ(parse_membrane(rebuild(h, 16)).error().code, ErrorCode::kResourceLimit);
  h["rows"] = -1;
  EXPECT_EQ(parse_membrane(rebuild(h, 16)).error().code, ErrorCode::kCorrupt);
  h["rows"] = 1;
  h["cols"] = 1;
  h["channels"] = 1;
  h["count"] = 1;
  EXPECT_TRUE(parse_membrane(rebuild(h, 8)).ok() == false);   // lambda 0 is out of range
  // Payload with an area outside the frame.
  auto j = nlohmann::json::parse(std::string(payload.begin() + 12, payload.begin() + 12 + (payload[8] | payload[9] << 8)));
  j["area"] = {14, 14, 4, 4};
  EXPECT_EQ(parse_payload(rebuild(j, 4 * 4 * 3 * 8)).error().code, ErrorCode::kCorrupt);
  j["area"] = {2147483647, 0, 4, 4};
  EXPECT_EQ(parse_payload(rebuild(j, 4 * 4 * 3 * 8)).error().code, ErrorCode::kCorrupt);
}

TEST(SchemesMsaiFiles, KeyFilesAreValidated) {
  EXPECT_FALSE(msai_key_from_json("{").ok());
  EXPECT_FALSE(msai_key_from_json(R"({"format":"shroud-msai-key","version":1,"scheme":"msai-l","k":"0"})").ok());
  EXPECT_FALSE(msai_key_from_json(R"({"format":"shroud-msai-key","version":1,"scheme":"msai-l","k":"12x"})").ok());
  EXPECT_FALSE(msai_key_from_json(R"({"format":"shroud-msai-key","version":1,"scheme":"msai-paper","k":"251"})").ok());
  EXPECT_FALSE(msai_key_from_json(R"({"format":"shroud-msai-key","version":2,"scheme":"msai-l","k":"5"})").ok());
  auto k = msai_key_from_json(R"({"format":"shroud-msai-key","version":1,"scheme":"msai-paper","k":"250"})");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->k, 250u);
  EXPECT_FALSE(msai_tau_from_json(R"({"format":"shroud-msai-tau","version":1,"block_size":0,"key":"00"})").ok());
}

TEST(SchemesMsaiFiles, SecretFilesAreOwnerOnly) {
  TempDir dir;
  const std::string path = dir.file("k.json");
  ASSERT_TRUE(write_secret_file(path, std::string("{}"), false).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(read_secret_file(path, 1024).ok());
  EXPECT_FALSE(write_secret_file(path, std::string("{}"), false).ok());   // exists
  EXPECT_TRUE(write_secret_file(path, std::string("{}"), true).ok());
  ::chmod(path.c_str(), 0644);
  EXPECT_EQ(read_secret_file(path, 1024).error().code, ErrorCode::kPermission);
  EXPECT_EQ(read_secret_file(dir.file("missing"), 1024).error().code, ErrorCode::kNotFound);
}

}  // namespace schemes_msai_test
}  // namespace
}  // namespace shroud::schemes
