// Shared pieces of the perceptual-encryption attacks: oracles for each scheme and the seal,
// test images (pe_common.h).
#include "attacks/pe_common.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "shroud/container.h"
#include "shroud/schemes/pbe.h"
#include "shroud/schemes/perceptual.h"
#include "shroud/seal.h"

namespace shroud::attacks {
namespace {

cv::Mat square_resize(const cv::Mat& img, cv::Size size) {
  const int side = std::min(img.cols, img.rows);
  cv::Mat crop = img(cv::Rect((img.cols - side) / 2, (img.rows - side) / 2, side, side));
  cv::Mat out;
  cv::resize(crop, out, size, 0, 0, cv::INTER_AREA);
  return out;
}

// A smooth colour image: gradients plus a few soft discs (natural-image-like statistics).
cv::Mat generated_image(cv::Size size, std::uint64_t seed) {
  cv::RNG rng(seed * 7919 + 17);
  cv::Mat f(size, CV_32FC3);
  const cv::Vec3f a(rng.uniform(0.f, 255.f), rng.uniform(0.f, 255.f), rng.uniform(0.f, 255.f));
  const cv::Vec3f gx(rng.uniform(-1.f, 1.f), rng.uniform(-1.f, 1.f), rng.uniform(-1.f, 1.f));
  const cv::Vec3f gy(rng.uniform(-1.f, 1.f), rng.uniform(-1.f, 1.f), rng.uniform(-1.f, 1.f));
  for (int y = 0; y < size.height; ++y)
    for (int x = 0; x < size.width; ++x)
      for (int c = 0; c < 3; ++c) f.at<cv::Vec3f>(y, x)[c] = a[c] + 100.f * (gx[c] * x / size.width + gy[c] * y / size.height);
  for (int k = 0; k < 6; ++k) {
    const cv::Point centre(rng.uniform(0, size.width), rng.uniform(0, size.height));
    const int radius = rng.uniform(2, std::max(3, size.width / 3));
    cv::circle(f, centre, radius, cv::Scalar(rng.uniform(0., 255.), rng.uniform(0., 255.), rng.uniform(0., 255.)), cv::FILLED);
  }
  cv::GaussianBlur(f, f, cv::Size(0, 0), 1.5);
  cv::Mat noise(size, CV_32FC3);
  rng.fill(noise, cv::RNG::NORMAL, 0, 3);
  f += noise;
  cv::Mat out;
  f.convertTo(out, CV_8UC3);
  return out;
}

EquivalentKey key_from(const schemes::PeSeed& seed, bool shuffle, const std::vector<std::uint32_t>* seq, cv::Size size) {
  const std::size_t pixels = static_cast<std::size_t>(size.area());
  const auto kc = schemes::pe_binary_key(seed, pixels * 3);
  const auto ks = shuffle ? schemes::pe_shuffle_key(seed, pixels) : std::vector<std::uint8_t>{};
  EquivalentKey k{cv::Mat(size, CV_8UC3), cv::Mat(size, CV_8UC3)};
  std::size_t i = 0;
  for (int y = 0; y < size.height; ++y) {
    for (int x = 0; x < size.width; ++x, ++i) {
      auto& p = k.perm.at<cv::Vec3b>(y, x);
      auto& m = k.mask.at<cv::Vec3b>(y, x);
      for (int c = 0; c < 3; ++c) {
        p[c] = static_cast<std::uint8_t>(shuffle ? schemes::kChannelPermutations[ks[i]][static_cast<std::size_t>(c)] : c);
        const std::uint8_t v = seq ? static_cast<std::uint8_t>((*seq)[i * 3 + static_cast<std::size_t>(c)]) : 255;
        m[c] = kc[i * 3 + static_cast<std::size_t>(c)] ? v : 0;
      }
    }
  }
  return k;
}

}  // namespace

cv::Mat decrypt_equivalent(const cv::Mat& cipher, const EquivalentKey& key) {
  cv::Mat out(cipher.size(), CV_8UC3, cv::Scalar::all(0));
  for (int y = 0; y < cipher.rows; ++y) {
    for (int x = 0; x < cipher.cols; ++x) {
      const auto& c = cipher.at<cv::Vec3b>(y, x);
      const auto& p = key.perm.at<cv::Vec3b>(y, x);
      const auto& m = key.mask.at<cv::Vec3b>(y, x);
      auto& o = out.at<cv::Vec3b>(y, x);
      for (int j = 0; j < 3; ++j) {
        const int src = p[j] % 3;
        o[src] = static_cast<std::uint8_t>(c[j] ^ m[src]);
      }
    }
  }
  return out;
}

double perm_agreement(const EquivalentKey& a, const EquivalentKey& b) { return exact_pixel_fraction(a.perm, b.perm); }
double mask_agreement(const EquivalentKey& a, const EquivalentKey& b) { return exact_pixel_fraction(a.mask, b.mask); }

Result<PeOracle> make_pe_oracle(const std::string& scheme) {
  PeOracle o;
  if (scheme == "pbe" || scheme == "pbe-noshuffle") {
    SHROUD_ASSIGN_OR_RETURN(auto key, schemes::generate_pbe_key());
    key.shuffle = scheme == "pbe";
    o.encrypt = [key](const cv::Mat& m) { return schemes::pbe_encrypt(m, key); };
    o.decrypt = [key](const cv::Mat& m) { return schemes::pbe_decrypt(m, key); };
    o.truth = [key](cv::Size size) { return key_from(key.seed, key.shuffle, nullptr, size); };
    return o;
  }
  if (scheme == "perceptual") {
    SHROUD_ASSIGN_OR_RETURN(auto key, schemes::generate_perceptual_key());
    o.encrypt = [key](const cv::Mat& m) { return schemes::perceptual_encrypt(m, key); };
    o.decrypt = [key](const cv::Mat& m) { return schemes::perceptual_decrypt(m, key); };
    o.truth = [key](cv::Size size) {
      const auto seq = schemes::logistic_sequence(key.mu, key.d0, static_cast<std::size_t>(size.area()) * 3);
      return key_from(key.seed, key.shuffle, &seq, size);
    };
    return o;
  }
  if (scheme == "seal") {
    SHROUD_ASSIGN_OR_RETURN(auto ks, Keyset::generate());
    o.keyset = std::make_shared<Keyset>(std::move(ks));
    std::shared_ptr<Keyset> keyset = o.keyset;
    o.encrypt = [keyset](const cv::Mat& m) -> Result<cv::Mat> {
      cv::Mat carrier = m.clone();
      Action a;
      a.rect = cv::Rect(0, 0, m.cols, m.rows);
      a.region.box = a.rect;
      a.method = "seal";
      // Container version 1 (raw bodies): ciphertext byte i encrypts pixel byte i, the layout most
      // favourable to these attacks (version 2 compresses first, which only removes that alignment).
      SealOptions so;
      so.container_version = kContainerVersion;
      SHROUD_ASSIGN_OR_RETURN(auto sealed, seal_regions(carrier, {a}, so, KeySource{keyset.get(), nullptr}));
      SHROUD_ASSIGN_OR_RETURN(auto c, parse_container(sealed.container));
      const std::size_t plain = m.total() * m.elemSize();
      if (c.regions.size() != 1 || c.ciphertext.size() != plain + 16) {
        return make_error(ErrorCode::kInternal, "seal oracle: unexpected container layout");
      }
      cv::Mat body(m.size(), m.type());
      std::memcpy(body.data, c.ciphertext.data(), plain);  // the ciphertext, tag dropped
      return body;
    };
    o.decrypt = [](const cv::Mat&) -> Result<cv::Mat> {
      return make_error(ErrorCode::kUnsupported, "seal oracle: no keyless decryption");
    };
    return o;
  }
  return make_error(ErrorCode::kInvalidArgument, "unknown scheme '" + scheme + "'");
}

Result<PeImages> pe_images(const AttackOptions& options, int count, cv::Size size) {
  PeImages out;
  for (const auto& path : options.images) {
    if (static_cast<int>(out.images.size()) >= count) break;
    std::error_code ec;
    cv::Mat img;
    try {
      if (std::filesystem::is_regular_file(path, ec)) img = cv::imread(path, cv::IMREAD_COLOR);
    } catch (const cv::Exception&) {
      img.release();
    }
    if (img.empty()) return make_error(ErrorCode::kNotFound, "'" + path + "': cannot read image");
    out.images.push_back(square_resize(img, size));
    out.names.push_back(path);
  }
  const std::string dir = "/usr/share/doc/opencv-doc/examples/data/";
  for (const char* name : {"lena.jpg", "messi5.jpg", "baboon.jpg", "fruits.jpg", "butterfly.jpg", "home.jpg",
                           "HappyFish.jpg", "orange.jpg", "building.jpg", "apple.jpg"}) {
    if (static_cast<int>(out.images.size()) >= count) break;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(dir + name, ec)) continue;
    cv::Mat img;
    try {
      img = cv::imread(dir + name, cv::IMREAD_COLOR);
    } catch (const cv::Exception&) {
      continue;
    }
    if (img.empty()) continue;
    out.images.push_back(square_resize(img, size));
    out.names.push_back(dir + name);
  }
  for (int k = 0; static_cast<int>(out.images.size()) < count; ++k) {
    out.images.push_back(generated_image(size, options.seed + static_cast<std::uint64_t>(k)));
    out.names.push_back("generated:" + std::to_string(options.seed + static_cast<std::uint64_t>(k)));
  }
  return out;
}

