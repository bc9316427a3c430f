// recover_jpeg: restore the original coefficients of sealed JPEG regions (jpeg_coeff.h).
#include <cstring>

#include "jpeg/jpeg_internal.h"
#include "jpeg/payload.h"
#include "shroud/jpeg_coeff.h"
#include "shroud/provenance.h"

namespace shroud {
namespace {

bool is_container_marker(const jpeg::Marker& m) {
  return m.code == JPEG_APP0 + 11 && m.data.size() >= 4 && std::memcmp(m.data.data(), "shRd", 4) == 0;
}
bool is_lib_marker(const jpeg::Coefficients& c, const jpeg::Marker& m) {
  return (c.saw_jfif && m.code == JPEG_APP0 && m.data.size() >= 5 && std::memcmp(m.data.data(), "JFIF\0", 5) == 0) ||
         (c.saw_adobe && m.code == JPEG_APP0 + 14 && m.data.size() >= 5 && std::memcmp(m.data.data(), "Adobe", 5) == 0);
}

}  // namespace

bool is_jpeg_coefficient_seal(std::span<const std::uint8_t> file, const std::optional<std::vector<std::uint8_t>>& sidecar) {
  std::optional<std::vector<std::uint8_t>> payload = sidecar;
  if (!payload) {
    auto embedded = extract_container(file);
    if (!embedded.ok() || !embedded->has_value()) return false;
    payload = std::move(**embedded);
  }
  auto split = split_signed_payload(*payload);
  if (!split.ok()) return false;
  auto scheme = container_scheme(split->container);
  return scheme.ok() && *scheme == PayloadScheme::kJpegCoefficients;
}

Result<JpegRecovered> recover_jpeg(std::span<const std::uint8_t> file, const std::optional<std::vector<std::uint8_t>>& sidecar,
                                   const Keyset& keyset, const RecoverOptions& options) {
  SHROUD_ASSIGN_OR_RETURN(const std::vector<std::uint8_t> payload, container_of(file, sidecar));
  // A signed payload: the provenance record (checked by the Engine) then the container.
  SHROUD_ASSIGN_OR_RETURN(SignedPayload split, split_signed_payload(payload));
  const std::span<const std::uint8_t> container = split.container;
  SHROUD_ASSIGN_OR_RETURN(jpeg::Coefficients c, jpeg::read_coefficients(file));
  SHROUD_ASSIGN_OR_RETURN(cv::Mat carrier, jpeg::decode_pixels(file));
  SHROUD_ASSIGN_OR_RETURN(OpenedPayloads opened,
                          open_payload_seal(carrier, container, PayloadScheme::kJpegCoefficients, keyset, options));
  std::optional<jpeg::FileRecord> record;
  Status applied = ok_status();
  // Reverse order: region i was captured after the placeholders of regions before it.
  for (auto it = opened.selected.rbegin(); it != opened.selected.rend() && applied.ok(); ++it) {
    applied = jpeg::apply_payload(it->bytes, c, it->rect, it->index == 0 ? &record : nullptr);
  }
  for (auto& p : opened.selected) std::fill(p.bytes.begin(), p.bytes.end(), 0);
  SHROUD_RETURN_IF_ERROR(applied);

  JpegRecovered out;
  out.region_count = opened.region_count;
  out.binding = opened.binding;
  out.key_id = opened.key_id;
  for (const auto& p : opened.selected) out.restored.push_back(p.index);
  const bool all = out.restored.size() == opened.region_count;
  jpeg::WriteParams params;
  params.optimize = true;
  params.write_jfif = c.saw_jfif;
  params.write_adobe = c.saw_adobe;
  std::vector<jpeg::Marker> markers;
  if (all && record && record->mode == 3) {
    // Spliced: the original's head and tail around libjpeg's entropy-coded data.
    params.optimize = false;
    params.original_huffman = true;
    c.dc_huff = record->dc_huff;
    c.ac_huff = record->ac_huff;
    SHROUD_ASSIGN_OR_RETURN(auto bytes, jpeg::write_coefficients(c, {}, params));
    const auto span = jpeg::single_scan_span(bytes);
    if (!span) return make_error(ErrorCode::kInternal, "JPEG encoder wrote more than one scan");
    out.file = record->head;
    out.file.insert(out.file.end(), bytes.begin() + static_cast<std::ptrdiff_t>(span->first),
                    bytes.begin() + static_cast<std::ptrdiff_t>(span->second));
    out.file.insert(out.file.end(), record->tail.begin(), record->tail.end());
    out.byte_identical = record->byte_identical;
    return out;
  }
  if (all && record && record->mode != 0) {
    // The original's markers and Huffman coding: the original file when record->byte_identical.
    markers = record->markers;
    params.optimize = record->mode == 2;
    params.original_huffman = record->mode == 1;
    c.dc_huff = record->dc_huff;
    c.ac_huff = record->ac_huff;
    out.byte_identical = record->byte_identical;
  } else {
    for (const auto& m : c.markers) {
      if (!is_container_marker(m) && !is_lib_marker(c, m)) markers.push_back(m);
    }
  }
  SHROUD_ASSIGN_OR_RETURN(out.file, jpeg::write_coefficients(c, markers, params));
  return out;
}

}  // namespace shroud
