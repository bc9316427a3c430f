// Recovery track byte layout: encoding, size-checked parsing and key derivation.
#include "video/track_format.h"

#include <zstd.h>

#include <cstring>
#include <filesystem>
#include <string_view>

#include "codec/region_codec.h"
#include "codec/size_bucket.h"
#include "shroud/provenance.h"

namespace shroud {

std::string track_path(const std::string& video_path) { return video_path + ".shroudv"; }

namespace track {
namespace {

void put_u16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put_u64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
template <std::size_t N>
void put(std::vector<std::uint8_t>& out, const std::array<std::uint8_t, N>& a) {
  out.insert(out.end(), a.begin(), a.end());
}

std::uint32_t get_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
std::uint64_t get_u64(const std::uint8_t* p) { return (std::uint64_t{get_u32(p)} << 32) | get_u32(p + 4); }

Error corrupt(const std::string& what) { return make_error(ErrorCode::kCorrupt, "recovery track: " + what); }
Error too_big(const std::string& what) { return make_error(ErrorCode::kResourceLimit, "recovery track: " + what); }

}  // namespace

std::vector<std::uint8_t> encode_header_body(const Header& h) {
  std::vector<std::uint8_t> out;
  out.reserve(kTrackHeaderFixedBytes + h.wrapped_key.size());
  put(out, kMagic);
  out.push_back(h.version);
  out.push_back(static_cast<std::uint8_t>(h.info.key_mode));
  out.push_back(h.bucket_steps);
  out.push_back(0);
  put_u32(out, h.info.key_id);
  put(out, h.info.file_id);
  put(out, h.salt);
  put_u32(out, h.info.width);
  put_u32(out, h.info.height);
  out.push_back(h.info.channels);
  out.push_back(h.info.depth_bits);
  put_u16(out, 0);
  put(out, h.commitment);
  out.insert(out.end(), h.wrapped_key.begin(), h.wrapped_key.end());
  return out;
}

std::vector<std::uint8_t> encode_frame_record_header(std::uint64_t index, const std::array<std::uint8_t, 24>& nonce,
                                                     const std::vector<Rect>& rects) {
  std::vector<std::uint8_t> out;
  out.reserve(kTrackRecordHeaderBytes + rects.size() * kTrackRegionBytes);
  out.push_back(kFrameRecord);
  out.insert(out.end(), 3, 0);
  put_u64(out, index);
  put_u32(out, static_cast<std::uint32_t>(rects.size()));
  put(out, nonce);
  for (const Rect& r : rects) {
    put_u32(out, r.x);
    put_u32(out, r.y);
    put_u32(out, r.width);
    put_u32(out, r.height);
    out.push_back(static_cast<std::uint8_t>(r.kind));
    out.push_back(static_cast<std::uint8_t>(r.placeholder));
    put_u16(out, 0);
  }
  return out;
}

std::vector<std::uint8_t> encode_frame_record_header_v2(std::uint64_t index, std::uint8_t flags,
                                                        const std::array<std::uint8_t, 24>& nonce, std::uint32_t body_bytes,
                                                        const std::vector<Rect>& rects) {
  // The v1 layout with the flags, then the body length between the nonce and the rectangles.
  const std::vector<std::uint8_t> v1 = encode_frame_record_header(index, nonce, rects);
  std::vector<std::uint8_t> out(v1.begin(), v1.begin() + kTrackRecordHeaderBytes);
  out[1] = flags;
  put_u32(out, body_bytes);
  out.insert(out.end(), v1.begin() + kTrackRecordHeaderBytes, v1.end());
  return out;
}

codec::Geometry codec_geometry(const Header& h) {
  codec::Geometry g;
  g.channels = h.info.channels;
  g.depth_bytes = h.info.depth_bits / 8;
  g.colour = h.version == kVersionCompressed ? codec::ColourMode::kRelativeResiduals : codec::ColourMode::kGreenPlanes;
  return g;
}

std::uint64_t v2_plain_cap(const TrackInfo& info, const std::vector<Rect>& rects) {
  if (rects.empty()) return 0;
  const codec::Geometry g{info.channels, info.depth_bits / 8};
  return 4 + ZSTD_compressBound(static_cast<std::size_t>(codec::stream_bytes(cv_rects(rects), g)));
}

std::vector<cv::Rect> cv_rects(const std::vector<Rect>& rects) {
  std::vector<cv::Rect> out;
  out.reserve(rects.size());
  for (const Rect& r : rects) {
    out.emplace_back(static_cast<int>(r.x), static_cast<int>(r.y), static_cast<int>(r.width), static_cast<int>(r.height));
  }
  return out;
}

std::vector<std::uint8_t> encode_end_record_prefix(std::uint64_t frames, const std::array<std::uint8_t, 24>& nonce) {
  std::vector<std::uint8_t> out;
  out.reserve(kTrackEndRecordBytes - crypto::kTagBytes);
  out.push_back(kEndRecord);
  out.insert(out.end(), 3, 0);
  put_u64(out, frames);
  put(out, nonce);
  return out;
}

std::uint64_t rect_bytes(const TrackInfo& info, const Rect& r) {
  return std::uint64_t{r.width} * r.height * info.channels * (info.depth_bits / 8u);
}

Source::Source(std::istream& in) : in_(in) {
  const auto start = in_.tellg();
  if (start < 0) return;
  in_.seekg(0, std::ios::end);
  const auto end = in_.tellg();
  in_.seekg(start);
  if (end < start || !in_) return;
  remaining_ = static_cast<std::uint64_t>(end - start);
  size_known_ = true;
}

Status Source::read(std::uint8_t* out, std::size_t n, const char* what) {
  if (n > remaining_) return corrupt(std::string("truncated ") + what);
  in_.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(n));
  if (static_cast<std::size_t>(in_.gcount()) != n) return make_error(ErrorCode::kIo, std::string("recovery track: cannot read ") + what);
  remaining_ -= n;
  return ok_status();
}

Result<Header> read_header(Source& src, const TrackLimits& limits, std::vector<std::uint8_t>* raw) {
  if (!src.ok()) return make_error(ErrorCode::kIo, "recovery track: cannot determine the size of the input");
  std::array<std::uint8_t, kTrackHeaderFixedBytes> b{};
  SHROUD_RETURN_IF_ERROR(src.read(b.data(), b.size(), "header"));
  if (std::memcmp(b.data(), kMagic.data(), kMagic.size()) != 0) return corrupt("not a recovery track (bad magic)");
  if (b[8] != kVersionRaw && !is_compressed(b[8])) return corrupt("unsupported version " + std::to_string(b[8]));
  Header h;
  h.version = b[8];
  h.bucket_steps = b[10];
  if (b[9] != static_cast<std::uint8_t>(KeyMode::kSymmetric) && b[9] != static_cast<std::uint8_t>(KeyMode::kRecipient)) {
    return corrupt("unknown key mode");
  }
  h.info.key_mode = static_cast<KeyMode>(b[9]);
  if (b[11] != 0 || b[74] != 0 || b[75] != 0) return corrupt("non-zero reserved bytes in the header");
  if (h.version == kVersionRaw ? b[10] != 0 : !codec::valid_bucket_steps(b[10])) {
    return corrupt(h.version == kVersionRaw ? "non-zero reserved bytes in the header" : "invalid padding bucket steps");
  }
  h.info.key_id = get_u32(&b[12]);
  std::memcpy(h.info.file_id.data(), &b[16], 16);
  std::memcpy(h.salt.data(), &b[32], 32);
  h.info.width = get_u32(&b[64]);
  h.info.height = get_u32(&b[68]);
  h.info.channels = b[72];
  h.info.depth_bits = b[73];
  std::memcpy(h.commitment.data(), &b[76], 32);
  if (h.info.width == 0 || h.info.height == 0 || h.info.width > (1u << 20) || h.info.height > (1u << 20)) {
    return corrupt("invalid frame size");
  }
  if (std::int64_t{h.info.width} * h.info.height > limits.max_pixels) return too_big("frame size over the pixel limit");
  if (h.info.channels != 1 && h.info.channels != 3 && h.info.channels != 4) return corrupt("invalid channel count");
  if (h.info.depth_bits != 8 && h.info.depth_bits != 16) return corrupt("invalid bit depth");
  raw->assign(b.begin(), b.end());
  if (h.info.key_mode == KeyMode::kRecipient) {
    h.wrapped_key.resize(kRecipientWrapBytes);
    SHROUD_RETURN_IF_ERROR(src.read(h.wrapped_key.data(), h.wrapped_key.size(), "wrapped key"));
    raw->insert(raw->end(), h.wrapped_key.begin(), h.wrapped_key.end());
  }
  SHROUD_RETURN_IF_ERROR(src.read(h.mac.data(), h.mac.size(), "header MAC"));
  raw->insert(raw->end(), h.mac.begin(), h.mac.end());
  return h;
}

Result<Record> read_record(Source& src, const Header& header, const TrackLimits& limits) {
  const TrackInfo& info = header.info;
  const bool v2 = is_compressed(header.version);
  const std::size_t head_bytes = v2 ? kTrackRecordHeaderBytesV2 : kTrackRecordHeaderBytes;
  Record r;
  if (src.remaining() == 0) return corrupt("ends without its final record (truncated)");
  std::uint8_t type = 0;
  SHROUD_RETURN_IF_ERROR(src.read(&type, 1, "record"));
  r.type = type;
  if (type == kEndRecord) {
    std::array<std::uint8_t, kTrackEndRecordBytes> b{};
    b[0] = type;
    SHROUD_RETURN_IF_ERROR(src.read(b.data() + 1, b.size() - 1, "final record"));
    if (b[1] != 0 || b[2] != 0 || b[3] != 0) return corrupt("non-zero reserved bytes in the final record");
    r.index = get_u64(&b[4]);
    std::memcpy(r.nonce.data(), &b[12], 24);
    std::memcpy(r.tag.data(), &b[36], 16);
    r.raw.assign(b.begin(), b.begin() + 36);
    return r;
  }
  if (type != kFrameRecord) return corrupt("unknown record type " + std::to_string(type));
  std::array<std::uint8_t, kTrackRecordHeaderBytesV2> b{};
  b[0] = type;
  SHROUD_RETURN_IF_ERROR(src.read(b.data() + 1, head_bytes - 1, "frame record"));
  if ((v2 ? (b[1] & ~kKeyFrameFlag) : b[1]) != 0 || b[2] != 0 || b[3] != 0) {
    return corrupt("non-zero reserved bytes in a frame record");
  }
  r.flags = b[1];
  r.index = get_u64(&b[4]);
  const std::uint32_t count = get_u32(&b[12]);
  std::memcpy(r.nonce.data(), &b[16], 24);
  if (count > limits.max_regions) return too_big("frame record with " + std::to_string(count) + " regions (limit " +
                                                 std::to_string(limits.max_regions) + ")");
  if (std::uint64_t{count} * kTrackRegionBytes > src.remaining()) return corrupt("truncated frame record");
  r.raw.assign(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(head_bytes));
  r.raw.resize(head_bytes + std::size_t{count} * kTrackRegionBytes);
  SHROUD_RETURN_IF_ERROR(src.read(r.raw.data() + head_bytes, std::size_t{count} * kTrackRegionBytes, "regions"));
  r.rects.reserve(count);
  std::uint64_t body = 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::uint8_t* p = r.raw.data() + head_bytes + std::size_t{i} * kTrackRegionBytes;
    Rect rect;
    rect.x = get_u32(p);
    rect.y = get_u32(p + 4);
    rect.width = get_u32(p + 8);
    rect.height = get_u32(p + 12);
    if (p[16] > static_cast<std::uint8_t>(Kind::kCustom)) return corrupt("unknown region kind");
    if (p[17] < static_cast<std::uint8_t>(Placeholder::kBlur) || p[17] > static_cast<std::uint8_t>(Placeholder::kNoise)) {
      return corrupt("unknown placeholder");
    }
    if (p[18] != 0 || p[19] != 0) return corrupt("non-zero reserved bytes in a region");
    rect.kind = static_cast<Kind>(p[16]);
    rect.placeholder = static_cast<Placeholder>(p[17]);
    if (rect.width == 0 || rect.height == 0 || std::uint64_t{rect.x} + rect.width > info.width ||
        std::uint64_t{rect.y} + rect.height > info.height) {
      return corrupt("region " + std::to_string(i) + " of frame " + std::to_string(r.index) + " is empty or outside the frame");
    }
    body += rect_bytes(info, rect);  // each <= max_pixels * 8, count <= max_regions: no overflow
    r.rects.push_back(rect);
  }
  if (body > limits.max_frame_bytes) return too_big("frame " + std::to_string(r.index) + " holds more sealed bytes than the limit");
  r.raw_bytes = body;
  if (v2) {
    const std::uint64_t cap = v2_plain_cap(info, r.rects);
    const std::uint64_t stored = get_u32(&b[40]);
    if (stored < crypto::kTagBytes) return corrupt("frame " + std::to_string(r.index) + " has a body shorter than its tag");
    const std::uint64_t plain = stored - crypto::kTagBytes;
    if (r.rects.empty() ? plain != 0 : (plain < 4 || !codec::is_bucket_size(plain, header.bucket_steps, cap))) {
      return corrupt("frame " + std::to_string(r.index) + " has a body length that is not a padding bucket");
    }
    r.body_bytes = stored;
  } else {
    r.body_bytes = body + crypto::kTagBytes;
  }
  if (r.body_bytes > src.remaining()) return corrupt("truncated frame " + std::to_string(r.index));
  return r;
}

