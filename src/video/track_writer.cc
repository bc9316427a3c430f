// RecoveryTrackWriter: seals each frame's original region pixels into the recovery track.
#include <cstring>

#include "codec/region_codec.h"
#include "core/pixel_pack.h"
#include "protect/seal_key.h"
#include "codec/size_bucket.h"
#include "crypto/keyset_impl.h"
#include "protect/placeholder_draw.h"
#include "shroud/atomic_file.h"
#include "shroud/pipeline.h"
#include "video/track_format.h"

namespace shroud {

namespace {

constexpr std::size_t kFlushBytes = 1u << 20;

}  // namespace

struct RecoveryTrackWriter::Impl {
  std::string path;
  AtomicFile file;
  bool finished = false, header_written = false;
  TrackWriterOptions options;
  track::Header header;
  std::vector<std::uint8_t> header_raw;
  track::Keys keys;
  int type = -1;
  std::int64_t next = 0;
  std::uint64_t written = 0, regions = 0;
  std::vector<std::uint8_t> out;      // pending output bytes
  crypto::Blake2b hash;               // over every byte flushed (signed provenance)
  std::array<std::uint8_t, 32> final_digest{};
  bool provenance_appended = false;
  crypto::SecretBytes plain;          // one frame's original pixels
  std::vector<std::uint8_t> ad;
  // v2
  codec::Reference reference;         // the previous frame's regions
  std::vector<std::uint8_t> compressed;
  crypto::SecretBytes padded;         // length || compressed || zeros

  Status flush() {
    SHROUD_RETURN_IF_ERROR(file.write(out));
    written += out.size();
    hash.update(out);
    out.clear();
    return ok_status();
  }

  // Appends the record header and the AEAD of `plaintext` under it.
  Status seal_body(const std::vector<std::uint8_t>& rec, const std::array<std::uint8_t, 24>& nonce, crypto::ByteView plaintext) {
    ad.assign(header_raw.begin(), header_raw.end());
    ad.insert(ad.end(), rec.begin(), rec.end());
    out.insert(out.end(), rec.begin(), rec.end());
    const std::size_t body_at = out.size();
    out.resize(body_at + plaintext.size() + crypto::kTagBytes);
    return crypto::xchacha_encrypt(keys.frames.view(), nonce, ad, plaintext,
                                   {out.data() + body_at, plaintext.size() + crypto::kTagBytes});
  }

  // v2: compresses the captured regions (plain[0 .. bytes)), pads to a bucket, seals.
  Status seal_compressed(std::int64_t index, const std::array<std::uint8_t, 24>& nonce, const std::vector<track::Rect>& rects,
                         std::size_t bytes) {
    const bool key = index % options.key_interval == 0;
    const std::vector<cv::Rect> cvr = track::cv_rects(rects);
    std::vector<const std::uint8_t*> data;
    std::size_t at = 0;
    for (const track::Rect& r : rects) {
      data.push_back(plain.data() + at);
      at += static_cast<std::size_t>(track::rect_bytes(header.info, r));
    }
    if (at != bytes) return make_error(ErrorCode::kInternal, "recovery track: capture size mismatch");
    std::size_t padded_size = 0;
    if (!rects.empty()) {
      const codec::Geometry g = track::codec_geometry(header);
      codec::CodecOptions co;
      co.level = options.compression_level;
      co.search = options.motion_search;
      Status s = codec::encode_regions(cvr, data, g, key ? nullptr : &reference, co, &compressed);
      if (!s.ok()) {
        crypto::memzero(compressed.data(), compressed.size());
        return s;
      }
      const std::uint64_t cap = track::v2_plain_cap(header.info, rects);
      padded_size = static_cast<std::size_t>(codec::bucket_size(4 + compressed.size(), options.bucket_steps, cap));
      if (padded.size() < padded_size) padded = crypto::SecretBytes(padded_size);
      const auto len = static_cast<std::uint32_t>(compressed.size());
      for (int i = 0; i < 4; ++i) padded.data()[i] = static_cast<std::uint8_t>(len >> (24 - 8 * i));
      std::memcpy(padded.data() + 4, compressed.data(), compressed.size());
      std::memset(padded.data() + 4 + compressed.size(), 0, padded_size - 4 - compressed.size());
      crypto::memzero(compressed.data(), compressed.size());
    }
    reference.update(cvr, data);
    if (padded_size + crypto::kTagBytes > 0xffffffffu) return make_error(ErrorCode::kResourceLimit, "recovery track: record too large");
    const auto rec = track::encode_frame_record_header_v2(static_cast<std::uint64_t>(index), key ? track::kKeyFrameFlag : 0,
                                                          nonce, static_cast<std::uint32_t>(padded_size + crypto::kTagBytes), rects);
    Status s = seal_body(rec, nonce, {padded.data(), padded_size});
    padded.wipe();
    return s;
  }

