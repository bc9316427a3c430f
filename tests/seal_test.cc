// The seal protector: exact round trips over types and geometry, PNG and JPEG carriers,
// recipient mode, rotation, selective disclosure, and the tamper matrix.
#include "shroud/seal.h"

#include <cstdio>
#include <fstream>

#include "crypto/keyset_impl.h"
#include "shroud/image_io.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace seal_test {  // one namespace per file: unity builds batch the tests

using Bytes = std::vector<std::uint8_t>;
using testing::random_image;

Action make_action(cv::Rect rect, Kind kind = Kind::kFace) {
  Action a;
  a.rect = rect;
  a.region.kind = kind;
  a.region.box = rect;
  a.method = "seal";
  return a;
}

Keyset new_keyset() {
  auto ks = Keyset::generate();
  EXPECT_TRUE(ks.ok());
  return std::move(*ks);
}

double max_diff(const cv::Mat& a, const cv::Mat& b) { return cv::norm(a, b, cv::NORM_INF); }

TEST(SealTest, RoundTripAllTypesAndGeometries) {
  const Keyset ks = new_keyset();
  KeySource keys{&ks, nullptr};
  for (int depth : {CV_8U, CV_16U}) {
    for (int ch : {1, 3, 4}) {
      for (auto ph : {Placeholder::kFill, Placeholder::kBlur, Placeholder::kPixelate, Placeholder::kNoise}) {
        const int type = CV_MAKETYPE(depth, ch);
        const cv::Mat original = random_image(37, 53, type, 11 + ch);
        cv::Mat image = original.clone();
        // 1x1 region, regions at every edge, an edge-clipped region (from plan_actions), overlaps.
        Policy policy;
        policy.mask_scale = 1.0;
        Region outside;
        outside.box = cv::Rect(45, 30, 20, 20);  // partly outside: clipped to 8x7
        const auto clipped = plan_actions({outside}, image.size(), policy);
        ASSERT_EQ(clipped.size(), 1u);
        std::vector<Action> actions = {make_action({0, 0, 1, 1}), make_action({52, 36, 1, 1}),
                                       make_action({0, 10, 53, 3}, Kind::kPlate), make_action({5, 5, 10, 10}),
                                       make_action({10, 8, 12, 9}), clipped[0]};
        actions.back().method = "seal";
        SealOptions opt;
        opt.placeholder = ph;
        auto sealed = seal_regions(image, actions, opt, keys);
        ASSERT_TRUE(sealed.ok()) << sealed.error().message;
        EXPECT_GT(max_diff(image, original), 0) << "placeholders must change the image";
        auto rec = recover_regions(image, sealed->container, ks);
        ASSERT_TRUE(rec.ok()) << rec.error().message;
        EXPECT_EQ(max_diff(rec->image, original), 0) << "type " << type << " placeholder " << placeholder_name(ph);
        EXPECT_EQ(rec->restored.size(), actions.size());
      }
    }
  }
}

TEST(SealTest, AlphaIsKeptAndPlaceholderHidesRegion) {
  const Keyset ks = new_keyset();
  const cv::Mat original = random_image(20, 20, CV_8UC4, 3);
  cv::Mat image = original.clone();
  auto sealed = seal_regions(image, {make_action({2, 2, 10, 10})}, {}, {&ks, nullptr});
  ASSERT_TRUE(sealed.ok());
  // Fill placeholder: colour channels constant inside, alpha untouched.
  cv::Mat ch[4], och[4];
  cv::split(image, ch);
  cv::split(original, och);
  EXPECT_EQ(max_diff(ch[3], och[3]), 0);
  EXPECT_EQ(cv::countNonZero(ch[0](cv::Rect(2, 2, 10, 10))), 0);
  // The ciphertext does not contain the plaintext rows.
  const cv::Mat row = original(cv::Rect(2, 2, 10, 1)).clone();
  const Bytes needle(row.data, row.data + 40);
  EXPECT_EQ(std::search(sealed->container.begin(), sealed->container.end(), needle.begin(), needle.end()),
            sealed->container.end());
}

