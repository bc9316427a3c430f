// RecoveryTrackReader and scan_track: verify and open the recovery track record by record.
#include <algorithm>
#include <cstring>
#include <fstream>

#include "codec/region_codec.h"
#include "core/pixel_pack.h"
#include "protect/seal_key.h"
#include "crypto/keyset_impl.h"
#include "video/track_format.h"

namespace shroud {
namespace {

Error auth_error(const std::string& what) { return make_error(ErrorCode::kAuthentication, "recovery track: " + what); }
Error corrupt(const std::string& what) { return make_error(ErrorCode::kCorrupt, "recovery track: " + what); }

}  // namespace

struct RecoveryTrackReader::Impl {
  std::unique_ptr<std::istream> in;
  std::unique_ptr<track::Source> src;
  TrackLimits limits;
  track::Header header;
  std::vector<std::uint8_t> header_raw;
  track::Keys keys;
  std::int64_t next = 0;
  std::uint64_t regions = 0;
  bool done = false;
  std::vector<std::uint8_t> body, ad;
  crypto::SecretBytes plain;
  // v2
  codec::Reference reference;
  bool have_reference = false;  // the previous record was restored
  crypto::SecretBytes pixels;   // one frame's decoded region pixels
};

RecoveryTrackReader::RecoveryTrackReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RecoveryTrackReader::~RecoveryTrackReader() = default;

Result<std::unique_ptr<RecoveryTrackReader>> RecoveryTrackReader::open(const std::string& path, const Keyset& keyset,
                                                                       const TrackLimits& limits) {
  auto in = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*in) return make_error(ErrorCode::kNotFound, "'" + path + "': cannot open the recovery track");
  auto r = open(std::unique_ptr<std::istream>(std::move(in)), keyset, limits);
  if (!r.ok()) return make_error(r.error().code, "'" + path + "': " + r.error().message);
  return r;
}

Result<std::unique_ptr<RecoveryTrackReader>> RecoveryTrackReader::open(std::unique_ptr<std::istream> in, const Keyset& keyset,
                                                                       const TrackLimits& limits) {
  SHROUD_RETURN_IF_ERROR(crypto::init());
  auto impl = std::make_unique<Impl>();
  impl->in = std::move(in);
  impl->limits = limits;
  impl->src = std::make_unique<track::Source>(*impl->in);
  SHROUD_ASSIGN_OR_RETURN(impl->header, track::read_header(*impl->src, limits, &impl->header_raw));
  const track::Header& h = impl->header;

  SHROUD_ASSIGN_OR_RETURN(crypto::SecretKey master, detail::open_seal_master(keyset, h.info.key_mode, h.info.key_id, h.wrapped_key, "video"));
  SHROUD_ASSIGN_OR_RETURN(impl->keys, track::derive_keys(master, h.salt));
  if (!crypto::equal_ct(impl->keys.commit.view(), h.commitment)) {
    return auth_error("key commitment mismatch (wrong key or altered header)");
  }
  const std::size_t body_len = impl->header_raw.size() - track::kMacBytes;
  if (!crypto::hmac_sha256_verify(impl->keys.mac.view(), {impl->header_raw.data(), body_len}, h.mac)) {
    return auth_error("header authentication failed (wrong key or altered header)");
  }
  return std::unique_ptr<RecoveryTrackReader>(new RecoveryTrackReader(std::move(impl)));
}

const TrackInfo& RecoveryTrackReader::info() const { return impl_->header.info; }
std::int64_t RecoveryTrackReader::frames() const { return impl_->next; }
std::uint64_t RecoveryTrackReader::regions() const { return impl_->regions; }

