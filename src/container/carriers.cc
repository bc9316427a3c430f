// Carriers for the container: a PNG private ancillary chunk and JPEG APP11 segments.
//
// PNG: one chunk of type "shRd" (ancillary, private, safe-to-copy) inserted before IEND; the
// chunk data is the raw container; CRC-32 (zlib) over type + data as PNG requires.
// JPEG: APP11 (0xFFEB) segments placed after SOI and any leading APP0/APP1; each segment's
// payload is "shRd" | version (1) | sequence (u16, from 1) | count (u16) | up to 65,524 bytes of
// the container. Parsers walk the structure with bounds checks and sum the sizes before
// allocating anything.
//
// These walkers work on bytes, not through libjpeg/libpng, because a carrier is spliced into an
// already-encoded file and cut out again byte-exactly (the carrier digest covers everything
// else): libjpeg can only write markers while compressing, and libpng's writer recompresses IDAT.
// Reading image headers and EXIF goes through the libraries (src/jpeg/header.cc, src/io/png_exif.cc).
#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "shroud/container.h"

namespace shroud {
namespace {

using Bytes = std::span<const std::uint8_t>;

constexpr std::uint8_t kPngSig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
constexpr char kChunkType[4] = {'s', 'h', 'R', 'd'};
constexpr std::uint8_t kApp11 = 0xEB;
constexpr std::uint8_t kSegId[4] = {'s', 'h', 'R', 'd'};
constexpr std::uint8_t kSegVersion = 1;
constexpr std::size_t kSegPrefix = 4 + 1 + 2 + 2;        // id, version, sequence, count
constexpr std::size_t kSegMaxPayload = 65533;            // after the 2-byte length field
constexpr std::size_t kSegMaxData = kSegMaxPayload - kSegPrefix;  // 65,524
constexpr std::uint32_t kPngMaxChunk = 0x7FFFFFFFu;

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
void put32(std::vector<std::uint8_t>& v, std::uint32_t x) {
  for (int s = 24; s >= 0; s -= 8) v.push_back(static_cast<std::uint8_t>(x >> s));
}
void put16(std::vector<std::uint8_t>& v, std::uint16_t x) {
  v.push_back(static_cast<std::uint8_t>(x >> 8));
  v.push_back(static_cast<std::uint8_t>(x));
}

Error corrupt(const std::string& what) { return make_error(ErrorCode::kCorrupt, what); }

bool is_png(Bytes b) { return b.size() >= 8 && std::memcmp(b.data(), kPngSig, 8) == 0; }
bool is_jpeg(Bytes b) { return b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF; }

std::uint32_t chunk_crc(const std::uint8_t* type_and_data, std::size_t n) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib's crc32 takes uInt lengths; feed in pieces.
  while (n > 0) {
    const uInt step = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
    crc = crc32(crc, type_and_data, step);
    type_and_data += step;
    n -= step;
  }
  return static_cast<std::uint32_t>(crc);
}

struct PngScan {
  std::size_t iend = 0;                 // offset of the IEND chunk
  std::size_t ours = 0;                 // offset of our chunk (0: none)
  std::uint32_t ours_len = 0;
};

// Walks every chunk up to IEND; checks lengths and the CRC of our chunk.
Result<PngScan> scan_png(Bytes b, const ContainerLimits& limits) {
  PngScan s;
  std::size_t i = 8;
  bool first = true;
  while (true) {
    if (b.size() - i < 12) return corrupt("PNG is truncated (chunk header past the end)");
    const std::uint32_t len = be32(&b[i]);
    if (len > kPngMaxChunk || len > b.size() - i - 12) return corrupt("PNG chunk length runs past the end of the file");
    const std::uint8_t* type = &b[i + 4];
    if (first && std::memcmp(type, "IHDR", 4) != 0) return corrupt("PNG does not start with IHDR");
    first = false;
    if (std::memcmp(type, kChunkType, 4) == 0) {
      if (s.ours != 0) return corrupt("PNG holds two shroud containers");
      if (len > limits.max_bytes) return make_error(ErrorCode::kResourceLimit, "shroud chunk is over the container size limit");
      if (chunk_crc(type, std::size_t{len} + 4) != be32(&b[i + 8 + len])) return corrupt("shroud chunk CRC mismatch");
      s.ours = i;
      s.ours_len = len;
    }
    if (std::memcmp(type, "IEND", 4) == 0) {
      s.iend = i;
      return s;
    }
    i += std::size_t{len} + 12;
  }
}

struct JpegSegment {
  std::size_t offset;   // of the 0xFF marker
  std::uint16_t length; // the length field (includes itself)
};

struct JpegScan {
  std::size_t insert_at = 2;           // after SOI and leading APP0/APP1
  std::vector<JpegSegment> ours;       // our APP11 segments in file order
  std::uint64_t total = 0;             // sum of their data bytes
};

// Walks marker segments from SOI up to SOS (metadata precedes the scan).
Result<JpegScan> scan_jpeg(Bytes b, const ContainerLimits& limits) {
  JpegScan s;
  std::size_t i = 2;
  bool leading = true;
  while (true) {
    if (i + 4 > b.size()) return corrupt("JPEG is truncated before the start of scan");
    if (b[i] != 0xFF) return corrupt("JPEG marker expected");
    const std::uint8_t marker = b[i + 1];
    if (marker == 0xFF) { ++i; continue; }  // fill byte
    if (marker == 0xD8 || marker == 0xD9 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01 || marker == 0x00) {
      return corrupt("unexpected JPEG marker before the start of scan");
    }
    const std::uint16_t len = be16(&b[i + 2]);
    if (len < 2 || i + 2 + len > b.size()) return corrupt("JPEG segment runs past the end of the file");
    if (marker == 0xDA) return s;
    if (marker == kApp11 && len >= 2 + 4 && std::memcmp(&b[i + 4], kSegId, 4) == 0) {
      if (len < 2 + kSegPrefix) return corrupt("shroud APP11 segment is too short");
      s.ours.push_back({i, len});
      s.total += len - 2 - kSegPrefix;
      if (s.total > limits.max_bytes) return make_error(ErrorCode::kResourceLimit, "shroud APP11 data is over the container size limit");
    }
    const bool app01 = marker == 0xE0 || marker == 0xE1;
    if (leading && app01) {
      s.insert_at = i + 2 + len;
    } else {
      leading = false;
    }
    i += 2 + std::size_t{len};
  }
}

Result<std::vector<std::uint8_t>> embed_png(Bytes b, Bytes payload, const ContainerLimits& limits) {
  SHROUD_ASSIGN_OR_RETURN(PngScan s, scan_png(b, limits));
  if (s.ours != 0) return make_error(ErrorCode::kInvalidArgument, "PNG already holds a shroud container");
  if (payload.size() > kPngMaxChunk) return make_error(ErrorCode::kResourceLimit, "container too large for a PNG chunk");
  std::vector<std::uint8_t> chunk;
  chunk.reserve(payload.size() + 12);
  put32(chunk, static_cast<std::uint32_t>(payload.size()));
  chunk.insert(chunk.end(), kChunkType, kChunkType + 4);
  chunk.insert(chunk.end(), payload.begin(), payload.end());
  put32(chunk, chunk_crc(chunk.data() + 4, payload.size() + 4));
  std::vector<std::uint8_t> out;
  out.reserve(b.size() + chunk.size());
  out.insert(out.end(), b.begin(), b.begin() + static_cast<std::ptrdiff_t>(s.iend));
  out.insert(out.end(), chunk.begin(), chunk.end());
  out.insert(out.end(), b.begin() + static_cast<std::ptrdiff_t>(s.iend), b.end());
  return out;
}

Result<std::vector<std::uint8_t>> embed_jpeg(Bytes b, Bytes payload, const ContainerLimits& limits) {
  SHROUD_ASSIGN_OR_RETURN(JpegScan s, scan_jpeg(b, limits));
  if (!s.ours.empty()) return make_error(ErrorCode::kInvalidArgument, "JPEG already holds a shroud container");
  const std::size_t count = (payload.size() + kSegMaxData - 1) / kSegMaxData;
  if (count == 0 || count > 0xFFFF) return make_error(ErrorCode::kResourceLimit, "container too large for APP11 segments");
  std::vector<std::uint8_t> segs;
  segs.reserve(payload.size() + count * (4 + kSegPrefix));
  for (std::size_t k = 0; k < count; ++k) {
    const std::size_t off = k * kSegMaxData;
    const std::size_t n = std::min(kSegMaxData, payload.size() - off);
    segs.push_back(0xFF);
    segs.push_back(kApp11);
    put16(segs, static_cast<std::uint16_t>(2 + kSegPrefix + n));
    segs.insert(segs.end(), kSegId, kSegId + 4);
    segs.push_back(kSegVersion);
    put16(segs, static_cast<std::uint16_t>(k + 1));
    put16(segs, static_cast<std::uint16_t>(count));
    segs.insert(segs.end(), payload.begin() + static_cast<std::ptrdiff_t>(off),
                payload.begin() + static_cast<std::ptrdiff_t>(off + n));
  }
  std::vector<std::uint8_t> out;
  out.reserve(b.size() + segs.size());
  out.insert(out.end(), b.begin(), b.begin() + static_cast<std::ptrdiff_t>(s.insert_at));
  out.insert(out.end(), segs.begin(), segs.end());
  out.insert(out.end(), b.begin() + static_cast<std::ptrdiff_t>(s.insert_at), b.end());
  return out;
}

}  // namespace

