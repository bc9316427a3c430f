// Internal: the recovery track's byte layout (docs/video.md "Recovery track format"), key
// derivation and a size-checked record reader shared by the writer, the reader and scan_track().
#pragma once

#include <array>
#include <cstdint>
#include <istream>
#include <vector>

#include "codec/region_codec.h"
#include "crypto/crypto.h"
#include "shroud/recovery_track.h"

namespace shroud::track {

inline constexpr std::array<std::uint8_t, 8> kMagic = {'s', 'h', 'R', 'd', 'V', 't', 'r', 'k'};
inline constexpr std::uint8_t kVersionRaw = 1;         // shroud-video-v1: raw region pixels
inline constexpr std::uint8_t kVersionCompressed = 2;  // shroud-video-v2: compressed, padded records
inline constexpr std::uint8_t kVersionPlanes = 3;      // shroud-video-v3: v2 with (B-G, R-G) colour planes
// v2 and v3 share the record layout; they differ only in the codec's colour decorrelation.
inline bool is_compressed(std::uint8_t version) { return version == kVersionCompressed || version == kVersionPlanes; }
inline constexpr std::uint8_t kKeyFrameFlag = 1;
inline constexpr std::uint8_t kFrameRecord = 1;
inline constexpr std::uint8_t kEndRecord = 2;
inline constexpr std::size_t kMacBytes = 32;

struct Header {
  TrackInfo info;
  std::uint8_t version = kVersionPlanes;
  std::uint8_t bucket_steps = 0;  // v2: padding buckets per octave (1, 2, 4); v1: 0
  std::array<std::uint8_t, 32> salt{};
  std::array<std::uint8_t, 32> commitment{};
  std::vector<std::uint8_t> wrapped_key;  // empty or kRecipientWrapBytes
  std::array<std::uint8_t, kMacBytes> mac{};
};

// Fixed part (108 bytes) then the wrapped key: what the header MAC covers.
std::vector<std::uint8_t> encode_header_body(const Header& h);

// The region codec's geometry for a compressed track (v2 or v3).
codec::Geometry codec_geometry(const Header& h);

struct Rect {
  std::uint32_t x = 0, y = 0, width = 0, height = 0;
  Kind kind = Kind::kFace;
  Placeholder placeholder = Placeholder::kFill;
};

// A record as read: `raw` holds every byte before the body (the record's associated data part).
struct Record {
  std::uint8_t type = 0;
  std::uint8_t flags = 0;         // v2 frame record: kKeyFrameFlag
  std::uint64_t index = 0;        // frame record: frame index; end record: frame count
  std::array<std::uint8_t, 24> nonce{};
  std::vector<Rect> rects;
  std::array<std::uint8_t, 16> tag{};  // end record only
  std::uint64_t body_bytes = 0;   // frame record: plaintext bytes + tag
  std::uint64_t raw_bytes = 0;    // frame record: the regions' pixel bytes
  std::vector<std::uint8_t> raw;
};

// v1 layout (40 bytes + rectangles).
std::vector<std::uint8_t> encode_frame_record_header(std::uint64_t index, const std::array<std::uint8_t, 24>& nonce,
                                                     const std::vector<Rect>& rects);
// v2 layout (44 bytes + rectangles): flags at byte 1, body length (ciphertext + tag) at 40.
std::vector<std::uint8_t> encode_frame_record_header_v2(std::uint64_t index, std::uint8_t flags,
                                                        const std::array<std::uint8_t, 24>& nonce, std::uint32_t body_bytes,
                                                        const std::vector<Rect>& rects);
// v2: the largest padded plaintext of a record with these regions (4 + zstd's bound of the
// residual stream; 0 without regions), and the regions as OpenCV rectangles.
std::uint64_t v2_plain_cap(const TrackInfo& info, const std::vector<Rect>& rects);
std::vector<cv::Rect> cv_rects(const std::vector<Rect>& rects);
// The end record without its tag (36 bytes).
std::vector<std::uint8_t> encode_end_record_prefix(std::uint64_t frames, const std::array<std::uint8_t, 24>& nonce);

// Bytes of one region's pixels (64-bit; the reader has checked the rectangle fits the frame).
std::uint64_t rect_bytes(const TrackInfo& info, const Rect& r);

// Reads from a stream whose total size is known up front, so every length is checked against
// what remains before anything is allocated.
class Source {
 public:
  explicit Source(std::istream& in);
  bool ok() const { return size_known_; }
  std::uint64_t remaining() const { return remaining_; }
  Status read(std::uint8_t* out, std::size_t n, const char* what);

 private:
  std::istream& in_;
  std::uint64_t remaining_ = 0;
  bool size_known_ = false;
};

// Reads and validates the header; `raw` receives every header byte (fixed, wrapped key, MAC).
Result<Header> read_header(Source& src, const TrackLimits& limits, std::vector<std::uint8_t>* raw);
// Reads the next record up to (not including) its body; validates the type, reserved bytes,
// rectangles (inside the frame, non-empty, count capped) and that the body fits what remains.
// v2: the body length must be a size bucket of the padding (or the cap) and at most the cap.
Result<Record> read_record(Source& src, const Header& header, const TrackLimits& limits);

// After the final record: nothing, or exactly one signed provenance record (provenance.h),
// checked for structure only (the Engine verifies the signature). `record` (may be null)
// receives its bytes.
Status read_trailer(Source& src, std::vector<std::uint8_t>* record);

struct Keys {
  crypto::SecretKey frames;
  crypto::SecretKey mac;
  crypto::SecretKey commit;
};
Result<Keys> derive_keys(const crypto::SecretKey& master, const std::array<std::uint8_t, 32>& salt);

}  // namespace shroud::track