TEST(SealTest, SelectiveDisclosure) {
  const Keyset ks = new_keyset();
  const cv::Mat original = random_image(40, 40, CV_8UC3, 5);
  cv::Mat image = original.clone();
  const std::vector<Action> actions = {make_action({0, 0, 10, 10}), make_action({20, 20, 10, 10}, Kind::kPlate),
                                       make_action({25, 0, 10, 10})};
  auto sealed = seal_regions(image, actions, {}, {&ks, nullptr});
  ASSERT_TRUE(sealed.ok());
  RecoverOptions only1;
  only1.regions = {1};
  auto r1 = recover_regions(image, sealed->container, ks, only1);
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ(max_diff(r1->image(actions[1].rect), original(actions[1].rect)), 0);
  EXPECT_EQ(max_diff(r1->image(actions[0].rect), image(actions[0].rect)), 0) << "region 0 must stay hidden";
  EXPECT_EQ(max_diff(r1->image(actions[2].rect), image(actions[2].rect)), 0);
  RecoverOptions faces;
  faces.kinds = {Kind::kFace};
  auto rf = recover_regions(image, sealed->container, ks, faces);
  ASSERT_TRUE(rf.ok());
  EXPECT_EQ(rf->restored, (std::vector<std::uint32_t>{0, 2}));
  EXPECT_EQ(max_diff(rf->image(actions[1].rect), image(actions[1].rect)), 0);
  RecoverOptions bad;
  bad.regions = {7};
  EXPECT_EQ(recover_regions(image, sealed->container, ks, bad).error().code, ErrorCode::kInvalidArgument);
  RecoverOptions none;
  none.kinds = {Kind::kText};
  EXPECT_EQ(recover_regions(image, sealed->container, ks, none).error().code, ErrorCode::kNotFound);
}

TEST(SealTest, RecipientModeAndCameraCannotDecrypt) {
  Keyset datacentre = new_keyset();
  auto pub = datacentre.add_recipient();
  ASSERT_TRUE(pub.ok());
  const cv::Mat original = random_image(30, 30, CV_16UC3, 9);
  cv::Mat image = original.clone();
  auto sealed = seal_regions(image, {make_action({3, 3, 9, 9})}, {}, {nullptr, &*pub});
  ASSERT_TRUE(sealed.ok()) << sealed.error().message;
  auto rec = recover_regions(image, sealed->container, datacentre);
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  EXPECT_EQ(max_diff(rec->image, original), 0);
  // The camera's own keyset (no recipient secret) cannot open it.
  const Keyset camera = new_keyset();
  EXPECT_EQ(recover_regions(image, sealed->container, camera).error().code, ErrorCode::kNotFound);
  // A different data centre key pair with the same id is rejected by the sealed box.
  Keyset other = new_keyset();
  ASSERT_TRUE(other.add_recipient().ok());
  auto& entry = const_cast<KeyEntry&>(other.impl().keys.back());
  entry.info.id = pub->id;
  EXPECT_EQ(recover_regions(image, sealed->container, other).error().code, ErrorCode::kAuthentication);
}

TEST(SealTest, WrongKeyUnknownIdDisabledKeyAndRotation) {
  Keyset ks = new_keyset();
  const std::uint32_t old_id = ks.primary_id();
  const cv::Mat original = random_image(16, 16, CV_8UC1, 2);
  cv::Mat a = original.clone();
  auto sa = seal_regions(a, {make_action({1, 1, 5, 5})}, {}, {&ks, nullptr});
  ASSERT_TRUE(sa.ok());
  ASSERT_TRUE(ks.rotate().ok());
  cv::Mat b = original.clone();
  auto sb = seal_regions(b, {make_action({1, 1, 5, 5})}, {}, {&ks, nullptr});
  ASSERT_TRUE(sb.ok());
  // Rotation: both open with the rotated keyset.
  EXPECT_TRUE(recover_regions(a, sa->container, ks).ok());
  EXPECT_TRUE(recover_regions(b, sb->container, ks).ok());
  // Unknown key id.
  const Keyset stranger = new_keyset();
  EXPECT_EQ(recover_regions(a, sa->container, stranger).error().code, ErrorCode::kNotFound);
  // Same key id, different material: wrong key.
  Keyset wrong = new_keyset();
  const_cast<KeyEntry&>(wrong.impl().keys[0]).info.id = old_id;
  EXPECT_EQ(recover_regions(a, sa->container, wrong).error().code, ErrorCode::kAuthentication);
  // Disabled key.
  ASSERT_TRUE(ks.set_status(old_id, KeyStatus::kDisabled).ok());
  EXPECT_EQ(recover_regions(a, sa->container, ks).error().code, ErrorCode::kPermission);
}