// v2: plaintext = length (4) || zstd frame || zeros; decodes into p.pixels and updates the
// reference. A delta record needs the previous record restored.
Status decode_v2(RecoveryTrackReader::Impl& p, const track::Record& rec, std::size_t plain_bytes) {
  const TrackInfo& info = p.header.info;
  const bool key = (rec.flags & track::kKeyFrameFlag) != 0;
  if (p.next == 0 && !key) return corrupt("the first record is not a key-frame");
  if (!key && !p.have_reference) return corrupt("frame " + std::to_string(p.next) + " depends on a frame that was not restored");
  if (p.reference.pixels().empty()) {
    p.reference.reset(static_cast<int>(info.width), static_cast<int>(info.height),
                      CV_MAKETYPE(info.depth_bits == 16 ? CV_16U : CV_8U, info.channels));
  }
  const std::vector<cv::Rect> cvr = track::cv_rects(rec.rects);
  if (p.pixels.size() < rec.raw_bytes) p.pixels = crypto::SecretBytes(static_cast<std::size_t>(rec.raw_bytes));
  std::vector<std::uint8_t*> data;
  std::size_t at = 0;
  for (const track::Rect& r : rec.rects) {
    data.push_back(p.pixels.data() + at);
    at += static_cast<std::size_t>(track::rect_bytes(info, r));
  }
  p.have_reference = false;
  if (!rec.rects.empty()) {
    const std::uint8_t* b = p.plain.data();
    const std::uint64_t len = (std::uint64_t{b[0]} << 24) | (std::uint64_t{b[1]} << 16) | (std::uint64_t{b[2]} << 8) | b[3];
    if (len > plain_bytes - 4) return corrupt("frame " + std::to_string(p.next) + ": compressed length beyond the record");
    for (std::size_t i = 4 + static_cast<std::size_t>(len); i < plain_bytes; ++i) {
      if (b[i] != 0) return corrupt("frame " + std::to_string(p.next) + ": non-zero padding");
    }
    const codec::Geometry g = track::codec_geometry(p.header);
    Status s = codec::decode_regions({b + 4, static_cast<std::size_t>(len)}, cvr, g, key ? nullptr : &p.reference, data);
    if (!s.ok()) return make_error(s.error().code, "recovery track: frame " + std::to_string(p.next) + ": " + s.error().message);
  }
  std::vector<const std::uint8_t*> cdata(data.begin(), data.end());
  p.reference.update(cvr, cdata);
  p.have_reference = true;
  return ok_status();
}

Status RecoveryTrackReader::restore_next(cv::Mat& frame) {
  Impl& p = *impl_;
  const TrackInfo& info = p.header.info;
  if (p.done) return corrupt("read past the final record");
  const int depth = info.depth_bits == 16 ? CV_16U : CV_8U;
  if (frame.cols != static_cast<int>(info.width) || frame.rows != static_cast<int>(info.height) ||
      frame.type() != CV_MAKETYPE(depth, info.channels)) {
    return corrupt("frame " + std::to_string(p.next) + " of the video has a different size or type than the track");
  }
  SHROUD_ASSIGN_OR_RETURN(track::Record rec, track::read_record(*p.src, p.header, p.limits));
  if (rec.type == track::kEndRecord) {
    return corrupt("the track ends after " + std::to_string(p.next) + " frames but the video has more");
  }
  if (rec.index != static_cast<std::uint64_t>(p.next)) {
    return corrupt("record for frame " + std::to_string(rec.index) + " where frame " + std::to_string(p.next) +
                   " was expected (dropped, duplicated or reordered records)");
  }
  p.body.resize(static_cast<std::size_t>(rec.body_bytes));
  SHROUD_RETURN_IF_ERROR(p.src->read(p.body.data(), p.body.size(), "frame body"));
  const std::size_t plain_bytes = p.body.size() - crypto::kTagBytes;
  if (p.plain.size() < plain_bytes) p.plain = crypto::SecretBytes(plain_bytes);
  p.ad.assign(p.header_raw.begin(), p.header_raw.end());
  p.ad.insert(p.ad.end(), rec.raw.begin(), rec.raw.end());
  Status s = crypto::xchacha_decrypt(p.keys.frames.view(), rec.nonce, p.ad, p.body, {p.plain.data(), plain_bytes});
  // From here on the record is consumed: after a failure the next call reads the next record,
  // and (v2) records that depend on this one fail until the next key-frame.
  if (!s.ok()) {
    p.have_reference = false;
    ++p.next;
    return auth_error("frame " + std::to_string(p.next - 1) + " failed authentication (altered record or wrong track)");
  }
  const std::uint8_t* pixels = p.plain.data();
  if (track::is_compressed(p.header.version)) {
    const Status s2 = decode_v2(p, rec, plain_bytes);
    if (!s2.ok()) {
      p.plain.wipe();
      p.have_reference = false;
      ++p.next;
      return s2;
    }
    pixels = p.pixels.data();
  }
  // Region i was captured after the placeholders of 0..i-1: restore in reverse order.
  std::vector<std::size_t> offsets(rec.rects.size());
  std::size_t off = 0;
  for (std::size_t i = 0; i < rec.rects.size(); ++i) {
    offsets[i] = off;
    off += static_cast<std::size_t>(track::rect_bytes(info, rec.rects[i]));
  }
  for (std::size_t i = rec.rects.size(); i-- > 0;) {
    const track::Rect& r = rec.rects[i];
    detail::unpack_region(pixels + offsets[i], frame,
                          cv::Rect(static_cast<int>(r.x), static_cast<int>(r.y), static_cast<int>(r.width), static_cast<int>(r.height)),
                          track::is_compressed(p.header.version) ? detail::SampleOrder::kNative : detail::SampleOrder::kLittleEndian);
  }
  p.plain.wipe();
  p.pixels.wipe();
  p.regions += rec.rects.size();
  ++p.next;
  return ok_status();
}

