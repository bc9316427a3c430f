// protect_jpeg / protect_jpeg_file: the coefficient path (jpeg_coeff.h).
#include <libexif/exif-data.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "crypto/crypto.h"
#include "jpeg/jpeg_internal.h"
#include "jpeg/payload.h"
#include "shroud/image_io.h"
#include "shroud/jpeg_coeff.h"
#include "shroud/protector.h"

namespace shroud {

Status draw_placeholder(cv::Mat& image, const Action& action, Placeholder placeholder, std::uint64_t noise_seed);

namespace {

bool starts_with(const std::vector<std::uint8_t>& d, const char* s, std::size_t n) {
  return d.size() >= n && std::memcmp(d.data(), s, n) == 0;
}
bool is_jfif(const jpeg::Marker& m) { return m.code == JPEG_APP0 && starts_with(m.data, "JFIF\0", 5); }
bool is_adobe(const jpeg::Marker& m) { return m.code == JPEG_APP0 + 14 && starts_with(m.data, "Adobe", 5); }
bool is_exif(const jpeg::Marker& m) { return m.code == JPEG_APP0 + 1 && starts_with(m.data, "Exif\0\0", 6); }
bool is_container(const jpeg::Marker& m) { return m.code == JPEG_APP0 + 11 && starts_with(m.data, "shRd", 4); }

// The APP1 Exif segment filtered like the pixel path's (exif_with_orientation_reset: thumbnail and
// maker note always removed, GPS and personal tags unless named in `keep_tags`); empty when
// libexif cannot parse it. The coefficient path only runs on orientation 1, so the reset is a no-op.
std::vector<std::uint8_t> filtered_exif(const std::vector<std::uint8_t>& app1, const std::vector<std::string>& keep_tags) {
  if (app1.size() <= 6) return {};
  auto tiff = exif_with_orientation_reset(std::vector<std::uint8_t>(app1.begin() + 6, app1.end()), keep_tags);
  if (tiff.empty() || tiff.size() + 6 > 65533) return {};
  std::vector<std::uint8_t> out = {'E', 'x', 'i', 'f', 0, 0};
  out.insert(out.end(), tiff.begin(), tiff.end());
  return out;
}

bool is_icc(const jpeg::Marker& m) { return m.code == JPEG_APP0 + 2 && starts_with(m.data, "ICC_PROFILE\0", 12); }

int orientation_of(const jpeg::Coefficients& c) {
  for (const auto& m : c.markers) {
    if (is_exif(m)) return exif_orientation(std::vector<std::uint8_t>(m.data.begin() + 6, m.data.end()));
  }
  return 1;
}

// Markers for the protected output, only with keep_metadata: EXIF filtered (filtered_exif), the
// ICC profile, COM comments only when "comment" is kept. XMP, IPTC and other APPn segments are
// dropped: they can carry GPS, names and previews that libexif cannot filter. Never JFIF/Adobe
// (libjpeg writes those) and never an old container.
std::vector<jpeg::Marker> output_markers(const jpeg::Coefficients& c, bool keep, const std::vector<std::string>& keep_tags) {
  std::vector<jpeg::Marker> out;
  if (!keep) return out;
  const bool comments = std::find(keep_tags.begin(), keep_tags.end(), "comment") != keep_tags.end();
  for (const auto& m : c.markers) {
    if ((c.saw_jfif && is_jfif(m)) || (c.saw_adobe && is_adobe(m)) || is_container(m)) continue;
    if (is_exif(m)) {
      auto filtered = filtered_exif(m.data, keep_tags);
      if (!filtered.empty()) out.push_back({m.code, std::move(filtered)});
    } else if (is_icc(m) || (m.code == JPEG_COM && comments)) {
      out.push_back(m);
    }
  }
  return out;
}

// Markers a byte-identical rewrite of the original needs (everything libjpeg does not write).
std::vector<jpeg::Marker> original_markers(const jpeg::Coefficients& c) {
  std::vector<jpeg::Marker> out;
  for (const auto& m : c.markers) {
    if ((c.saw_jfif && is_jfif(m)) || (c.saw_adobe && is_adobe(m))) continue;
    out.push_back(m);
  }
  return out;
}

// True when every Huffman table a component uses codes every symbol a block can produce (DC
// categories 0-11; AC EOB, ZRL and run/size 0-15/1-10), as the standard tables do: changed
// blocks can then be coded with the file's own tables.
bool tables_complete(const jpeg::Coefficients& c) {
  auto has_all = [](const jpeg::Coefficients::Huff& h, bool dc) {
    if (!h.present) return false;
    std::array<bool, 256> seen{};
    int n = 0;
    for (int i = 1; i <= 16; ++i) n += h.bits[static_cast<std::size_t>(i)];
    for (int i = 0; i < n && i < 256; ++i) seen[h.huffval[static_cast<std::size_t>(i)]] = true;
    if (dc) {
      for (int s = 0; s < 12; ++s) if (!seen[static_cast<std::size_t>(s)]) return false;
      return true;
    }
    if (!seen[0x00] || !seen[0xF0]) return false;
    for (int r = 0; r < 16; ++r) {
      for (int s = 1; s <= 10; ++s) if (!seen[static_cast<std::size_t>(r << 4 | s)]) return false;
    }
    return true;
  };
  for (const auto& comp : c.components) {
    if (!has_all(c.dc_huff[static_cast<std::size_t>(comp.dc_tbl)], true) ||
        !has_all(c.ac_huff[static_cast<std::size_t>(comp.ac_tbl)], false)) {
      return false;
    }
  }
  return true;
}

// The protected output: the file's own Huffman tables when they can code anything (one pass,
// same size as the input), otherwise optimised tables.
jpeg::WriteParams protect_params(const jpeg::Coefficients& c) {
  jpeg::WriteParams p;
  p.optimize = true;
  if (!c.info.progressive && !c.dht_before_each_scan && tables_complete(c)) {
    p.optimize = false;
    p.original_huffman = true;
  }
  p.write_jfif = c.saw_jfif;
  p.write_adobe = c.saw_adobe;
  return p;
}

// Finds how to rewrite the original byte for byte from its coefficients: with its own Huffman
// tables (mode 1) or with optimised tables (mode 2). Sets record.byte_identical when one works.
void find_rewrite(const jpeg::Coefficients& c, std::span<const std::uint8_t> original, jpeg::FileRecord& record) {
  record.markers = original_markers(c);
  record.dc_huff = c.dc_huff;
  record.ac_huff = c.ac_huff;
  std::size_t marker_bytes = 0;
  for (const auto& m : record.markers) marker_bytes += m.data.size();
  if (marker_bytes > (512u << 10)) {  // too much metadata to seal: coefficient-identical only
    record.markers.clear();
    record.mode = 0;
    return;
  }
  for (std::uint8_t mode : {std::uint8_t{1}, std::uint8_t{2}}) {
    if (mode == 1 && (c.info.progressive || c.dht_before_each_scan)) continue;
    jpeg::WriteParams p = protect_params(c);
    p.optimize = mode == 2;
    p.original_huffman = mode == 1;
    auto bytes = jpeg::write_coefficients(c, record.markers, p);
    if (bytes.ok() && bytes->size() == original.size() && std::equal(bytes->begin(), bytes->end(), original.begin())) {
      record.mode = mode;
      record.byte_identical = true;
      return;
    }
  }
  // Single scan, other encoder (grouped DQT/DHT segments, other marker order): keep the
  // original's bytes around the entropy-coded data, which libjpeg reproduces with the same tables.
  const auto orig_span = jpeg::single_scan_span(original);
  if (orig_span && orig_span->first + (original.size() - orig_span->second) <= (1u << 20)) {
    jpeg::WriteParams p = protect_params(c);
    p.optimize = false;
    p.original_huffman = true;
    auto bytes = jpeg::write_coefficients(c, {}, p);
    const auto ours = bytes.ok() ? jpeg::single_scan_span(*bytes) : std::nullopt;
    if (ours && orig_span->second - orig_span->first == ours->second - ours->first &&
        std::equal(bytes->begin() + static_cast<std::ptrdiff_t>(ours->first), bytes->begin() + static_cast<std::ptrdiff_t>(ours->second),
                   original.begin() + static_cast<std::ptrdiff_t>(orig_span->first))) {
      record.mode = 3;
      record.byte_identical = true;
      record.markers.clear();
      record.head.assign(original.begin(), original.begin() + static_cast<std::ptrdiff_t>(orig_span->first));
      record.tail.assign(original.begin() + static_cast<std::ptrdiff_t>(orig_span->second), original.end());
      return;
    }
  }
  record.mode = 2;
}

}  // namespace

Result<JpegInfo> probe_jpeg(std::span<const std::uint8_t> file) {
  SHROUD_ASSIGN_OR_RETURN(jpeg::Coefficients c, jpeg::read_coefficients(file));
  const int orientation = orientation_of(c);
  if (orientation != 1) {
    return make_error(ErrorCode::kUnsupported, "EXIF orientation " + std::to_string(orientation) +
                                                   ": the coefficient path keeps the stored orientation only");
  }
  return c.info;
}

Result<ScaledPixels> decode_jpeg_scaled(std::span<const std::uint8_t> file, int min_side) {
  SHROUD_ASSIGN_OR_RETURN(cv::Size full, probe_dimensions(std::vector<std::uint8_t>(file.begin(), file.end())));
  const int longer = std::max(full.width, full.height);
  int num = 8;
  if (min_side > 0) {
    while (num > 1 && (longer * (num - 1) + 7) / 8 >= min_side) --num;
  }
  ScaledPixels out;
  SHROUD_ASSIGN_OR_RETURN(out.pixels, jpeg::decode_pixels(file, num));
  out.scale = static_cast<double>(out.pixels.cols) / full.width;
  return out;
}

cv::Rect grow_to_imcu(const cv::Rect& rect, const JpegInfo& info) {
  const int x0 = rect.x / info.imcu_width * info.imcu_width;
  const int y0 = rect.y / info.imcu_height * info.imcu_height;
  const int x1 = std::min(info.width, (rect.x + rect.width + info.imcu_width - 1) / info.imcu_width * info.imcu_width);
  const int y1 = std::min(info.height, (rect.y + rect.height + info.imcu_height - 1) / info.imcu_height * info.imcu_height);
  return {x0, y0, x1 - x0, y1 - y0};
}

Result<JpegProtected> protect_jpeg(std::span<const std::uint8_t> file, const std::vector<Action>& actions,
                                   const JpegProtectOptions& options, const KeySource* keys) {
  SHROUD_ASSIGN_OR_RETURN(jpeg::Coefficients c, jpeg::read_coefficients(file));
  const int orientation = orientation_of(c);
  if (orientation != 1) {
    return make_error(ErrorCode::kUnsupported, "EXIF orientation " + std::to_string(orientation) +
                                                   ": the coefficient path keeps the stored orientation only");
  }
  const bool any_seal = std::any_of(actions.begin(), actions.end(), [](const Action& a) { return a.method == "seal"; });
  if (any_seal && keys == nullptr) return make_error(ErrorCode::kInvalidArgument, "seal: no key given");
  std::vector<std::unique_ptr<Protector>> protectors;
  for (const Action& a : actions) {
    if (a.method == "seal") {
      protectors.emplace_back();
      continue;
    }
    if (a.method != "fill" && a.method != "pixelate" && a.method != "blur") {
      return make_error(ErrorCode::kUnsupported, "method '" + a.method + "' has no JPEG coefficient path");
    }
    SHROUD_ASSIGN_OR_RETURN(auto p, create_protector(a.method));
    protectors.push_back(std::move(p));
  }
  const cv::Rect image(0, 0, c.info.width, c.info.height);
  jpeg::FileRecord record;
  if (any_seal) {
    const bool all_sealed = std::all_of(actions.begin(), actions.end(), [](const Action& a) { return a.method == "seal"; });
    if (all_sealed) {
      find_rewrite(c, file, record);
    } else {
      // Irreversible actions change blocks for good, so recovery cannot give the original file
      // back; keep its markers, and use optimised tables (the original's may lack codes).
      record.markers = original_markers(c);
      record.mode = 2;
    }
  }

  JpegProtected out;
  std::vector<SealPayload> payloads;
  // Irreversible actions first, then sealed ones (as the pixel path): sealed payloads then hold
  // what the irreversible methods left, and restoring them never brings back what those removed.
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < actions.size(); ++i) if (actions[i].method != "seal") order.push_back(i);
  for (std::size_t i = 0; i < actions.size(); ++i) if (actions[i].method == "seal") order.push_back(i);
  for (std::size_t i : order) {
    const Action& a = actions[i];
    const cv::Rect grown = grow_to_imcu(a.rect & image, c.info);
    if (grown.width <= 0 || grown.height <= 0) continue;
    if (a.method == "seal") {
      SealPayload p;
      p.kind = a.region.kind;
      p.rect = grown;
      p.bytes = jpeg::encode_payload(c, grown, payloads.empty() ? &record : nullptr);
      payloads.push_back(std::move(p));
    }
    cv::Mat box = jpeg::blocks_to_pixels(c, grown);
    Action local = a;
    local.rect = cv::Rect(0, 0, grown.width, grown.height);
    if (a.method == "seal") {
      std::uint64_t seed = 0;
      SHROUD_RETURN_IF_ERROR(crypto::random_bytes({reinterpret_cast<std::uint8_t*>(&seed), sizeof seed}));
      SHROUD_RETURN_IF_ERROR(draw_placeholder(box, local, options.placeholder, seed));
    } else {
      SHROUD_RETURN_IF_ERROR(protectors[i]->apply(box, local));
    }
    jpeg::pixels_to_blocks(c, grown, box);
    Action reported = a;
    reported.rect = grown;
    out.actions.push_back(reported);
  }
  SHROUD_ASSIGN_OR_RETURN(out.file, jpeg::write_coefficients(c, output_markers(c, options.keep_metadata, options.keep_tags), protect_params(c)));
  if (!payloads.empty()) {
    SealOptions so;
    so.placeholder = options.placeholder;
    so.binding = options.binding;
    const int type = c.components.size() == 1 ? CV_8UC1 : CV_8UC3;
    SHROUD_ASSIGN_OR_RETURN(PendingSeal pending, begin_payload_seal(image.size(), type, std::move(payloads),
                                                                   PayloadScheme::kJpegCoefficients, so));
    SHROUD_ASSIGN_OR_RETURN(cv::Mat carrier, jpeg::decode_pixels(out.file));
    SHROUD_ASSIGN_OR_RETURN(SealedImage sealed, finish_seal(std::move(pending), carrier, *keys));
    if (options.sidecar) {
      out.sidecar = std::move(sealed.container);
    } else {
      SHROUD_ASSIGN_OR_RETURN(out.file, embed_container(out.file, sealed.container));
    }
    out.sealed = true;
    out.byte_identical = record.byte_identical;
  }
  return out;
}