  Status write_header(const cv::Mat& frame) {
    // v1 stores native bytes, so only 8-bit; v2 codes sample values (any byte order).
    const bool v2 = track::is_compressed(static_cast<std::uint8_t>(options.format_version));
    if ((frame.depth() != CV_8U && !(v2 && frame.depth() == CV_16U)) ||
        (frame.channels() != 1 && frame.channels() != 3 && frame.channels() != 4)) {
      return make_error(ErrorCode::kUnsupported, v2 ? "recovery track: frames must be 8- or 16-bit with 1, 3 or 4 channels"
                                                    : "recovery track: frames must be 8-bit with 1, 3 or 4 channels");
    }
    if (frame.empty() || std::int64_t{frame.cols} * frame.rows > TrackLimits{}.max_pixels) {
      return make_error(ErrorCode::kResourceLimit, "recovery track: frame size over the limit");
    }
    header.info.width = static_cast<std::uint32_t>(frame.cols);
    header.info.height = static_cast<std::uint32_t>(frame.rows);
    header.info.channels = static_cast<std::uint8_t>(frame.channels());
    header.info.depth_bits = frame.depth() == CV_16U ? 16 : 8;
    type = frame.type();
    if (v2) reference.reset(frame.cols, frame.rows, frame.type());
    std::memcpy(header.commitment.data(), keys.commit.data(), header.commitment.size());
    header_raw = track::encode_header_body(header);
    header.mac = crypto::hmac_sha256(keys.mac.view(), header_raw);
    header_raw.insert(header_raw.end(), header.mac.begin(), header.mac.end());
    out.insert(out.end(), header_raw.begin(), header_raw.end());
    header_written = true;
    return ok_status();
  }
};

RecoveryTrackWriter::RecoveryTrackWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RecoveryTrackWriter::~RecoveryTrackWriter() = default;

Result<std::unique_ptr<RecoveryTrackWriter>> RecoveryTrackWriter::create(const std::string& path, const KeySource& keys,
                                                                         const TrackWriterOptions& options) {
  SHROUD_RETURN_IF_ERROR(crypto::init());
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->options = options;
  const bool compressed = options.format_version == track::kVersionCompressed || options.format_version == track::kVersionPlanes;
  if (options.format_version != track::kVersionRaw && !compressed) {
    return make_error(ErrorCode::kInvalidArgument, "recovery track: format version must be 1, 2 or 3");
  }
  if (compressed &&
      (options.key_interval < 1 || !codec::valid_bucket_steps(options.bucket_steps) || options.compression_level < 1 ||
       options.compression_level > 19 || options.motion_search < 0 || options.motion_search > codec::kMaxOffset)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "recovery track: key interval >= 1, bucket steps 1, 2 or 4, zstd level 1..19, motion search 0..64");
  }
  track::Header& h = impl->header;
  h.version = static_cast<std::uint8_t>(options.format_version);
  h.bucket_steps = compressed ? static_cast<std::uint8_t>(options.bucket_steps) : 0;
  SHROUD_RETURN_IF_ERROR(crypto::random_bytes(h.salt));
  SHROUD_RETURN_IF_ERROR(crypto::random_bytes(h.info.file_id));
  SHROUD_ASSIGN_OR_RETURN(detail::SealMaster sm, detail::seal_master(keys));
  h.info.key_mode = sm.mode;
  h.info.key_id = sm.key_id;
  h.wrapped_key = std::move(sm.wrapped_key);
  SHROUD_ASSIGN_OR_RETURN(impl->keys, track::derive_keys(sm.master, h.salt));