Result<Keys> derive_keys(const crypto::SecretKey& master, const std::array<std::uint8_t, 32>& salt) {
  static constexpr std::string_view kFrames = "shroud/v1/video/frames";
  static constexpr std::string_view kMac = "shroud/v1/video/header";
  static constexpr std::string_view kCommit = "shroud/v1/video/commit";
  auto bytes = [](std::string_view s) {
    return crypto::ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  };
  SHROUD_ASSIGN_OR_RETURN(crypto::SecretKey file_key, crypto::hkdf_extract(salt, master.view()));
  Keys k;
  SHROUD_ASSIGN_OR_RETURN(k.frames, crypto::hkdf_expand_key(file_key.view(), bytes(kFrames)));
  SHROUD_ASSIGN_OR_RETURN(k.mac, crypto::hkdf_expand_key(file_key.view(), bytes(kMac)));
  SHROUD_ASSIGN_OR_RETURN(k.commit, crypto::hkdf_expand_key(file_key.view(), bytes(kCommit)));
  return k;
}

}  // namespace track
namespace track {

Status read_trailer(Source& src, std::vector<std::uint8_t>* record) {
  if (src.remaining() == 0) return ok_status();
  if (src.remaining() > kProvenanceHeaderBytes + kProvenanceMaxJsonBytes + kSignatureBytes) {
    return make_error(ErrorCode::kCorrupt, "recovery track: bytes after the final record");
  }
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(src.remaining()));
  SHROUD_RETURN_IF_ERROR(src.read(bytes.data(), bytes.size(), "provenance record"));
  if (!is_provenance_record(bytes)) return make_error(ErrorCode::kCorrupt, "recovery track: bytes after the final record");
  SHROUD_ASSIGN_OR_RETURN(ProvenanceRecord r, parse_provenance(bytes));
  if (r.size != bytes.size()) return make_error(ErrorCode::kCorrupt, "recovery track: bytes after the provenance record");
  if (record != nullptr) *record = std::move(bytes);
  return ok_status();
}

}  // namespace track
}  // namespace shroud