Result<JpegProtected> protect_jpeg_file(std::span<const std::uint8_t> file, Detector& detector, const Policy& policy,
                                        const JpegProtectOptions& options, const KeySource* keys) {
  SHROUD_ASSIGN_OR_RETURN(JpegInfo info, probe_jpeg(file));
  SHROUD_ASSIGN_OR_RETURN(ScaledPixels scaled, decode_jpeg_scaled(file, options.detect_side));
  Frame frame{scaled.pixels, 0, 0.0, options.source};
  SHROUD_ASSIGN_OR_RETURN(std::vector<Region> regions, detector.detect(frame));
  const double inv = 1.0 / scaled.scale;
  for (Region& r : regions) {
    if (scaled.scale != 1.0) {
      const int x0 = static_cast<int>(std::floor(r.box.x * inv)), y0 = static_cast<int>(std::floor(r.box.y * inv));
      const int x1 = static_cast<int>(std::ceil((r.box.x + r.box.width) * inv));
      const int y1 = static_cast<int>(std::ceil((r.box.y + r.box.height) * inv));
      r.box = cv::Rect(x0, y0, x1 - x0, y1 - y0);
      for (auto& p : r.landmarks) p *= static_cast<float>(inv);
    }
  }
  const std::vector<Action> actions = plan_actions(regions, cv::Size(info.width, info.height), policy);
  SHROUD_ASSIGN_OR_RETURN(JpegProtected out, protect_jpeg(file, actions, options, keys));
  out.regions = std::move(regions);
  return out;
}

}  // namespace shroud