  // Target checks, then the temporary file beside it.
  WriteOptions wo;
  wo.overwrite = options.overwrite;
  SHROUD_ASSIGN_OR_RETURN(impl->file, AtomicFile::create(path, wo));
  return std::unique_ptr<RecoveryTrackWriter>(new RecoveryTrackWriter(std::move(impl)));
}

Status RecoveryTrackWriter::protect(cv::Mat& frame, std::int64_t index, const std::vector<Action>& actions) {
  Impl& p = *impl_;
  if (p.finished) return make_error(ErrorCode::kInternal, "recovery track: frame after finish()");
  if (index != p.next) return make_error(ErrorCode::kInternal, "recovery track: frames out of order");
  if (!p.header_written) {
    SHROUD_RETURN_IF_ERROR(p.write_header(frame));
  } else if (frame.type() != p.type || frame.cols != static_cast<int>(p.header.info.width) ||
             frame.rows != static_cast<int>(p.header.info.height)) {
    return make_error(ErrorCode::kUnsupported, "recovery track: frame " + std::to_string(index) + " changes size or type");
  }
  std::vector<Action> plain, sealed;
  for (const Action& a : actions) {
    if (a.method == "dp-plate") {
      // The irreversible pipeline draws one plate per track (fresh draws per frame average away);
      // that state lives in its default protector, so refuse rather than weaken it here.
      return make_error(ErrorCode::kUnsupported, "dp-plate cannot be combined with --method seal in video");
    }
    (a.method == "seal" ? sealed : plain).push_back(a);
  }
  if (!plain.empty()) SHROUD_RETURN_IF_ERROR(apply_actions(frame, plain));
  TrackLimits limits;
  if (sealed.size() > limits.max_regions) {
    return make_error(ErrorCode::kResourceLimit, "recovery track: more than " + std::to_string(limits.max_regions) + " regions in a frame");
  }

  std::vector<track::Rect> rects;
  rects.reserve(sealed.size());
  std::uint64_t total = 0;
  for (const Action& a : sealed) {
    const cv::Rect& r = a.rect;
    if (r.width <= 0 || r.height <= 0 || r.x < 0 || r.y < 0 || std::int64_t{r.x} + r.width > frame.cols ||
        std::int64_t{r.y} + r.height > frame.rows) {
      return make_error(ErrorCode::kInvalidArgument, "recovery track: a region of frame " + std::to_string(index) + " is outside the frame");
    }
    track::Rect t;
    t.x = static_cast<std::uint32_t>(r.x);
    t.y = static_cast<std::uint32_t>(r.y);
    t.width = static_cast<std::uint32_t>(r.width);
    t.height = static_cast<std::uint32_t>(r.height);
    t.kind = a.region.kind;
    t.placeholder = p.options.placeholder;
    total += track::rect_bytes(p.header.info, t);
    rects.push_back(t);
  }
  if (total > limits.max_frame_bytes) return make_error(ErrorCode::kResourceLimit, "recovery track: frame too large to seal");

  // Capture region i after the placeholders of 0..i-1 (restoring in reverse order is exact).
  if (p.plain.size() < total) p.plain = crypto::SecretBytes(static_cast<std::size_t>(total));
  std::size_t off = 0;
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    // Raw (v1) records hold canonical bytes; the region codec takes native samples.
    detail::pack_region(frame, sealed[i].rect, p.plain.data() + off,
                        track::is_compressed(p.header.version) ? detail::SampleOrder::kNative : detail::SampleOrder::kLittleEndian);
    off += static_cast<std::size_t>(track::rect_bytes(p.header.info, rects[i]));
    std::uint64_t seed = 0;
    SHROUD_RETURN_IF_ERROR(crypto::random_bytes({reinterpret_cast<std::uint8_t*>(&seed), sizeof seed}));
    SHROUD_RETURN_IF_ERROR(draw_placeholder(frame, sealed[i], p.options.placeholder, seed));
  }

  std::array<std::uint8_t, 24> nonce{};
  SHROUD_RETURN_IF_ERROR(crypto::random_bytes(nonce));
  if (track::is_compressed(p.header.version)) {
    SHROUD_RETURN_IF_ERROR(p.seal_compressed(index, nonce, rects, off));
  } else {
    const auto rec = track::encode_frame_record_header(static_cast<std::uint64_t>(index), nonce, rects);
    SHROUD_RETURN_IF_ERROR(p.seal_body(rec, nonce, {p.plain.data(), off}));
  }
  p.plain.wipe();
  p.regions += sealed.size();
  ++p.next;
  if (p.out.size() >= kFlushBytes) SHROUD_RETURN_IF_ERROR(p.flush());
  return ok_status();
}

