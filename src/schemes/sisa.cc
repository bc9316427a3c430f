// SISA priority, levels and region selection (see sisa.h).
#include "shroud/schemes/sisa.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include "core/json_number.h"

namespace shroud::schemes {

const char* sisa_operation_name(SisaOperation op) { return op == SisaOperation::kEncrypt ? "encrypt" : "blur"; }

Status check_sisa_params(const SisaParams& p) {
  if (p.levels < 1 || p.levels > 100) return make_error(ErrorCode::kInvalidArgument, "SISA: levels must be 1..100");
  if (p.level < 1 || p.level > p.levels) {
    return make_error(ErrorCode::kInvalidArgument, "SISA: level must be 1.." + std::to_string(p.levels));
  }
  if (p.encrypt_from_level < 1) return make_error(ErrorCode::kInvalidArgument, "SISA: encrypt_from_level must be >= 1");
  return ok_status();
}

double sisa_target_fraction(int level, int levels) {
  if (levels <= 1) return 1.0;
  return 0.3 + 0.7 * static_cast<double>(level - 1) / static_cast<double>(levels - 1);
}

SisaOperation sisa_operation(const SisaParams& p) {
  return p.level >= p.encrypt_from_level ? SisaOperation::kEncrypt : SisaOperation::kBlur;
}

nlohmann::json SisaParams::to_json() const {
  nlohmann::json kinds = nlohmann::json::array();
  for (Kind k : kind_priority) kinds.push_back(std::string(kind_name(k)));
  return {{"levels", levels},
          {"level", level},
          {"kind_priority", kinds},
          {"encrypt_from_level", encrypt_from_level},
          {"allow_partial", allow_partial},
          {"fill_from_centre", fill_from_centre}};
}

Result<SisaParams> SisaParams::from_json(const nlohmann::json& j) {
  SisaParams p;
  if (!j.is_object()) return make_error(ErrorCode::kInvalidArgument, "SISA parameters: expected a JSON object");
  try {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& k = it.key();
      if (k == "levels") {
        p.levels = shroud::detail::json_int(*it);
      } else if (k == "level") {
        p.level = shroud::detail::json_int(*it);
      } else if (k == "kind_priority") {
        if (!it->is_array()) return make_error(ErrorCode::kInvalidArgument, "SISA parameters: kind_priority is a list");
        p.kind_priority.clear();
        for (const auto& name : *it) {
          auto kind = parse_kind(name.get<std::string>());
          if (!kind.ok()) return kind.error();
          p.kind_priority.push_back(*kind);
        }
      } else if (k == "encrypt_from_level") {
        p.encrypt_from_level = shroud::detail::json_int(*it);
      } else if (k == "allow_partial") {
        p.allow_partial = it->get<bool>();
      } else if (k == "fill_from_centre") {
        p.fill_from_centre = it->get<bool>();
      } else {
        return make_error(ErrorCode::kInvalidArgument, "SISA parameters: unknown key '" + k + "'");
      }
    }
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kInvalidArgument, std::string("SISA parameters: ") + e.what());
  }
  SHROUD_RETURN_IF_ERROR(check_sisa_params(p));
  return p;
}

std::int64_t union_area(const std::vector<cv::Rect>& rects) {
  std::vector<int> xs;
  for (const auto& r : rects) {
    if (r.width <= 0 || r.height <= 0) continue;
    xs.push_back(r.x);
    xs.push_back(r.x + r.width);
  }
  std::sort(xs.begin(), xs.end());
  xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
  std::int64_t total = 0;
  std::vector<std::pair<int, int>> spans;
  for (std::size_t i = 0; i + 1 < xs.size(); ++i) {
    const int x0 = xs[i], x1 = xs[i + 1];
    spans.clear();
    for (const auto& r : rects) {
      if (r.width > 0 && r.height > 0 && r.x <= x0 && r.x + r.width >= x1) spans.emplace_back(r.y, r.y + r.height);
    }
    std::sort(spans.begin(), spans.end());
    std::int64_t covered = 0;
    int cur0 = 0, cur1 = 0;
    bool open = false;
    for (const auto& [a, b] : spans) {
      if (!open || a > cur1) {
        if (open) covered += cur1 - cur0;
        cur0 = a;
        cur1 = b;
        open = true;
      } else {
        cur1 = std::max(cur1, b);
      }
    }
    if (open) covered += cur1 - cur0;
    total += covered * (x1 - x0);
  }
  return total;
}