double exact_pixel_fraction(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type() || a.empty()) return 0.0;
  cv::Mat diff;
  cv::absdiff(a, b, diff);
  cv::Mat flat = diff.reshape(1, static_cast<int>(a.total()));
  cv::Mat row_max;
  cv::reduce(flat, row_max, 1, cv::REDUCE_MAX);
  return static_cast<double>(a.total() - static_cast<std::size_t>(cv::countNonZero(row_max))) / static_cast<double>(a.total());
}

double exact_sample_fraction(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type() || a.empty()) return 0.0;
  cv::Mat diff;
  cv::absdiff(a, b, diff);
  const cv::Mat flat = diff.reshape(1);
  const double n = static_cast<double>(flat.total());
  return (n - cv::countNonZero(flat)) / n;
}

int pe_image_side(const AttackOptions& options, int fallback) {
  std::int64_t side = fallback;
  // Integers only: get<int>() of 1e20 would be a float-to-int conversion with undefined behaviour.
  if (options.params.contains("size") && options.params["size"].is_number_integer()) {
    side = options.params["size"].is_number_unsigned() ? 1024 : options.params["size"].get<std::int64_t>();
  }
  return static_cast<int>(std::clamp<std::int64_t>(side, 4, 1024));
}

Result<SealedTarget> seal_target(const cv::Mat& original, const cv::Rect& rect, const Keyset& keyset, bool check_clean) {
  SealedTarget t;
  t.carrier = original.clone();
  Action a;
  a.rect = rect;
  a.region.box = rect;
  a.method = "seal";
  SHROUD_ASSIGN_OR_RETURN(auto sealed, seal_regions(t.carrier, {a}, SealOptions{}, KeySource{&keyset, nullptr}));
  SHROUD_ASSIGN_OR_RETURN(t.container, parse_container(sealed.container));
  if (check_clean) {
    auto clean = recover_regions(t.carrier, sealed.container, keyset);
    if (!clean.ok() || cv::norm(clean->image, original, cv::NORM_INF) != 0) {
      return make_error(ErrorCode::kInternal, "seal: the untampered container did not recover exactly");
    }
  }
  return t;
}

}  // namespace shroud::attacks