Status RecoveryTrackWriter::finish() {
  Impl& p = *impl_;
  if (p.finished) return ok_status();
  if (!p.header_written) return make_error(ErrorCode::kCorrupt, "recovery track: the video has no frames");
  std::array<std::uint8_t, 24> nonce{};
  SHROUD_RETURN_IF_ERROR(crypto::random_bytes(nonce));
  const auto rec = track::encode_end_record_prefix(static_cast<std::uint64_t>(p.next), nonce);
  p.ad.assign(p.header_raw.begin(), p.header_raw.end());
  p.ad.insert(p.ad.end(), rec.begin(), rec.end());
  p.out.insert(p.out.end(), rec.begin(), rec.end());
  const std::size_t at = p.out.size();
  p.out.resize(at + crypto::kTagBytes);
  SHROUD_RETURN_IF_ERROR(crypto::xchacha_encrypt(p.keys.frames.view(), nonce, p.ad, {}, {p.out.data() + at, crypto::kTagBytes}));
  SHROUD_RETURN_IF_ERROR(p.flush());
  SHROUD_RETURN_IF_ERROR(p.file.sync());
  p.final_digest = p.hash.finish();
  p.finished = true;
  return ok_status();
}

std::array<std::uint8_t, 32> RecoveryTrackWriter::digest() const { return impl_->final_digest; }

Status RecoveryTrackWriter::append_provenance(std::span<const std::uint8_t> record) {
  Impl& p = *impl_;
  if (!p.finished || p.file.committed() || p.provenance_appended) {
    return make_error(ErrorCode::kInternal, "recovery track: provenance must be appended once, after finish(), before commit()");
  }
  SHROUD_RETURN_IF_ERROR(p.file.write(record));
  SHROUD_RETURN_IF_ERROR(p.file.sync());
  p.written += record.size();
  p.provenance_appended = true;
  return ok_status();
}

Status RecoveryTrackWriter::commit() {
  Impl& p = *impl_;
  if (!p.finished) return make_error(ErrorCode::kInternal, "recovery track: commit() before finish()");
  return p.file.commit();
}

std::int64_t RecoveryTrackWriter::frames() const { return impl_->next; }
std::uint64_t RecoveryTrackWriter::bytes() const { return impl_->written + impl_->out.size(); }
std::uint64_t RecoveryTrackWriter::sealed_regions() const { return impl_->regions; }

}  // namespace shroud
