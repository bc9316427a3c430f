// Container: the bytes `shroud recover` needs (format shroud-v1), and the carriers that hold them.
//
// Contract:
//  - The container format is specified byte by byte in docs/container-format.md. All integers
//    are big-endian and fixed width; there are no optional fields, so every container has one
//    canonical encoding (serialize_container(parse_container(b)) == b).
//  - parse_container() checks every size against the input length and the limits BEFORE it
//    allocates anything proportional to a length field; it rejects unknown versions/ids, non-zero
//    reserved bytes, regions out of the image, out-of-order indices and trailing bytes (kCorrupt,
//    or kResourceLimit for over-limit sizes). It does NOT authenticate: the seal protector
//    verifies the manifest tag and every region tag (seal.h) before anything is written.
//  - Carriers: a PNG private ancillary chunk "shRd" (CRC-checked), JPEG APP11 segments
//    (identifier "shRd", sequenced, each segment <= 65,533 payload bytes), or a sidecar file
//    holding the raw container. A file with two containers is rejected.
//  - Pure functions on byte buffers; thread-safe; nothing here touches keys.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "shroud/placeholder.h"
#include "shroud/region.h"
#include "shroud/result.h"

namespace shroud {

inline constexpr std::uint8_t kContainerVersion = 1;            // raw region pixels
inline constexpr std::uint8_t kContainerVersionCompressed = 2;  // seal: compressed, padded region bodies
inline constexpr std::size_t kFileHeaderBytes = 108;
inline constexpr std::size_t kRegionHeaderBytes = 84;
inline constexpr std::size_t kManifestTagBytes = 32;
inline constexpr std::size_t kRecipientWrapBytes = 80;  // crypto_box_seal of a 32-byte key

enum class KeyMode : std::uint8_t { kSymmetric = 1, kRecipient = 2 };
// What the region bodies hold (file header byte 5, docs/container-format.md).
enum class PayloadScheme : std::uint8_t {
  kSeal = 1,              // original pixels of the rectangle, raw (body size fixed by the rectangle)
  kJpegCoefficients = 2,  // zlib-compressed DCT coefficients of the JPEG blocks covering the rectangle
};
// What the per-region associated data binds the sealed pixels to (docs/container-format.md).
enum class CarrierBinding : std::uint8_t {
  kPixels = 1,    // SHA-256 of the carrier's decoded pixels: any pixel change fails recovery
  kDetached = 2,  // digest is zero: the container is bound to geometry, not to carrier pixels
};

struct ContainerLimits {
  std::size_t max_bytes = 256u << 20;        // whole container
  std::uint32_t max_regions = 4096;
  std::int64_t max_pixels = 100'000'000;     // width * height of the image
};

struct ContainerHeader {
  // 1: region bodies hold raw pixels; 2 (scheme seal only): compressed and padded to a size
  // bucket (docs/container-format.md "Compressed region bodies").
  std::uint8_t version = kContainerVersion;
  PayloadScheme scheme = PayloadScheme::kSeal;
  KeyMode key_mode = KeyMode::kSymmetric;
  CarrierBinding binding = CarrierBinding::kPixels;
  std::uint32_t key_id = 0;
  std::array<std::uint8_t, 32> salt{};
  std::uint32_t width = 0, height = 0;
  std::uint8_t channels = 0, depth_bits = 0, orientation = 1;
  std::uint64_t frame = 0;
  std::uint32_t region_count = 0;
  std::array<std::uint8_t, 32> carrier_digest{};
  std::vector<std::uint8_t> wrapped_key;     // empty (symmetric) or 80 bytes (recipient)
};

struct ContainerRegion {
  std::uint32_t index = 0;
  Kind kind = Kind::kFace;
  Placeholder placeholder = Placeholder::kFill;
  std::uint32_t x = 0, y = 0, width = 0, height = 0;
  std::array<std::uint8_t, 24> nonce{};
  std::array<std::uint8_t, 32> commitment{};
  std::uint32_t ciphertext_size = 0;          // plaintext bytes + 16-byte tag
};

struct Container {
  ContainerHeader header;
  std::vector<ContainerRegion> regions;
  std::array<std::uint8_t, kManifestTagBytes> manifest_tag{};
  std::vector<std::uint8_t> ciphertext;       // region bodies, concatenated in index order
  // Offset of region i's body inside `ciphertext`.
  std::size_t body_offset(std::size_t i) const;
};

// Largest plaintext a PayloadScheme::kJpegCoefficients region may hold: zlib's worst case for
// 16-bit coefficients of every component over the rectangle padded to whole iMCUs, plus 2 MiB
// for the file record (docs/container-format.md, section 9).
inline std::uint64_t jpeg_payload_limit(std::uint32_t width, std::uint32_t height, std::uint32_t channels) {
  return 3 * (std::uint64_t{width} + 32) * (std::uint64_t{height} + 32) * channels + (2u << 20);
}

// Plaintext size of a region: width * height * channels * (depth_bits / 8), 64-bit.
std::uint64_t region_plaintext_bytes(const ContainerHeader& h, const ContainerRegion& r);

std::array<std::uint8_t, kFileHeaderBytes> encode_file_header(const ContainerHeader& h);
std::array<std::uint8_t, kRegionHeaderBytes> encode_region_header(const ContainerRegion& r);
// The bytes the manifest tag covers: file header, wrapped key, every region header.
std::vector<std::uint8_t> manifest_bytes(const Container& c);
std::vector<std::uint8_t> serialize_container(const Container& c);
Result<Container> parse_container(std::span<const std::uint8_t> bytes, const ContainerLimits& limits = {});

// ---- carriers ----------------------------------------------------------------------------
// Inserts `payload` into a PNG (one "shRd" chunk before IEND) or a JPEG (APP11 segments after
// SOI/APP0/APP1). Refuses a file that already holds a container, and malformed files.
Result<std::vector<std::uint8_t>> embed_container(std::span<const std::uint8_t> image_file,
                                                  std::span<const std::uint8_t> payload);
// The container embedded in a PNG or JPEG file; nullopt when the file holds none. kCorrupt on
// malformed chunks/segments (bad CRC, bad sequence, two containers), kResourceLimit over size.
Result<std::optional<std::vector<std::uint8_t>>> extract_container(std::span<const std::uint8_t> image_file,
                                                                   const ContainerLimits& limits = {});
// The one container of a sealed file: the embedded one, or `sidecar` when the file holds none.
// kNotFound for neither, kCorrupt for both (a sidecar never overrides an embedded container).
Result<std::vector<std::uint8_t>> container_of(std::span<const std::uint8_t> image_file,
                                               const std::optional<std::vector<std::uint8_t>>& sidecar);
// Default sidecar path for an output image: "<output>.shroud".
std::string sidecar_path(const std::string& image_path);

}  // namespace shroud