TEST(SealTest, CarrierBinding) {
  const Keyset ks = new_keyset();
  const cv::Mat original = random_image(24, 24, CV_8UC3, 4);
  cv::Mat image = original.clone();
  auto sealed = seal_regions(image, {make_action({2, 2, 6, 6})}, {}, {&ks, nullptr});
  ASSERT_TRUE(sealed.ok());
  cv::Mat changed = image.clone();
  changed.at<cv::Vec3b>(20, 20)[1] ^= 1;  // outside the region
  EXPECT_EQ(recover_regions(changed, sealed->container, ks).error().code, ErrorCode::kAuthentication);
  cv::Mat smaller = image(cv::Rect(0, 0, 23, 24)).clone();
  EXPECT_EQ(recover_regions(smaller, sealed->container, ks).error().code, ErrorCode::kAuthentication);
  // Detached: pixels outside may change, the sealed region is still exact.
  cv::Mat image2 = original.clone();
  SealOptions det;
  det.binding = CarrierBinding::kDetached;
  auto s2 = seal_regions(image2, {make_action({2, 2, 6, 6})}, det, {&ks, nullptr});
  ASSERT_TRUE(s2.ok());
  image2.at<cv::Vec3b>(20, 20)[1] ^= 1;
  auto rec = recover_regions(image2, s2->container, ks);
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  EXPECT_EQ(max_diff(rec->image(cv::Rect(2, 2, 6, 6)), original(cv::Rect(2, 2, 6, 6))), 0);
  EXPECT_EQ(rec->binding, CarrierBinding::kDetached);
}

TEST(SealTest, PngAndJpegFileCarriers) {
  const Keyset ks = new_keyset();
  for (const std::string format : {"png", "jpeg"}) {
    for (bool sidecar : {false, true}) {
      for (int type : {CV_8UC3, CV_8UC1, CV_16UC4}) {
        if (format == "jpeg" && type == CV_16UC4) continue;
        const cv::Mat original = random_image(41, 29, type, 8);
        cv::Mat image = original.clone();
        SealFileOptions fo;
        fo.format = format;
        fo.sidecar = sidecar;
        fo.seal.placeholder = Placeholder::kBlur;
        const cv::Rect r1(0, 0, 7, 9), r2(20, 30, 9, 11);
        auto file = seal_image_file(image, {make_action(r1), make_action(r2)}, fo, {&ks, nullptr});
        ASSERT_TRUE(file.ok()) << file.error().message;
        EXPECT_EQ(file->sidecar.empty(), !sidecar);
        std::optional<Bytes> side;
        if (sidecar) side = file->sidecar;
        auto rec = recover_image_file(file->image, side, ks);
        ASSERT_TRUE(rec.ok()) << format << ": " << rec.error().message;
        EXPECT_EQ(max_diff(rec->image(r1), original(r1)), 0) << format;
        EXPECT_EQ(max_diff(rec->image(r2), original(r2)), 0) << format;
        if (format == "png") {
          EXPECT_EQ(max_diff(rec->image, original), 0);
        }
        // Both a sidecar and an embedded container: refused.
        if (!sidecar) {
          EXPECT_EQ(recover_image_file(file->image, Bytes(10), ks).error().code, ErrorCode::kCorrupt);
        } else {
          EXPECT_EQ(recover_image_file(file->image, std::nullopt, ks).error().code, ErrorCode::kNotFound);
        }
      }
    }
  }
}

