// Provenance: signed redaction records (format shroud-provenance/1, docs/provenance.md).
//
// Contract:
//  - A record is a JSON object (what was hidden, the policy, the detector, digests of the input,
//    the output carrier and the container or recovery track, the time, the signer id) in a small
//    binary frame, signed with the signer's Ed25519 key (signer.h):
//      magic "shRdProv" (8) | version 1 (1) | reserved 0 (3) | signer id (8) | JSON length L (4, BE)
//      | JSON (L bytes, UTF-8 object) | Ed25519 signature (64)
//    The signature covers "shroud/v1/provenance" || every byte before it. The bytes of the JSON are
//    what is signed: a verifier never re-serialises it.
//  - Where records live: an image's container payload (PNG chunk, JPEG APP11, sidecar) is
//    record || shroud-v1 container; a recovery track is followed by the record (a trailer after
//    its final record). Files without a record are unsigned and still read.
//  - parse_provenance() checks the structure (sizes before allocation, magic, version, reserved
//    bytes, JSON object with format, version, a signer equal to the header's and a payload digest)
//    and does NOT verify the signature; verify_provenance() does, against trusted signer keys.
//  - Pure functions on byte buffers; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "shroud/result.h"
#include "shroud/signer.h"

namespace shroud {

inline constexpr std::size_t kProvenanceHeaderBytes = 24;
inline constexpr std::size_t kProvenanceMaxJsonBytes = 256u << 10;

struct ProvenanceRecord {
  std::string signer;                 // hex id from the binary header (== json["signer"])
  nlohmann::json json;                // the parsed record
  std::size_t size = 0;               // bytes the record occupies (header + JSON + signature)
  std::span<const std::uint8_t> signed_bytes;   // header + JSON, inside the parsed buffer
  std::span<const std::uint8_t> signature;      // 64 bytes, inside the parsed buffer
};

// True when `bytes` starts with the record magic.
bool is_provenance_record(std::span<const std::uint8_t> bytes);

// Parses the record at the start of `bytes` (it may be followed by other data: see `size`).
// kCorrupt when malformed, kResourceLimit when the JSON is over kProvenanceMaxJsonBytes.
Result<ProvenanceRecord> parse_provenance(std::span<const std::uint8_t> bytes);

// Builds and signs a record. `record` must be a JSON object; "format", "version" and "signer"
// are set here (the signer's id).
Result<std::vector<std::uint8_t>> sign_provenance(nlohmann::json record, const SignerKey& key);

// Checks the signature against the trusted keys. Returns the signer's key; kPermission when the
// signer is not trusted ("unknown signer"), kAuthentication when the signature does not verify.
Result<SignerPublicKey> verify_provenance(const ProvenanceRecord& record, std::span<const SignerPublicKey> trusted);

// An image container payload: an optional record, then the shroud-v1 container (or a paper
// scheme's record). A record with nothing after it is kCorrupt.
struct SignedPayload {
  std::optional<ProvenanceRecord> record;
  std::span<const std::uint8_t> container;
};
Result<SignedPayload> split_signed_payload(std::span<const std::uint8_t> payload);

// BLAKE2b-256 of pixels in canonical order (rows top to bottom, channels interleaved as stored,
// 16-bit samples little-endian), and of bytes; both as lowercase hex.
std::string pixels_blake2b_hex(const cv::Mat& image);
std::string bytes_blake2b_hex(std::span<const std::uint8_t> bytes);

}  // namespace shroud
