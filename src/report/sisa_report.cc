// SISA Fig. 6 / Fig. 7 measurements (paper_report.h): full-image vs selective encryption,
// decryption and blur, for the paper's AES-256-CFB mode and for the secure seal.
#include <opencv2/imgproc.hpp>

#include <cmath>

#include "report/timing.h"
#include "shroud/keys.h"
#include "shroud/paper_report.h"
#include "shroud/policy.h"
#include "shroud/protector.h"
#include "shroud/schemes/sisa.h"
#include "shroud/schemes/sisa_paper.h"
#include "shroud/seal.h"

namespace shroud {
namespace {

std::vector<Region> scale_regions(const std::vector<Region>& regions, cv::Size from, cv::Size to) {
  const double sx = static_cast<double>(to.width) / from.width, sy = static_cast<double>(to.height) / from.height;
  std::vector<Region> out;
  for (Region r : regions) {
    r.box = cv::Rect(static_cast<int>(std::lround(r.box.x * sx)), static_cast<int>(std::lround(r.box.y * sy)),
                     static_cast<int>(std::lround(r.box.width * sx)), static_cast<int>(std::lround(r.box.height * sy)));
    out.push_back(r);
  }
  return out;
}

bool equal(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

std::vector<Action> actions_for(const std::vector<cv::Rect>& rects, const std::string& method) {
  std::vector<Action> out;
  for (const auto& r : rects) {
    Action a;
    a.region.kind = Kind::kFace;
    a.region.box = r;
    a.rect = r;
    a.method = method;
    out.push_back(a);
  }
  return out;
}

// AES-256-CFB over `rects` of a copy of `image`: encryption and decryption medians, with a check
// that decryption restores the image (overlapping rects are decrypted in reverse order).
Status time_cfb(const cv::Mat& image, const std::vector<cv::Rect>& rects, int repeats, double* enc_ms, double* dec_ms) {
  SHROUD_ASSIGN_OR_RETURN(auto key, schemes::generate_sisa_paper_key());
  Status failed = ok_status();
  cv::Mat work;
  std::vector<schemes::SisaPaperRecord> records;
  auto encrypt_all = [&] {
    records.clear();
    for (const auto& r : rects) {
      auto rec = schemes::sisa_paper_encrypt(work, r, key);
      if (!rec.ok()) failed = rec.error();
      else records.push_back(*rec);
    }
  };
  auto decrypt_all = [&] {
    for (auto it = records.rbegin(); it != records.rend(); ++it) {
      auto st = schemes::sisa_paper_decrypt(work, *it, key);
      if (!st.ok()) failed = st;
    }
  };
  *enc_ms = report::median(report::time_ms(repeats, [&] { work = image.clone(); }, encrypt_all));
  SHROUD_RETURN_IF_ERROR(failed);
  *dec_ms = report::median(report::time_ms(repeats, [&] { work = image.clone(); encrypt_all(); }, decrypt_all));
  SHROUD_RETURN_IF_ERROR(failed);
  if (!equal(work, image)) return make_error(ErrorCode::kInternal, "report: AES-CFB round trip differs");
  return ok_status();
}

// The seal over `rects`: seal (placeholder fill) and recover medians, with a round-trip check.
Status time_seal(const cv::Mat& image, const std::vector<cv::Rect>& rects, const Keyset& keyset, int repeats,
                 double* seal_ms, double* open_ms) {
  const auto actions = actions_for(rects, "seal");
  SealOptions so;
  so.placeholder = Placeholder::kFill;
  Status failed = ok_status();
  cv::Mat work;
  SealedImage sealed;
  auto seal_all = [&] {
    auto s = seal_regions(work, actions, so, KeySource{&keyset, nullptr});
    if (!s.ok()) failed = s.error();
    else sealed = std::move(*s);
  };
  cv::Mat restored;
  *seal_ms = report::median(report::time_ms(repeats, [&] { work = image.clone(); }, seal_all));
  SHROUD_RETURN_IF_ERROR(failed);
  *open_ms = report::median(report::time_ms(repeats, [] {}, [&] {
    auto r = recover_regions(work, sealed.container, keyset);
    if (!r.ok()) failed = r.error();
    else restored = r->image;
  }));
  SHROUD_RETURN_IF_ERROR(failed);
  // Overlapping rects: the later region holds the earlier placeholder, so compare only the
  // non-overlapping case exactly; overlapping selections are checked region by region elsewhere.
  bool overlap = false;
  for (std::size_t i = 0; i < rects.size(); ++i)
    for (std::size_t j = i + 1; j < rects.size(); ++j) overlap = overlap || (rects[i] & rects[j]).area() > 0;
  if (!overlap && !equal(restored, image)) return make_error(ErrorCode::kInternal, "report: seal round trip differs");
  return ok_status();
}

}  // namespace

Result<std::vector<SisaTiming>> run_sisa_report(const cv::Mat& scene, const std::vector<Region>& regions,
                                                const std::vector<cv::Size>& sizes, const std::vector<int>& levels,
                                                const PaperReportOptions& options) {
  if (scene.empty() || scene.depth() != CV_8U || (scene.channels() != 1 && scene.channels() != 3)) {
    return make_error(ErrorCode::kInvalidArgument, "report: the SISA scene must be an 8-bit 1- or 3-channel image");
  }
  if (options.sisa_repeats < 1 || options.sisa_repeats > 1000) {
    return make_error(ErrorCode::kInvalidArgument, "report: sisa repeats must be 1 to 1000");
  }
  for (const auto& s : sizes) {
    if (s.width < 16 || s.height < 16 || s.width > 8192 || s.height > 8192) {
      return make_error(ErrorCode::kInvalidArgument, "report: SISA sizes must be 16x16 to 8192x8192");
    }
  }
  SHROUD_ASSIGN_OR_RETURN(auto keyset, Keyset::generate());
  SHROUD_ASSIGN_OR_RETURN(auto blur, create_protector("blur"));
  std::vector<SisaTiming> out;
  for (const auto& size : sizes) {
    cv::Mat image;
    cv::resize(scene, image, size, 0, 0, cv::INTER_AREA);
    const auto scaled = scale_regions(regions, scene.size(), size);
    const std::vector<cv::Rect> whole{cv::Rect(0, 0, size.width, size.height)};
    double full_enc = 0, full_dec = 0, seal_full = 0, open_full = 0;
    SHROUD_RETURN_IF_ERROR(time_cfb(image, whole, options.sisa_repeats, &full_enc, &full_dec));
    SHROUD_RETURN_IF_ERROR(time_seal(image, whole, keyset, options.sisa_repeats, &seal_full, &open_full));
    for (int level : levels) {
      schemes::SisaParams params;
      params.levels = options.sisa_levels;
      params.level = level;
      SHROUD_ASSIGN_OR_RETURN(auto sel, schemes::sisa_select(scaled, size, params));
      SisaTiming t;
      t.size = size;
      t.level = level;
      t.covered = sel.covered_fraction;
      t.full_encrypt_ms = full_enc;
      t.full_decrypt_ms = full_dec;
      t.seal_full_ms = seal_full;
      t.open_full_ms = open_full;
      SHROUD_RETURN_IF_ERROR(time_cfb(image, sel.rects, options.sisa_repeats, &t.sisa_encrypt_ms, &t.sisa_decrypt_ms));
      SHROUD_RETURN_IF_ERROR(time_seal(image, sel.rects, keyset, options.sisa_repeats, &t.seal_sisa_ms, &t.open_sisa_ms));
      const auto blur_actions = actions_for(sel.rects, "blur");
      cv::Mat work;
      Status failed = ok_status();
      t.sisa_blur_ms = report::median(report::time_ms(options.sisa_repeats, [&] { work = image.clone(); }, [&] {
        for (const auto& a : blur_actions) {
          auto st = blur->apply(work, a);
          if (!st.ok()) failed = st;
        }
      }));
      SHROUD_RETURN_IF_ERROR(failed);
      out.push_back(t);
    }
  }
  return out;
}

}  // namespace shroud