std::vector<SisaCandidate> sisa_prioritise(const std::vector<Region>& regions, cv::Size image,
                                           const std::vector<Kind>& kind_priority) {
  std::vector<SisaCandidate> out;
  const cv::Rect bounds(0, 0, image.width, image.height);
  const double cx = image.width / 2.0, cy = image.height / 2.0;
  const double half_diag = std::max(1e-9, std::hypot(cx, cy));
  for (std::size_t i = 0; i < regions.size(); ++i) {
    const cv::Rect box = regions[i].box & bounds;
    if (box.width <= 0 || box.height <= 0) continue;
    SisaCandidate c;
    c.index = static_cast<int>(i);
    c.box = box;
    const auto it = std::find(kind_priority.begin(), kind_priority.end(), regions[i].kind);
    c.kind_rank = static_cast<int>(it - kind_priority.begin());
    // Affinity uses the detector's box centre (clipped to the image).
    const cv::Rect& b = regions[i].box;
    const double bx = std::clamp(b.x + b.width / 2.0, 0.0, static_cast<double>(image.width));
    const double by = std::clamp(b.y + b.height / 2.0, 0.0, static_cast<double>(image.height));
    c.centre_distance = std::hypot(bx - cx, by - cy) / half_diag;
    out.push_back(c);
  }
  std::stable_sort(out.begin(), out.end(), [](const SisaCandidate& a, const SisaCandidate& b) {
    if (a.kind_rank != b.kind_rank) return a.kind_rank < b.kind_rank;
    if (a.centre_distance != b.centre_distance) return a.centre_distance < b.centre_distance;
    return a.box.area() > b.box.area();
  });
  return out;
}

Result<SisaSelection> sisa_select(const std::vector<Region>& regions, cv::Size image, const SisaParams& params) {
  SHROUD_RETURN_IF_ERROR(check_sisa_params(params));
  if (image.width <= 0 || image.height <= 0) return make_error(ErrorCode::kInvalidArgument, "SISA: empty image");
  SisaSelection sel;
  sel.operation = sisa_operation(params);
  sel.target_fraction = sisa_target_fraction(params.level, params.levels);
  const std::int64_t total = std::int64_t{image.width} * image.height;
  // Pixels needed: the smallest integer count >= target * total (tolerant to rounding).
  const std::int64_t target = static_cast<std::int64_t>(std::ceil(sel.target_fraction * total - 1e-9));
  std::int64_t covered = 0;
  for (const auto& c : sisa_prioritise(regions, image, params.kind_priority)) {
    if (covered >= target) break;
    sel.rects.push_back(c.box);
    sel.sources.push_back(c.index);
    const std::int64_t with = union_area(sel.rects);
    if (with > target && params.allow_partial) {
      // Fewest top rows of this box that reach the target (union area is monotone in rows).
      int lo = 1, hi = c.box.height;
      while (lo < hi) {
        const int mid = lo + (hi - lo) / 2;
        sel.rects.back() = cv::Rect(c.box.x, c.box.y, c.box.width, mid);
        if (union_area(sel.rects) >= target) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      sel.rects.back() = cv::Rect(c.box.x, c.box.y, c.box.width, lo);
      sel.partial_last = lo < c.box.height;
      covered = union_area(sel.rects);
      break;
    }
    covered = with;
  }
  if (covered < target && params.fill_from_centre) {
    // Centred rectangle of scale t / M (M = longer side); smallest t that reaches the target.
    const int m = std::max(image.width, image.height);
    auto centred = [&](int t) {
      const int w = static_cast<int>((std::int64_t{t} * image.width + m - 1) / m);
      const int h = static_cast<int>((std::int64_t{t} * image.height + m - 1) / m);
      return cv::Rect((image.width - w) / 2, (image.height - h) / 2, w, h);
    };
    int lo = 1, hi = m;
    sel.rects.push_back(centred(m));
    while (lo < hi) {
      const int mid = lo + (hi - lo) / 2;
      sel.rects.back() = centred(mid);
      if (union_area(sel.rects) >= target) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    sel.rects.back() = centred(lo);
    sel.sources.push_back(-1);
    covered = union_area(sel.rects);
  }
  sel.covered_fraction = static_cast<double>(covered) / static_cast<double>(total);
  return sel;
}

}  // namespace shroud::schemes