Result<std::vector<std::uint8_t>> embed_container(std::span<const std::uint8_t> image_file,
                                                  std::span<const std::uint8_t> payload) {
  ContainerLimits limits;
  if (payload.empty() || payload.size() > limits.max_bytes) {
    return make_error(ErrorCode::kResourceLimit, "container is empty or over the size limit");
  }
  if (is_png(image_file)) return embed_png(image_file, payload, limits);
  if (is_jpeg(image_file)) return embed_jpeg(image_file, payload, limits);
  return make_error(ErrorCode::kUnsupported,
                    "only PNG and JPEG files can carry a shroud container; use --sidecar for other formats");
}

Result<std::vector<std::uint8_t>> container_of(std::span<const std::uint8_t> image_file,
                                               const std::optional<std::vector<std::uint8_t>>& sidecar) {
  SHROUD_ASSIGN_OR_RETURN(auto embedded, extract_container(image_file));
  if (embedded && sidecar) {
    return make_error(ErrorCode::kCorrupt, "the image holds a container and a sidecar was given: refusing two containers");
  }
  if (!embedded && !sidecar) {
    return make_error(ErrorCode::kNotFound, "no shroud container in the image (was it sealed with --sidecar?)");
  }
  return sidecar ? *sidecar : std::move(*embedded);
}

