// Recovery track v2: the lossless region codec (bit-exact for 8/16-bit, 1/3/4 channels, intra
// and inter, full-range noise), the size buckets, and the writer/reader round trip with
// key-frames, plus v1 (raw) tracks from the legacy writer mode.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>
#include <zstd.h>

#include <sys/stat.h>

#include <fstream>
#include <cmath>
#include <functional>
#include <sstream>

#include "codec/region_codec.h"
#include "codec/size_bucket.h"
#include "shroud/recovery_track.h"
#include "shroud/video_io.h"
#include "test_util.h"
#include "track_records.h"

namespace shroud {
namespace {
namespace video_track_codec_test {  // one namespace per file: unity builds batch the tests

using namespace shroud::testing;

const int kTypes[] = {CV_8UC1, CV_8UC3, CV_8UC4, CV_16UC1, CV_16UC3, CV_16UC4};

// A smooth moving scene with noise (what faces and zones look like to the predictor), with some
// saturated pixels at both ends of the range.
cv::Mat scene(int rows, int cols, int type, int t) {
  cv::Mat f(rows, cols, CV_MAKETYPE(CV_32F, CV_MAT_CN(type)));
  const double top = CV_MAT_DEPTH(type) == CV_16U ? 65535.0 : 255.0;
  for (int y = 0; y < rows; ++y) {
    for (int x = 0; x < cols; ++x) {
      float* p = f.ptr<float>(y) + static_cast<std::size_t>(x) * f.channels();
      for (int c = 0; c < f.channels(); ++c) {
        p[c] = static_cast<float>(top * (0.5 + 0.4 * std::sin(0.07 * (x - 2 * t) + 0.05 * y + c)));
      }
    }
  }
  cv::Mat noise(rows, cols, f.type());
  cv::RNG rng(static_cast<std::uint64_t>(t) + 11);
  rng.fill(noise, cv::RNG::NORMAL, 0, top / 100);
  f += noise;
  f(cv::Rect(0, 0, 6, 6)).setTo(cv::Scalar::all(top));
  f(cv::Rect(6, 0, 6, 6)).setTo(cv::Scalar::all(0));
  cv::Mat out;
  f.convertTo(out, type);  // saturates
  return out;
}

std::vector<std::uint8_t> pack(const cv::Mat& m, const cv::Rect& r) {
  cv::Mat roi = m(r).clone();
  return std::vector<std::uint8_t>(roi.data, roi.data + roi.total() * roi.elemSize());
}

TEST(RegionCodec, BitExactAllDepthsAndChannelsIntraAndInter) {
  for (int type : kTypes) {
   for (codec::ColourMode colour : {codec::ColourMode::kRelativeResiduals, codec::ColourMode::kGreenPlanes}) {
    const codec::Geometry g{CV_MAT_CN(type), CV_MAT_DEPTH(type) == CV_16U ? 2 : 1, colour};
    codec::Reference enc_ref, dec_ref;
    enc_ref.reset(80, 60, type);
    dec_ref.reset(80, 60, type);
    for (int t = 0; t < 8; ++t) {
      // Full-range noise on frame 5: every residual value, both zigzag ends.
      const cv::Mat f = t == 5 ? random_image(60, 80, type, 99) : scene(60, 80, type, t);
      // Two overlapping regions moving right; frame 3 has a region at the border.
      std::vector<cv::Rect> rects = {cv::Rect(2 + t, 3, 30, 20), cv::Rect(20 + t, 10, 25, 30)};
      if (t == 3) rects.push_back(cv::Rect(0, 50, 80, 10));
      std::vector<std::vector<std::uint8_t>> packed;
      std::vector<const std::uint8_t*> data;
      for (const cv::Rect& r : rects) packed.push_back(pack(f, r));
      for (const auto& p : packed) data.push_back(p.data());
      const bool key = t % 4 == 0;
      std::vector<std::uint8_t> z;
      ASSERT_TRUE(codec::encode_regions(rects, data, g, key ? nullptr : &enc_ref, {}, &z).ok());
      std::vector<std::vector<std::uint8_t>> out(rects.size());
      std::vector<std::uint8_t*> optr;
      for (std::size_t i = 0; i < rects.size(); ++i) {
        out[i].assign(packed[i].size(), 0xAB);
        optr.push_back(out[i].data());
      }
      auto s = codec::decode_regions(z, rects, g, key ? nullptr : &dec_ref, optr);
      ASSERT_TRUE(s.ok()) << type << " frame " << t << ": " << s.error().message;
      for (std::size_t i = 0; i < rects.size(); ++i) EXPECT_EQ(out[i], packed[i]) << "type " << type << " frame " << t << " region " << i;
      enc_ref.update(rects, data);
      std::vector<const std::uint8_t*> cd(optr.begin(), optr.end());
      dec_ref.update(rects, cd);
    }
   }
  }
}

// v3's colour planes: on decoded 4:2:0 video (luma texture and grain shared by B, G and R,
// chroma at quarter resolution) coding (B - G) and (R - G) as planes is smaller than v2's
// residual differences, and both decode exactly.
TEST(RegionCodec, GreenPlanesBeatRelativeResidualsOnSharedDetail) {
  for (int depth : {CV_8U, CV_16U}) {
    const int type = CV_MAKETYPE(depth, 3);
    cv::Mat yuv(96 * 3 / 2, 128, CV_8U);
    cv::RNG rng(7);
    for (int y = 0; y < yuv.rows; ++y) {
      for (int x = 0; x < 128; ++x) {
        const bool luma = y < 96;
        const double base = luma ? 110 + 50 * std::sin(x * 0.11) * std::cos(y * 0.07) : 128 + 20 * std::sin(x * 0.05 + y);
        yuv.at<std::uint8_t>(y, x) = cv::saturate_cast<std::uint8_t>(base + rng.gaussian(2.5));
      }
    }
    cv::Mat bgr, f;
    cv::cvtColor(yuv, bgr, cv::COLOR_YUV2BGR_I420);
    bgr.convertTo(f, type, depth == CV_16U ? 257.0 : 1.0);
    const cv::Rect r(0, 0, 128, 96);
    const auto p = pack(f, r);
    std::vector<std::uint8_t> v2, v3;
    ASSERT_TRUE(codec::encode_regions({r}, {p.data()}, {3, CV_ELEM_SIZE1(type), codec::ColourMode::kRelativeResiduals}, nullptr, {}, &v2).ok());
    ASSERT_TRUE(codec::encode_regions({r}, {p.data()}, {3, CV_ELEM_SIZE1(type), codec::ColourMode::kGreenPlanes}, nullptr, {}, &v3).ok());
    EXPECT_LT(v3.size() * 10, v2.size() * 9) << depth << ": v3 " << v3.size() << " v2 " << v2.size();
    for (auto [z, colour] : {std::pair{&v2, codec::ColourMode::kRelativeResiduals}, std::pair{&v3, codec::ColourMode::kGreenPlanes}}) {
      std::vector<std::uint8_t> out(p.size());
      ASSERT_TRUE(codec::decode_regions(*z, {r}, {3, CV_ELEM_SIZE1(type), colour}, nullptr, {out.data()}).ok());
      EXPECT_EQ(out, p);
    }
  }
}

// The motion search finds content motion: frame 2 is frame 1's content moved by (3, -2) pixels
// (noise included), the box stays put.
TEST(RegionCodec, InterPredictionFindsTheMotion) {
  for (int type : kTypes) {
    const codec::Geometry g{CV_MAT_CN(type), CV_MAT_DEPTH(type) == CV_16U ? 2 : 1};
    const cv::Mat big = scene(100, 120, type, 1);
    const cv::Mat f1 = big(cv::Rect(10, 10, 100, 80)), f2 = big(cv::Rect(7, 12, 100, 80));  // f2(x, y) = f1(x - 3, y + 2)
    const cv::Rect r1(10, 10, 60, 50), r2(20, 15, 40, 30);
    const auto p1 = pack(f1, r1), p2 = pack(f2, r2);
    codec::Reference ref;
    ref.reset(100, 80, type);
    ref.update({r1}, {p1.data()});
    std::vector<std::uint8_t> inter, intra, colocated;
    ASSERT_TRUE(codec::encode_regions({r2}, {p2.data()}, g, &ref, {}, &inter).ok());
    ASSERT_TRUE(codec::encode_regions({r2}, {p2.data()}, g, nullptr, {}, &intra).ok());
    codec::CodecOptions none;
    none.search = 0;
    ASSERT_TRUE(codec::encode_regions({r2}, {p2.data()}, g, &ref, none, &colocated).ok());
    EXPECT_LT(inter.size() * 10, intra.size()) << type;
    EXPECT_LT(inter.size() * 10, colocated.size()) << type;
    std::vector<std::uint8_t> out(p2.size());
    ASSERT_TRUE(codec::decode_regions(inter, {r2}, g, &ref, {out.data()}).ok());
    EXPECT_EQ(out, p2);
  }
}

TEST(RegionCodec, CompressesSmoothRegionsAndRejectsMalformedInput) {
  const cv::Mat f = scene(120, 160, CV_8UC3, 0);
  const std::vector<cv::Rect> rects = {cv::Rect(0, 0, 160, 120)};
  const auto packed = pack(f, rects[0]);
  const codec::Geometry g{3, 1};
  std::vector<std::uint8_t> z;
  ASSERT_TRUE(codec::encode_regions(rects, {packed.data()}, g, nullptr, {}, &z).ok());
  // Prediction pays: smaller than zstd on the raw pixels at the same level (noise sigma 2.55
  // keeps both far from free).
  std::vector<std::uint8_t> plain(ZSTD_compressBound(packed.size()));
  const std::size_t zraw = ZSTD_compress(plain.data(), plain.size(), packed.data(), packed.size(), 3);
  ASSERT_FALSE(ZSTD_isError(zraw));
  EXPECT_LT(z.size() * 10, zraw * 9) << z.size() << " vs " << zraw;
  EXPECT_LT(z.size(), packed.size());
  std::vector<std::uint8_t> out(packed.size());
  std::vector<std::uint8_t*> optr = {out.data()};
  auto bad = [&](std::vector<std::uint8_t> in, const std::vector<cv::Rect>& rr) {
    auto s = codec::decode_regions(in, rr, g, nullptr, optr);
    return !s.ok() && s.error().code == ErrorCode::kCorrupt;
  };
  EXPECT_TRUE(bad(std::vector<std::uint8_t>(z.begin(), z.end() - 1), rects));                 // truncated
  auto junk = z;
  junk.push_back(0);
  EXPECT_TRUE(bad(junk, rects));                                                               // trailing byte
  EXPECT_TRUE(bad(z, {cv::Rect(0, 0, 160, 119)}));                                             // other geometry
  EXPECT_TRUE(bad({}, rects));
  // An inter region in a key-frame: encode against a reference, decode without one.
  codec::Reference ref;
  ref.reset(160, 120, CV_8UC3);
  ref.update(rects, {packed.data()});
  std::vector<std::uint8_t> zi;
  ASSERT_TRUE(codec::encode_regions(rects, {packed.data()}, g, &ref, {}, &zi).ok());
  EXPECT_TRUE(bad(zi, rects));
  ASSERT_TRUE(codec::decode_regions(zi, rects, g, &ref, optr).ok());
  EXPECT_EQ(out, packed);
  EXPECT_LT(zi.size() * 20, z.size());  // identical frame: nearly free
}

TEST(SizeBucket, KnownAnswers) {
  using codec::bucket_size;
  EXPECT_EQ(bucket_size(1, 1, 1 << 20), 64u);
  EXPECT_EQ(bucket_size(64, 1, 1 << 20), 64u);
  EXPECT_EQ(bucket_size(65, 1, 1 << 20), 128u);
  EXPECT_EQ(bucket_size(100000, 1, 1 << 20), 131072u);
  EXPECT_EQ(bucket_size(95, 2, 1 << 20), 96u);
  EXPECT_EQ(bucket_size(97, 2, 1 << 20), 128u);
  EXPECT_EQ(bucket_size(129, 2, 1 << 20), 192u);
  EXPECT_EQ(bucket_size(100, 4, 1 << 20), 112u);
  EXPECT_EQ(bucket_size(113, 4, 1 << 20), 128u);
  EXPECT_EQ(bucket_size(129, 4, 1 << 20), 160u);
  EXPECT_EQ(bucket_size(500, 1, 600), 512u);
  EXPECT_EQ(bucket_size(550, 1, 600), 600u);  // the cap (the worst case) bounds the padding
  for (int steps : {1, 2, 4}) {
    std::uint64_t prev = 0;
    for (std::uint64_t n = 1; n < 5000; ++n) {
      const std::uint64_t b = bucket_size(n, steps, 1 << 20);
      EXPECT_GE(b, n);
      EXPECT_GE(b, prev);
      EXPECT_TRUE(codec::is_bucket_size(b, steps, 1 << 20));
      EXPECT_LE(b, std::max<std::uint64_t>(64, n * (steps + 1) / steps + 1)) << steps << " " << n;  // overhead bound
      prev = b;
    }
    EXPECT_FALSE(codec::is_bucket_size(65, steps, 1 << 20));
  }
}

// Writer -> reader, all six sample types, v2 with key-frames every 3 frames (and v1 for 8-bit),
// overlapping moving regions, frames without regions, noise placeholder.
TEST(VideoTrackV2, WriterReaderRoundTripAllTypes) {
  TempDir dir;
  auto ks = Keyset::generate();
  ASSERT_TRUE(ks.ok());
  KeySource keys;
  keys.keyset = &*ks;
  for (int type : kTypes) {
    for (int version : {1, 2, 3}) {
      if (version == 1 && CV_MAT_DEPTH(type) != CV_8U) continue;
      const std::string path = dir.file("t" + std::to_string(type) + "v" + std::to_string(version));
      TrackWriterOptions wo;
      wo.placeholder = Placeholder::kNoise;
      wo.format_version = version;
      wo.key_interval = 3;
      auto w = RecoveryTrackWriter::create(path, keys, wo);
      ASSERT_TRUE(w.ok()) << w.error().message;
      constexpr int kN = 10;
      std::vector<cv::Mat> originals, visible;
      for (int i = 0; i < kN; ++i) {
        cv::Mat f = scene(48, 64, type, i);
        originals.push_back(f.clone());
        std::vector<Action> actions;
        if (i != 4) {
          for (cv::Rect r : {cv::Rect(3 + i, 5, 20, 15), cv::Rect(15, 10 + i / 2, 30, 25)}) {
            Action a;
            a.rect = r;
            a.region.box = r;
            a.method = "seal";
            actions.push_back(a);
          }
        }
        auto s = (*w)->protect(f, i, actions);
        ASSERT_TRUE(s.ok()) << s.error().message;
        if (i != 4) {
          EXPECT_GT(cv::norm(f, originals.back(), cv::NORM_INF), 0.0);
        }
        visible.push_back(f);
      }
      ASSERT_TRUE((*w)->finish().ok());
      ASSERT_TRUE((*w)->commit().ok());
      std::ifstream sin(path, std::ios::binary);
      auto scan = scan_track(sin);
      ASSERT_TRUE(scan.ok()) << scan.error().message;
      EXPECT_EQ(scan->version, version);
      EXPECT_EQ(scan->frames, kN);
      EXPECT_EQ(scan->key_frames, version >= 2 ? 4 : 0);  // 0, 3, 6, 9
      EXPECT_EQ(scan->regions, 2u * (kN - 1));
      if (version >= 2) {
        EXPECT_LT(scan->body_bytes, scan->raw_bytes) << type;
      }
      auto rd = RecoveryTrackReader::open(path, *ks);
      ASSERT_TRUE(rd.ok()) << rd.error().message;
      EXPECT_EQ((*rd)->info().depth_bits, CV_MAT_DEPTH(type) == CV_16U ? 16 : 8);
      for (int i = 0; i < kN; ++i) {
        cv::Mat f = visible[static_cast<std::size_t>(i)].clone();
        auto s = (*rd)->restore_next(f);
        ASSERT_TRUE(s.ok()) << s.error().message;
        EXPECT_EQ(cv::norm(f, originals[static_cast<std::size_t>(i)], cv::NORM_INF), 0.0) << type << " v" << version << " frame " << i;
      }
      EXPECT_TRUE((*rd)->finish().ok());
    }
  }
}

TEST(VideoTrackV2, WriterRejectsBadOptions) {
  TempDir dir;
  auto ks = Keyset::generate();
  ASSERT_TRUE(ks.ok());
  KeySource keys;
  keys.keyset = &*ks;
  for (auto set : std::vector<std::function<void(TrackWriterOptions&)>>{
           [](TrackWriterOptions& o) { o.format_version = 4; }, [](TrackWriterOptions& o) { o.key_interval = 0; },
           [](TrackWriterOptions& o) { o.bucket_steps = 3; }, [](TrackWriterOptions& o) { o.motion_search = 65; }}) {
    TrackWriterOptions o;
    set(o);
    auto w = RecoveryTrackWriter::create(dir.file("x"), keys, o);
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.error().code, ErrorCode::kInvalidArgument);
  }
  // v1 stays 8-bit only.
  TrackWriterOptions o;
  o.format_version = 1;
  auto w = RecoveryTrackWriter::create(dir.file("y"), keys, o);
  ASSERT_TRUE(w.ok());
  cv::Mat f(8, 8, CV_16UC3, cv::Scalar::all(7));
  EXPECT_FALSE((*w)->protect(f, 0, {}).ok());
}

// Mid-GOP damage, read record by record: what the reader restores and what it refuses.
TEST(VideoTrackV2, MidGopDamageLosesOnlyUpToTheNextKeyFrame) {
  TempDir dir;
  auto ks = Keyset::generate();
  ASSERT_TRUE(ks.ok());
  KeySource keys;
  keys.keyset = &*ks;
  TrackWriterOptions wo;
  wo.key_interval = 4;
  const std::string path = dir.file("t.shroudv");
  constexpr int kN = 12;
  std::vector<cv::Mat> originals, visible;
  {
    auto w = RecoveryTrackWriter::create(path, keys, wo);
    ASSERT_TRUE(w.ok());
    for (int i = 0; i < kN; ++i) {
      cv::Mat f = scene(40, 56, CV_8UC3, i);
      originals.push_back(f.clone());
      Action a;
      a.rect = cv::Rect(4 + i, 6, 24, 20);
      a.region.box = a.rect;
      a.method = "seal";
      ASSERT_TRUE((*w)->protect(f, i, {a}).ok());
      visible.push_back(f);
    }
    ASSERT_TRUE((*w)->finish().ok() && (*w)->commit().ok());
  }
  std::ifstream in(path, std::ios::binary);
  const std::string good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto recs = testing::track_records(good);
  ASSERT_EQ(recs.size(), static_cast<std::size_t>(kN + 1));
  ASSERT_EQ(recs.back().first + recs.back().second, good.size());
  for (int i = 0; i < kN; ++i) EXPECT_EQ(good[recs[static_cast<std::size_t>(i)].first + 1] == 1, i % 4 == 0) << i;
  const std::string head = good.substr(0, recs[0].first);
  auto rec = [&](std::size_t i) { return good.substr(recs[i].first, recs[i].second); };
  auto join = [&](const std::vector<std::size_t>& order) {
    std::string s = head;
    for (std::size_t i : order) s += rec(i);
    return s;
  };
  std::vector<std::size_t> all;
  for (std::size_t i = 0; i < recs.size(); ++i) all.push_back(i);

  // Reads every frame, continuing after errors; returns per frame 0 (restored exactly), or the error code.
  auto read_all = [&](const std::string& bytes, Status* fin) {
    std::vector<int> codes;
    auto rd = RecoveryTrackReader::open(std::make_unique<std::istringstream>(bytes), *ks);
    EXPECT_TRUE(rd.ok());
    if (!rd.ok()) return codes;
    for (int i = 0; i < kN; ++i) {
      cv::Mat f = visible[static_cast<std::size_t>(i)].clone();
      auto s = (*rd)->restore_next(f);
      if (s.ok()) {
        EXPECT_EQ(cv::norm(f, originals[static_cast<std::size_t>(i)], cv::NORM_INF), 0.0) << i;
        codes.push_back(0);
      } else {
        EXPECT_EQ(cv::norm(f, visible[static_cast<std::size_t>(i)], cv::NORM_INF), 0.0) << "a failed call changed frame " << i;
        codes.push_back(static_cast<int>(s.error().code));
      }
    }
    *fin = (*rd)->finish();
    return codes;
  };
  const int A = static_cast<int>(ErrorCode::kAuthentication), C = static_cast<int>(ErrorCode::kCorrupt);
  Status fin;
  EXPECT_EQ(read_all(good, &fin), std::vector<int>(kN, 0));
  EXPECT_TRUE(fin.ok());

  // A flipped body byte in frame 5 (mid-GOP): 5 fails authentication, 6 and 7 depend on it, the
  // key-frame 8 and what follows restore again; the final record still verifies.
  std::string flipped = good;
  flipped[recs[5].first + recs[5].second - 20] ^= 0x04;
  EXPECT_EQ(read_all(flipped, &fin), (std::vector<int>{0, 0, 0, 0, 0, A, C, C, 0, 0, 0, 0}));
  EXPECT_TRUE(fin.ok());
  // A flipped body byte in the key-frame 4: the whole GOP 4..7 is lost.
  flipped = good;
  flipped[recs[4].first + recs[4].second - 20] ^= 0x04;
  EXPECT_EQ(read_all(flipped, &fin), (std::vector<int>{0, 0, 0, 0, A, C, C, C, 0, 0, 0, 0}));

  // Structural damage (dropped, swapped, duplicated records, truncation) is refused at the first
  // record out of place; recover_video() refuses the whole track on any of these.
  auto first_failure = [&](const std::string& bytes) {
    auto rd = RecoveryTrackReader::open(std::make_unique<std::istringstream>(bytes), *ks);
    EXPECT_TRUE(rd.ok());
    for (int i = 0; i < kN; ++i) {
      cv::Mat f = visible[static_cast<std::size_t>(i)].clone();
      auto s = (*rd)->restore_next(f);
      if (!s.ok()) {
        EXPECT_EQ(s.error().code, ErrorCode::kCorrupt) << s.error().message;
        return i;
      }
      EXPECT_EQ(cv::norm(f, originals[static_cast<std::size_t>(i)], cv::NORM_INF), 0.0) << i;
    }
    return (*rd)->finish().ok() ? -1 : kN;
  };
  auto o = all;
  o.erase(o.begin() + 6);
  EXPECT_EQ(first_failure(join(o)), 6);  // drop mid-GOP
  o = all;
  std::swap(o[5], o[6]);
  EXPECT_EQ(first_failure(join(o)), 5);  // swap mid-GOP
  o = all;
  o.insert(o.begin() + 6, 5);
  EXPECT_EQ(first_failure(join(o)), 6);  // duplicate mid-GOP
  EXPECT_EQ(first_failure(good.substr(0, recs[6].first + recs[6].second / 2)), 6);  // truncated mid-GOP
  EXPECT_EQ(first_failure(good.substr(0, recs[kN].first)), kN);                       // no final record
  o = all;
  o.erase(o.begin());
  EXPECT_EQ(first_failure(join(o)), 0);  // the first key-frame dropped
  EXPECT_EQ(first_failure(good), -1);
}

}  // namespace video_track_codec_test
}  // namespace
}  // namespace shroud
