// The shroud-v1 container: canonical encoding and a parser that validates before allocating.
#include "shroud/container.h"

#include <algorithm>
#include <cstring>

#include "codec/padded_region.h"
#include "codec/size_bucket.h"

namespace shroud {
namespace {

constexpr std::uint8_t kContainerMagic[4] = {'S', 'H', 'R', 'D'};
constexpr std::uint8_t kAeadXChaCha = 1;
constexpr std::uint8_t kKdfHkdfSha256 = 1;
constexpr std::size_t kTagBytes = 16;

class Writer {
 public:
  explicit Writer(std::uint8_t* p) : p_(p) {}
  void u8(std::uint8_t v) { *p_++ = v; }
  void u16(std::uint16_t v) { u8(static_cast<std::uint8_t>(v >> 8)); u8(static_cast<std::uint8_t>(v)); }
  void u32(std::uint32_t v) { u16(static_cast<std::uint16_t>(v >> 16)); u16(static_cast<std::uint16_t>(v)); }
  void u64(std::uint64_t v) { u32(static_cast<std::uint32_t>(v >> 32)); u32(static_cast<std::uint32_t>(v)); }
  void bytes(const std::uint8_t* b, std::size_t n) { std::memcpy(p_, b, n); p_ += n; }
  template <std::size_t N>
  void bytes(const std::array<std::uint8_t, N>& a) { bytes(a.data(), N); }

 private:
  std::uint8_t* p_;
};

class Reader {
 public:
  explicit Reader(const std::uint8_t* p) : p_(p) {}
  std::uint8_t u8() { return *p_++; }
  std::uint16_t u16() { const std::uint16_t hi = u8(); return static_cast<std::uint16_t>((hi << 8) | u8()); }
  std::uint32_t u32() { const std::uint32_t hi = u16(); return (hi << 16) | u16(); }
  std::uint64_t u64() { const std::uint64_t hi = u32(); return (hi << 32) | u32(); }
  template <std::size_t N>
  void bytes(std::array<std::uint8_t, N>& a) { std::memcpy(a.data(), p_, N); p_ += N; }

