#include "attacks/msai_common.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "shroud/seal.h"

namespace shroud::attacks::msai {
namespace {

cv::Mat fit(const cv::Mat& img, int max_side) {
  if (max_side <= 0 || std::max(img.cols, img.rows) <= max_side) return img;
  const double s = static_cast<double>(max_side) / std::max(img.cols, img.rows);
  cv::Mat out;
  cv::resize(img, out, cv::Size(std::max(1, static_cast<int>(img.cols * s)), std::max(1, static_cast<int>(img.rows * s))), 0, 0,
             cv::INTER_AREA);
  return out;
}

std::vector<Action> seal_actions(const std::vector<cv::Rect>& rects) {
  std::vector<Action> actions;
  for (const auto& r : rects) {
    Action a;
    a.rect = r;
    a.region.kind = Kind::kFace;
    a.region.box = r;
    a.method = "seal";
    actions.push_back(a);
  }
  return actions;
}

Result<SealTarget> seal_with(std::shared_ptr<const Keyset> keyset, const cv::Mat& image, const std::vector<cv::Rect>& rects) {
  SealTarget t{std::move(keyset), image.clone(), {}, {}};
  // Container version 1 (raw bodies): ciphertext byte i encrypts pixel byte i, the layout most
  // favourable to the attacks (version 2 compresses first, which only removes that alignment).
  SealOptions so;
  so.container_version = kContainerVersion;
  SHROUD_ASSIGN_OR_RETURN(auto sealed, seal_regions(t.visible, seal_actions(rects), so, KeySource{t.keyset.get(), nullptr}));
  t.container = std::move(sealed.container);
  SHROUD_ASSIGN_OR_RETURN(t.parsed, parse_container(t.container));
  return t;
}

}  // namespace

cv::Mat generated_image(int width, int height, std::uint64_t seed) {
  cv::RNG rng(seed);
  cv::Mat img(height, width, CV_8UC3);
  const double fx = rng.uniform(0.02, 0.08), fy = rng.uniform(0.02, 0.08), ph = rng.uniform(0.0, 6.28);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < 3; ++c) {
        const double base = 127.5 + 110 * std::sin(fx * x * (c + 1) + ph) * std::cos(fy * y + c);
        const double edge = (x * 3 + y * 2 + c * 17) % 97 < 20 ? 40 : 0;
        img.at<cv::Vec3b>(y, x)[c] = cv::saturate_cast<std::uint8_t>(base + edge + rng.gaussian(6));
      }
    }
  }
  // Full range, as real photographs have: a black and a white patch.
  img(cv::Rect(0, 0, std::max(1, width / 10), std::max(1, height / 10))).setTo(cv::Scalar::all(0));
  img(cv::Rect(width - std::max(1, width / 10), height - std::max(1, height / 10), std::max(1, width / 10),
               std::max(1, height / 10)))
      .setTo(cv::Scalar::all(255));
  return img;
}

Result<std::vector<cv::Mat>> load_images(const AttackOptions& o, std::size_t want, int max_side) {
  std::vector<cv::Mat> out;
  if (!o.images.empty()) {
    for (const auto& path : o.images) {
      std::error_code ec;
      cv::Mat img;
      try {
        if (std::filesystem::is_regular_file(path, ec)) img = cv::imread(path, cv::IMREAD_COLOR);
      } catch (const cv::Exception&) {
        img = cv::Mat();
      }
      if (img.empty()) return make_error(ErrorCode::kNotFound, "'" + path + "': cannot read image");
      if (img.cols < 16 || img.rows < 16) return make_error(ErrorCode::kInvalidArgument, "'" + path + "': image smaller than 16x16");
      out.push_back(fit(img, max_side));
    }
    return out;
  }
  const std::string d = "/usr/share/doc/opencv-doc/examples/data/";
  for (const char* name : {"messi5.jpg", "baboon.jpg", "fruits.jpg", "butterfly.jpg", "home.jpg", "building.jpg",
                           "HappyFish.jpg", "apple.jpg", "board.jpg", "lena.jpg"}) {
    if (out.size() >= want) break;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(d + name, ec)) continue;
    cv::Mat img;
    try {
      img = cv::imread(d + name, cv::IMREAD_COLOR);
    } catch (const cv::Exception&) {
    }
    if (!img.empty()) out.push_back(fit(img, max_side));
  }
  for (std::uint64_t i = 0; out.size() < want; ++i) {
    const int side = max_side > 0 ? max_side : 256;
    out.push_back(generated_image(side, side * 3 / 4, o.seed * 7919 + i));
  }
  return out;
}

cv::Rect central_area(cv::Size size, double fraction) {
  const int w = std::max(1, static_cast<int>(size.width * fraction)), h = std::max(1, static_cast<int>(size.height * fraction));
  return {(size.width - w) / 2, (size.height - h) / 2, w, h};
}

Result<MsaiVictim> msai_victim(const cv::Mat& image, const cv::Rect& area, schemes::MsaiScheme scheme,
                               std::int64_t frame) {
  MsaiVictim v;
  SHROUD_ASSIGN_OR_RETURN(v.key, schemes::msai_generate_key(scheme));
  SHROUD_ASSIGN_OR_RETURN(v.tau, schemes::msai_generate_tau());
  SHROUD_ASSIGN_OR_RETURN(auto membrane, schemes::msai_cloud_membrane(v.key, area.height, area.width, image.channels()));
  SHROUD_ASSIGN_OR_RETURN(v.out, schemes::msai_camera_protect(image, area, membrane, v.tau, frame));
  v.original_area = image(area).clone();
  return v;
}

Result<SealTarget> seal_target(const cv::Mat& image, const std::vector<cv::Rect>& rects) {
  SHROUD_ASSIGN_OR_RETURN(Keyset ks, Keyset::generate());
  return seal_with(std::make_shared<const Keyset>(std::move(ks)), image, rects);
}

Result<SealTarget> seal_again(const SealTarget& first, const cv::Mat& image, const std::vector<cv::Rect>& rects) {
  return seal_with(first.keyset, image, rects);
}

std::span<const std::uint8_t> region_ciphertext(const SealTarget& t, std::size_t i) {
  const auto& r = t.parsed.regions.at(i);
  const std::size_t n = r.ciphertext_size >= 16 ? r.ciphertext_size - 16 : 0;
  return std::span<const std::uint8_t>(t.parsed.ciphertext).subspan(t.parsed.body_offset(i), n);
}

bool seal_rejects(const SealTarget& t, const cv::Mat& visible, const std::vector<std::uint8_t>& container) {
  return !recover_regions(visible, container, *t.keyset).ok();
}

double fraction_equal(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type() || a.empty()) return 0.0;
  cv::Mat diff;
  cv::compare(a.reshape(1), b.reshape(1), diff, cv::CMP_EQ);
  return static_cast<double>(cv::countNonZero(diff)) / static_cast<double>(diff.total());
}

double above_chance(double fraction, double chance) {
  if (chance >= 1.0) return 0.0;
  return std::clamp((fraction - chance) / (1.0 - chance), 0.0, 1.0);
}

}  // namespace shroud::attacks::msai
