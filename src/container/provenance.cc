// Signed provenance records (provenance.h, docs/provenance.md): framing, parsing, signing.
#include "shroud/provenance.h"

#include <bit>
#include <cstring>

#include "crypto/crypto.h"

namespace shroud {
namespace {

constexpr std::uint8_t kProvenanceMagic[8] = {'s', 'h', 'R', 'd', 'P', 'r', 'o', 'v'};
constexpr std::uint8_t kVersion = 1;
constexpr char kLabel[] = "shroud/v1/provenance";

Error provenance_corrupt(const std::string& m) { return make_error(ErrorCode::kCorrupt, "provenance record: " + m); }

// The message an Ed25519 signature covers: the label, then header + JSON.
std::vector<std::uint8_t> signed_message(std::span<const std::uint8_t> framed) {
  constexpr std::size_t n = sizeof kLabel - 1;
  std::vector<std::uint8_t> m(n + framed.size());
  std::memcpy(m.data(), kLabel, n);
  if (!framed.empty()) std::memcpy(m.data() + n, framed.data(), framed.size());
  return m;
}

bool is_hex(const std::string& s, std::size_t n) {
  if (s.size() != n) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

bool is_provenance_record(std::span<const std::uint8_t> bytes) {
  return bytes.size() >= sizeof kProvenanceMagic && std::memcmp(bytes.data(), kProvenanceMagic, sizeof kProvenanceMagic) == 0;
}

Result<ProvenanceRecord> parse_provenance(std::span<const std::uint8_t> bytes) {
  if (!is_provenance_record(bytes)) return provenance_corrupt("bad magic");
  if (bytes.size() < kProvenanceHeaderBytes) return provenance_corrupt("truncated header");
  if (bytes[8] != kVersion) return make_error(ErrorCode::kUnsupported, "provenance record: unknown version " + std::to_string(bytes[8]));
  if (bytes[9] != 0 || bytes[10] != 0 || bytes[11] != 0) return provenance_corrupt("reserved bytes are not zero");
  const std::uint32_t len = (std::uint32_t{bytes[20]} << 24) | (std::uint32_t{bytes[21]} << 16) |
                            (std::uint32_t{bytes[22]} << 8) | std::uint32_t{bytes[23]};
  if (len > kProvenanceMaxJsonBytes) return make_error(ErrorCode::kResourceLimit, "provenance record: JSON over 256 KiB");
  const std::uint64_t total = std::uint64_t{kProvenanceHeaderBytes} + len + kSignatureBytes;
  if (total > bytes.size()) return provenance_corrupt("truncated (JSON or signature past the end)");
  ProvenanceRecord r;
  r.signer = crypto::to_hex(bytes.subspan(12, kSignerIdBytes));
  r.size = static_cast<std::size_t>(total);
  r.signed_bytes = bytes.first(kProvenanceHeaderBytes + len);
  r.signature = bytes.subspan(kProvenanceHeaderBytes + len, kSignatureBytes);
  const auto text = bytes.subspan(kProvenanceHeaderBytes, len);
  r.json = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (r.json.is_discarded() || !r.json.is_object()) return provenance_corrupt("the record is not a JSON object");
  const auto& j = r.json;
  auto str = [&j](const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); };
  if (str("format") != "shroud-provenance" || !j.contains("version") || j["version"] != 1) {
    return provenance_corrupt("format must be \"shroud-provenance\", version 1");
  }
  if (str("signer") != r.signer) return provenance_corrupt("the JSON signer differs from the header's");
  if (!j.contains("payload") || !j["payload"].is_object() || !j["payload"].contains("blake2b") ||
      !j["payload"]["blake2b"].is_string() || !is_hex(j["payload"]["blake2b"].get<std::string>(), 64)) {
    return provenance_corrupt("payload.blake2b (64 hex digits) is missing");
  }
  return r;
}

Result<std::vector<std::uint8_t>> sign_provenance(nlohmann::json record, const SignerKey& key) {
  if (!record.is_object()) return make_error(ErrorCode::kInvalidArgument, "provenance record must be a JSON object");
  const SignerPublicKey& pub = key.public_key();
  record["format"] = "shroud-provenance";
  record["version"] = 1;
  record["signer"] = pub.id;
  const std::string text = record.dump();
  if (text.size() > kProvenanceMaxJsonBytes) {
    return make_error(ErrorCode::kResourceLimit, "provenance record over 256 KiB (too many regions to list)");
  }
  std::vector<std::uint8_t> out(sizeof kProvenanceMagic + 1);
  std::memcpy(out.data(), kProvenanceMagic, sizeof kProvenanceMagic);
  out[sizeof kProvenanceMagic] = kVersion;
  out.insert(out.end(), 3, 0);
  const auto id = signer_id_bytes(pub.public_key);
  out.insert(out.end(), id.begin(), id.end());
  const auto len = static_cast<std::uint32_t>(text.size());
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(len >> s));
  out.insert(out.end(), text.begin(), text.end());
  SHROUD_ASSIGN_OR_RETURN(const auto sig, key.sign(signed_message(out)));
  out.insert(out.end(), sig.begin(), sig.end());
  return out;
}

Result<SignerPublicKey> verify_provenance(const ProvenanceRecord& record, std::span<const SignerPublicKey> trusted) {
  for (const SignerPublicKey& k : trusted) {
    if (k.id != record.signer) continue;
    if (!verify_signature(k, signed_message(record.signed_bytes), record.signature)) {
      return make_error(ErrorCode::kAuthentication, "bad signature: the provenance record of signer " + record.signer +
                                                        " was altered or forged");
    }
    return k;
  }
  return make_error(ErrorCode::kPermission, "unknown signer " + record.signer + " (not in the trusted signers)");
}

Result<SignedPayload> split_signed_payload(std::span<const std::uint8_t> payload) {
  SignedPayload out;
  if (!is_provenance_record(payload)) {
    out.container = payload;
    return out;
  }
  SHROUD_ASSIGN_OR_RETURN(ProvenanceRecord r, parse_provenance(payload));
  if (r.size >= payload.size()) return provenance_corrupt("no container follows the record");
  out.container = payload.subspan(r.size);
  out.record = std::move(r);
  return out;
}

std::string pixels_blake2b_hex(const cv::Mat& image) {
  crypto::Blake2b h;
  const std::size_t row_bytes = static_cast<std::size_t>(image.cols) * image.elemSize();
  const bool swap = std::endian::native == std::endian::big && image.depth() == CV_16U;
  std::vector<std::uint8_t> row(swap ? row_bytes : 0);
  for (int y = 0; y < image.rows; ++y) {
    if (!swap) {
      h.update({image.ptr(y), row_bytes});
      continue;
    }
    std::memcpy(row.data(), image.ptr(y), row_bytes);
    for (std::size_t i = 0; i + 1 < row_bytes; i += 2) std::swap(row[i], row[i + 1]);
    h.update(row);
  }
  return crypto::to_hex(h.finish());
}

std::string bytes_blake2b_hex(std::span<const std::uint8_t> bytes) { return crypto::to_hex(crypto::blake2b(bytes)); }

}  // namespace shroud