TEST(SealTest, InvalidActionsAreRejected) {
  const Keyset ks = new_keyset();
  cv::Mat image = random_image(10, 10, CV_8UC3);
  const cv::Mat before = image.clone();
  EXPECT_FALSE(seal_regions(image, {}, {}, {&ks, nullptr}).ok());
  EXPECT_FALSE(seal_regions(image, {make_action({5, 5, 6, 2})}, {}, {&ks, nullptr}).ok());
  EXPECT_FALSE(seal_regions(image, {make_action({-1, 0, 2, 2})}, {}, {&ks, nullptr}).ok());
  EXPECT_FALSE(seal_regions(image, {make_action({0, 0, 0, 2})}, {}, {&ks, nullptr}).ok());
  EXPECT_FALSE(seal_regions(image, {make_action({0x7FFFFFF0, 0, 0x7FFFFFF0, 2})}, {}, {&ks, nullptr}).ok());
  EXPECT_FALSE(seal_regions(image, {make_action({0, 0, 2, 2})}, {}, {nullptr, nullptr}).ok());
  cv::Mat f32(4, 4, CV_32FC1, cv::Scalar(0));
  EXPECT_EQ(seal_regions(f32, {make_action({0, 0, 2, 2})}, {}, {&ks, nullptr}).error().code, ErrorCode::kUnsupported);
}

// ---- tamper matrix -------------------------------------------------------------------------

struct Matrix {
  int cases = 0, rejected = 0;
};

void tamper(const cv::Mat& carrier, const Bytes& container, const Keyset& ks, std::size_t from, std::size_t to,
            std::size_t step, Matrix& m) {
  for (std::size_t i = from; i < to; i += step) {
    for (std::uint8_t mask : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
      Bytes b = container;
      b[i] ^= mask;
      auto r = recover_regions(carrier, b, ks);
      ++m.cases;
      if (!r.ok()) {
        ++m.rejected;
      } else {
        ADD_FAILURE() << "flip of byte " << i << " mask " << int(mask) << " was accepted";
      }
    }
  }
}

TEST(SealTest, TamperMatrix) {
  Keyset ks = new_keyset();
  auto pub = ks.add_recipient();
  ASSERT_TRUE(pub.ok());
  Matrix header, body;
  for (bool recipient : {false, true}) {
    cv::Mat image = random_image(32, 32, CV_8UC3, 21);
    const std::vector<Action> actions = {make_action({0, 0, 8, 8}), make_action({10, 10, 6, 5}, Kind::kPlate),
                                         make_action({20, 3, 4, 4})};
    KeySource keys{&ks, recipient ? &*pub : nullptr};
    auto sealed = seal_regions(image, actions, {}, keys);
    ASSERT_TRUE(sealed.ok());
    ASSERT_TRUE(recover_regions(image, sealed->container, ks).ok());
    const std::size_t manifest_end = kFileHeaderBytes + (recipient ? kRecipientWrapBytes : 0) +
                                     actions.size() * kRegionHeaderBytes + kManifestTagBytes;
    // Every byte of header, wrapped key, region headers and manifest tag.
    tamper(image, sealed->container, ks, 0, manifest_end, 1, header);
    // A sample of ciphertext and tag bytes (every 5th byte; all of each region's last 16).
    tamper(image, sealed->container, ks, manifest_end, sealed->container.size(), 5, body);
    tamper(image, sealed->container, ks, sealed->container.size() - 16, sealed->container.size(), 1, body);
    // Truncations.
    for (std::size_t n : {std::size_t{0}, std::size_t{4}, manifest_end - 1, sealed->container.size() - 1}) {
      Bytes b(sealed->container.begin(), sealed->container.begin() + static_cast<std::ptrdiff_t>(n));
      ++body.cases;
      body.rejected += recover_regions(image, b, ks).ok() ? 0 : 1;
    }
  }
  std::printf("[tamper] header+manifest: %d cases, %d rejected; ciphertext/tag/truncation: %d cases, %d rejected\n",
              header.cases, header.rejected, body.cases, body.rejected);
  EXPECT_EQ(header.rejected, header.cases);
  EXPECT_EQ(body.rejected, body.cases);
  EXPECT_GT(header.cases, 1000);
}