 private:
  const std::uint8_t* p_;
};

Error container_corrupt(const std::string& what) { return make_error(ErrorCode::kCorrupt, "container: " + what); }

}  // namespace

const char* placeholder_name(Placeholder p) {
  switch (p) {
    case Placeholder::kBlur: return "blur";
    case Placeholder::kPixelate: return "pixelate";
    case Placeholder::kFill: return "fill";
    case Placeholder::kNoise: return "noise";
  }
  return "unknown";
}

Result<Placeholder> parse_placeholder(const std::string& name) {
  if (name == "blur") return Placeholder::kBlur;
  if (name == "pixelate") return Placeholder::kPixelate;
  if (name == "fill" || name == "solid") return Placeholder::kFill;
  if (name == "noise") return Placeholder::kNoise;
  return make_error(ErrorCode::kInvalidArgument,
                    "unknown placeholder '" + name + "' (blur, pixelate, fill, noise)");
}

std::size_t Container::body_offset(std::size_t i) const {
  std::size_t off = 0;
  for (std::size_t k = 0; k < i && k < regions.size(); ++k) off += regions[k].ciphertext_size;
  return off;
}

std::uint64_t region_plaintext_bytes(const ContainerHeader& h, const ContainerRegion& r) {
  return std::uint64_t{r.width} * r.height * h.channels * (h.depth_bits / 8u);
}

std::array<std::uint8_t, kFileHeaderBytes> encode_file_header(const ContainerHeader& h) {
  std::array<std::uint8_t, kFileHeaderBytes> out{};
  Writer w(out.data());
  w.bytes(kContainerMagic, 4);
  w.u8(h.version);
  w.u8(static_cast<std::uint8_t>(h.scheme));
  w.u8(kAeadXChaCha);
  w.u8(kKdfHkdfSha256);
  w.u8(static_cast<std::uint8_t>(h.key_mode));
  w.u8(static_cast<std::uint8_t>(h.binding));
  w.u16(0);
  w.u32(h.key_id);
  w.bytes(h.salt);
  w.u32(h.width);
  w.u32(h.height);
  w.u8(h.channels);
  w.u8(h.depth_bits);
  w.u8(h.orientation);
  w.u8(0);
  w.u64(h.frame);
  w.u32(h.region_count);
  w.bytes(h.carrier_digest);
  w.u16(static_cast<std::uint16_t>(h.wrapped_key.size()));
  w.u16(0);
  return out;
}

std::array<std::uint8_t, kRegionHeaderBytes> encode_region_header(const ContainerRegion& r) {
  std::array<std::uint8_t, kRegionHeaderBytes> out{};
  Writer w(out.data());
  w.u32(r.index);
  w.u8(static_cast<std::uint8_t>(r.kind));
  w.u8(static_cast<std::uint8_t>(r.placeholder));
  w.u16(0);
  w.u32(r.x);
  w.u32(r.y);
  w.u32(r.width);
  w.u32(r.height);
  w.bytes(r.nonce);
  w.bytes(r.commitment);
  w.u32(r.ciphertext_size);
  return out;
}

std::vector<std::uint8_t> manifest_bytes(const Container& c) {
  std::vector<std::uint8_t> out;
  out.reserve(kFileHeaderBytes + c.header.wrapped_key.size() + c.regions.size() * kRegionHeaderBytes);
  const auto fh = encode_file_header(c.header);
  out.insert(out.end(), fh.begin(), fh.end());
  out.insert(out.end(), c.header.wrapped_key.begin(), c.header.wrapped_key.end());
  for (const auto& r : c.regions) {
    const auto rh = encode_region_header(r);
    out.insert(out.end(), rh.begin(), rh.end());
  }
  return out;
}

std::vector<std::uint8_t> serialize_container(const Container& c) {
  std::vector<std::uint8_t> out = manifest_bytes(c);
  out.reserve(out.size() + kManifestTagBytes + c.ciphertext.size());
  out.insert(out.end(), c.manifest_tag.begin(), c.manifest_tag.end());
  out.insert(out.end(), c.ciphertext.begin(), c.ciphertext.end());
  return out;
}

Result<Container> parse_container(std::span<const std::uint8_t> b, const ContainerLimits& limits) {
  if (b.size() > limits.max_bytes) {
    return make_error(ErrorCode::kResourceLimit, "container is " + std::to_string(b.size()) +
                                                     " bytes, over the limit of " + std::to_string(limits.max_bytes));
  }
  if (b.size() < kFileHeaderBytes + kManifestTagBytes) return container_corrupt("truncated header");
  if (std::memcmp(b.data(), kContainerMagic, 4) != 0) return container_corrupt("bad magic (not a shroud container)");
  Reader r(b.data() + 4);
  const std::uint8_t version = r.u8();
  if (version != kContainerVersion && version != kContainerVersionCompressed) {
    return make_error(ErrorCode::kUnsupported, "container version " + std::to_string(version) +
                                                   " is not supported (this build reads versions 1 and 2)");
  }
  const std::uint8_t scheme = r.u8();
  if (scheme != static_cast<std::uint8_t>(PayloadScheme::kSeal) &&
      scheme != static_cast<std::uint8_t>(PayloadScheme::kJpegCoefficients)) {
    return make_error(ErrorCode::kUnsupported, "container: unknown scheme id");
  }
  if (version == kContainerVersionCompressed && scheme != static_cast<std::uint8_t>(PayloadScheme::kSeal)) {
    return make_error(ErrorCode::kUnsupported, "container: version 2 is defined for the pixel seal scheme only");
  }
  if (r.u8() != kAeadXChaCha) return make_error(ErrorCode::kUnsupported, "container: unknown AEAD id");
  if (r.u8() != kKdfHkdfSha256) return make_error(ErrorCode::kUnsupported, "container: unknown KDF id");
  Container c;
  ContainerHeader& h = c.header;
  h.version = version;
  h.scheme = static_cast<PayloadScheme>(scheme);
  const std::uint8_t mode = r.u8();
  if (mode != 1 && mode != 2) return container_corrupt("unknown key mode");
  h.key_mode = static_cast<KeyMode>(mode);
  const std::uint8_t binding = r.u8();
  if (binding != 1 && binding != 2) return container_corrupt("unknown carrier binding");
  h.binding = static_cast<CarrierBinding>(binding);
  if (r.u16() != 0) return container_corrupt("reserved bytes are not zero");
  h.key_id = r.u32();
  r.bytes(h.salt);
  h.width = r.u32();
  h.height = r.u32();
  h.channels = r.u8();
  h.depth_bits = r.u8();
  h.orientation = r.u8();
  if (r.u8() != 0) return container_corrupt("reserved bytes are not zero");
  h.frame = r.u64();
  h.region_count = r.u32();
  r.bytes(h.carrier_digest);
  const std::uint16_t wrapped = r.u16();
  if (r.u16() != 0) return container_corrupt("reserved bytes are not zero");

  if (h.width == 0 || h.height == 0) return container_corrupt("zero image size");
  if (limits.max_pixels < 0 || std::uint64_t{h.width} * h.height > static_cast<std::uint64_t>(limits.max_pixels)) {
    return make_error(ErrorCode::kResourceLimit, "container: image size over the pixel limit");
  }
  if (h.channels != 1 && h.channels != 3 && h.channels != 4) return container_corrupt("channels must be 1, 3 or 4");
  if (h.depth_bits != 8 && h.depth_bits != 16) return container_corrupt("bit depth must be 8 or 16");
  if (h.orientation < 1 || h.orientation > 8) return container_corrupt("orientation must be 1..8");
  if (h.binding == CarrierBinding::kDetached &&
      std::any_of(h.carrier_digest.begin(), h.carrier_digest.end(), [](std::uint8_t v) { return v != 0; })) {
    return container_corrupt("detached container with a non-zero carrier digest");
  }
  const std::size_t want_wrapped = h.key_mode == KeyMode::kRecipient ? kRecipientWrapBytes : 0;
  if (wrapped != want_wrapped) return container_corrupt("wrapped key length does not match the key mode");
  if (h.region_count == 0) return container_corrupt("no regions");
  if (h.region_count > limits.max_regions) {
    return make_error(ErrorCode::kResourceLimit, "container: " + std::to_string(h.region_count) +
                                                     " regions, over the limit of " + std::to_string(limits.max_regions));
  }
  // Sizes of the fixed part, checked against the input before anything is allocated.
  const std::uint64_t fixed = std::uint64_t{kFileHeaderBytes} + wrapped +
                              std::uint64_t{h.region_count} * kRegionHeaderBytes + kManifestTagBytes;
  if (fixed > b.size()) return container_corrupt("truncated (region table runs past the end)");

  std::size_t pos = kFileHeaderBytes;
  h.wrapped_key.assign(b.begin() + static_cast<std::ptrdiff_t>(pos), b.begin() + static_cast<std::ptrdiff_t>(pos + wrapped));
  pos += wrapped;
  c.regions.resize(h.region_count);
  std::uint64_t body_total = 0;
  for (std::uint32_t i = 0; i < h.region_count; ++i) {
    Reader rr(b.data() + pos);
    pos += kRegionHeaderBytes;
    ContainerRegion& reg = c.regions[i];
    reg.index = rr.u32();
    if (reg.index != i) return container_corrupt("region indices out of order (region " + std::to_string(i) + ")");
    const std::uint8_t kind = rr.u8();
    if (kind > static_cast<std::uint8_t>(Kind::kCustom)) return container_corrupt("unknown region kind");
    reg.kind = static_cast<Kind>(kind);
    const std::uint8_t ph = rr.u8();
    if (ph < 1 || ph > 4) return container_corrupt("unknown placeholder");
    reg.placeholder = static_cast<Placeholder>(ph);
    if (rr.u16() != 0) return container_corrupt("reserved bytes are not zero");
    reg.x = rr.u32();
    reg.y = rr.u32();
    reg.width = rr.u32();
    reg.height = rr.u32();
    rr.bytes(reg.nonce);
    rr.bytes(reg.commitment);
    reg.ciphertext_size = rr.u32();
    if (reg.width == 0 || reg.height == 0) return container_corrupt("empty region");
    if (std::uint64_t{reg.x} + reg.width > h.width || std::uint64_t{reg.y} + reg.height > h.height) {
      return container_corrupt("region " + std::to_string(i) + " lies outside the image");
    }
    if (h.scheme == PayloadScheme::kSeal && h.version == kContainerVersion &&
        region_plaintext_bytes(h, reg) + kTagBytes != reg.ciphertext_size) {
      return container_corrupt("region " + std::to_string(i) + " ciphertext size does not match its rectangle");
    }
    if (h.version == kContainerVersionCompressed) {
      // The padded plaintext must be one of the sizes the padding produces for this rectangle.
      const codec::Geometry g{h.channels, h.depth_bits / 8};
      const std::uint64_t cap = codec::padded_region_cap(reg.width, reg.height, g);
      if (reg.ciphertext_size < kTagBytes ||
          !codec::is_bucket_size(reg.ciphertext_size - kTagBytes, codec::kContainerBucketSteps, cap)) {
        return container_corrupt("region " + std::to_string(i) + " compressed body size is not a padding bucket for its rectangle");
      }
    }
    if (h.scheme == PayloadScheme::kJpegCoefficients &&
        (reg.ciphertext_size <= kTagBytes ||
         reg.ciphertext_size > jpeg_payload_limit(reg.width, reg.height, h.channels) + kTagBytes)) {
      return container_corrupt("region " + std::to_string(i) + " coefficient payload size is out of range for its rectangle");
    }
    body_total += reg.ciphertext_size;
  }
  {
    Reader rt(b.data() + pos);
    rt.bytes(c.manifest_tag);
    pos += kManifestTagBytes;
  }
  if (body_total != b.size() - pos) {
    return container_corrupt(body_total > b.size() - pos ? "truncated (region data runs past the end)"
                                               : "trailing bytes after the last region");
  }
  c.ciphertext.assign(b.begin() + static_cast<std::ptrdiff_t>(pos), b.end());
  return c;
}

std::string sidecar_path(const std::string& image_path) { return image_path + ".shroud"; }

}  // namespace shroud