Status RecoveryTrackReader::finish() {
  Impl& p = *impl_;
  if (p.done) return ok_status();
  SHROUD_ASSIGN_OR_RETURN(track::Record rec, track::read_record(*p.src, p.header, p.limits));
  if (rec.type != track::kEndRecord) {
    return corrupt("the track holds more frames than the video (" + std::to_string(p.next) + ")");
  }
  p.ad.assign(p.header_raw.begin(), p.header_raw.end());
  p.ad.insert(p.ad.end(), rec.raw.begin(), rec.raw.end());
  std::array<std::uint8_t, 1> none{};
  Status s = crypto::xchacha_decrypt(p.keys.frames.view(), rec.nonce, p.ad, rec.tag, {none.data(), 0});
  if (!s.ok()) return auth_error("final record failed authentication");
  if (rec.index != static_cast<std::uint64_t>(p.next)) {
    return corrupt("the final record counts " + std::to_string(rec.index) + " frames, " + std::to_string(p.next) + " were read");
  }
  SHROUD_RETURN_IF_ERROR(track::read_trailer(*p.src, nullptr));  // a provenance record may follow
  p.done = true;
  return ok_status();
}

Result<TrackScan> scan_track(std::istream& in, const TrackLimits& limits) {
  track::Source src(in);
  std::vector<std::uint8_t> raw;
  SHROUD_ASSIGN_OR_RETURN(track::Header h, track::read_header(src, limits, &raw));
  TrackScan scan;
  scan.info = h.info;
  scan.version = h.version;
  std::vector<std::uint8_t> skip;
  for (;;) {
    SHROUD_ASSIGN_OR_RETURN(track::Record rec, track::read_record(src, h, limits));
    if (rec.type == track::kEndRecord) {
      if (rec.index != static_cast<std::uint64_t>(scan.frames)) return corrupt("final record frame count mismatch");
      SHROUD_RETURN_IF_ERROR(track::read_trailer(src, &scan.provenance));
      return scan;
    }
    if (rec.index != static_cast<std::uint64_t>(scan.frames)) return corrupt("records out of sequence");
    if (track::is_compressed(h.version) && scan.frames == 0 && (rec.flags & track::kKeyFrameFlag) == 0) {
      return corrupt("the first record is not a key-frame");
    }
    if ((rec.flags & track::kKeyFrameFlag) != 0) ++scan.key_frames;
    scan.body_bytes += rec.body_bytes;
    scan.raw_bytes += rec.raw_bytes;
    if (static_cast<std::uint64_t>(scan.frames) >= limits.max_frames) {
      return make_error(ErrorCode::kResourceLimit, "recovery track: more frames than the limit");
    }
    // Skip the body in bounded chunks.
    std::uint64_t left = rec.body_bytes;
    skip.resize(64 * 1024);
    while (left > 0) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, skip.size()));
      SHROUD_RETURN_IF_ERROR(src.read(skip.data(), n, "frame body"));
      left -= n;
    }
    scan.regions += rec.rects.size();
    ++scan.frames;
  }
}

}  // namespace shroud