TEST(SealTest, SwappedDeletedDuplicatedRegionsAreRejected) {
  const Keyset ks = new_keyset();
  cv::Mat image = random_image(32, 32, CV_8UC3, 22);
  const std::vector<Action> actions = {make_action({0, 0, 8, 8}), make_action({10, 10, 8, 8}), make_action({20, 20, 8, 8})};
  auto sealed = seal_regions(image, actions, {}, {&ks, nullptr});
  ASSERT_TRUE(sealed.ok());
  auto parsed = parse_container(sealed->container);
  ASSERT_TRUE(parsed.ok());
  const Container& c = *parsed;
  auto body = [&](std::size_t i) {
    return Bytes(c.ciphertext.begin() + static_cast<std::ptrdiff_t>(c.body_offset(i)),
                 c.ciphertext.begin() + static_cast<std::ptrdiff_t>(c.body_offset(i) + c.regions[i].ciphertext_size));
  };
  auto rebuild = [&](std::vector<std::size_t> order, bool renumber) {
    Container t = c;
    t.regions.clear();
    t.ciphertext.clear();
    for (std::size_t k = 0; k < order.size(); ++k) {
      ContainerRegion r = c.regions[order[k]];
      if (renumber) r.index = static_cast<std::uint32_t>(k);
      t.regions.push_back(r);
      const Bytes b = body(order[k]);
      t.ciphertext.insert(t.ciphertext.end(), b.begin(), b.end());
    }
    t.header.region_count = static_cast<std::uint32_t>(order.size());
    return serialize_container(t);
  };
  int cases = 0;
  for (bool renumber : {false, true}) {
    for (const auto& order : std::vector<std::vector<std::size_t>>{
             {1, 0, 2}, {0, 2, 1}, {2, 1, 0},  // swapped
             {0, 1}, {1, 2}, {0, 2},           // deleted
             {0, 1, 2, 2}, {0, 0, 1, 2}}) {    // duplicated
      auto r = recover_regions(image, rebuild(order, renumber), ks);
      EXPECT_FALSE(r.ok());
      ++cases;
    }
  }
  // Swapping only the bodies (headers in place) fails the tags.
  Container t = c;
  t.ciphertext.clear();
  for (std::size_t i : {1u, 0u, 2u}) {
    const Bytes b = body(i);
    t.ciphertext.insert(t.ciphertext.end(), b.begin(), b.end());
  }
  EXPECT_EQ(recover_regions(image, serialize_container(t), ks).error().code, ErrorCode::kAuthentication);
  // Sanity: the unmodified rebuild still opens.
  EXPECT_TRUE(recover_regions(image, rebuild({0, 1, 2}, false), ks).ok());
  std::printf("[tamper] swapped/deleted/duplicated region cases: %d, all rejected\n", cases + 1);
}

TEST(SealTest, ContainerMovedToAnotherFrameOrImageFails) {
  const Keyset ks = new_keyset();
  cv::Mat a = random_image(20, 20, CV_8UC3, 1);
  SealOptions o;
  o.binding = CarrierBinding::kDetached;
  o.frame = 5;
  auto s = seal_regions(a, {make_action({0, 0, 4, 4})}, o, {&ks, nullptr});
  ASSERT_TRUE(s.ok());
  // Rewriting the frame number is caught (manifest, and the per-region key depends on it).
  Bytes b = s->container;
  b[67] ^= 1;
  EXPECT_EQ(recover_regions(a, b, ks).error().code, ErrorCode::kAuthentication);
}

}  // namespace seal_test
}  // namespace
}  // namespace shroud