Result<std::optional<std::vector<std::uint8_t>>> extract_container(std::span<const std::uint8_t> b,
                                                                   const ContainerLimits& limits) {
  using Out = std::optional<std::vector<std::uint8_t>>;
  if (is_png(b)) {
    SHROUD_ASSIGN_OR_RETURN(PngScan s, scan_png(b, limits));
    if (s.ours == 0) return Out{};
    const auto* data = b.data() + s.ours + 8;
    return Out{std::vector<std::uint8_t>(data, data + s.ours_len)};
  }
  if (is_jpeg(b)) {
    SHROUD_ASSIGN_OR_RETURN(JpegScan s, scan_jpeg(b, limits));
    if (s.ours.empty()) return Out{};
    const std::size_t count = s.ours.size();
    for (std::size_t k = 0; k < count; ++k) {
      const std::uint8_t* p = b.data() + s.ours[k].offset + 4;
      if (p[4] != kSegVersion) {
        return make_error(ErrorCode::kUnsupported, "shroud APP11 segment version " + std::to_string(p[4]) + " is not supported");
      }
      if (be16(p + 5) != k + 1 || be16(p + 7) != count) {
        return corrupt("shroud APP11 segments are out of sequence, missing or duplicated");
      }
    }
    std::vector<std::uint8_t> out;
    out.reserve(static_cast<std::size_t>(s.total));
    for (const auto& seg : s.ours) {
      const std::uint8_t* p = b.data() + seg.offset + 4 + kSegPrefix;
      out.insert(out.end(), p, p + (seg.length - 2 - kSegPrefix));
    }
    return Out{std::move(out)};
  }
  return Out{};
}

}  // namespace shroud
