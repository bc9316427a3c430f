// Recovery track: the sealed original region pixels of every frame of a protected video, in a
// sidecar file beside it (format shroud-video-v3, docs/video.md "Recovery track format"; v2
// tracks and v1 tracks, raw pixels, are still read).
//
// v2: each record's plaintext is the regions losslessly compressed (codec/region_codec.h:
// within-frame MED prediction, across frames residuals against the previous frame's regions,
// zstd), every `key_interval`th record a key-frame coded on its own, padded with zeros to a size
// bucket (codec/size_bucket.h) so its length reveals only the bucket. Record i > 0 that is not a
// key-frame depends on record i-1. recover_video() refuses the whole track on any failure, as
// for v1; RecoveryTrackReader::restore_next() can go on past a damaged record (see there).
//
// Contract:
//  - Sealing (RecoveryTrackWriter, a FrameProtector for protect_video): for every frame, in frame
//    order, the original pixels of each `seal` action's rectangle (exactly as decoded from the
//    input) are captured, the placeholder is drawn, and one record is appended:
//    XChaCha20-Poly1305 with a random 24-byte nonce over the frame's region pixels, under
//      K_file   = HKDF-Extract(salt, master)                 salt: 32 random bytes per track
//      K_frames = HKDF-Expand(K_file, "shroud/v1/video/frames")
//    with associated data = the whole track header (magic, version, key mode and id, file id,
//    salt, geometry, key commitment, wrapped key, header MAC) || the record header (type, v2
//    flags, frame index, region count, nonce, v2 body length, every rectangle). Frames without regions get a record too (tag
//    only). A final record carries the frame count, authenticated the same way. So a record
//    cannot be moved to another index or track, and a dropped, duplicated, reordered or
//    truncated record, or appended bytes, make recovery fail.
//  - Keys as the image seal (seal.h): master = the keyset's primary symmetric key, or a random
//    per-track key wrapped with crypto_box_seal to a recipient's X25519 public key. The header
//    holds a key commitment HKDF-Expand(K_file, "shroud/v1/video/commit") and an HMAC-SHA256
//    under HKDF-Expand(K_file, "shroud/v1/video/header"), both checked before any record.
//  - The track binds to geometry only (detached): the visible video may be re-encoded lossily;
//    recovery replaces the region pixels with the exact originals, the rest of each frame is what
//    the visible video decodes to.
//  - Parsing checks every length against the limits and the remaining input before allocating.
//  - Writing is streamed (memory bounded by one frame) to a temporary file; commit() renames it
//    into place; a writer destroyed without commit() removes it. Recovery (recover_video) writes
//    through VideoWriter, which only renames its output into place after every record verified.
#pragma once

#include <opencv2/core.hpp>

#include <array>
#include <cstdint>
#include <istream>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "shroud/container.h"
#include "shroud/keys.h"
#include "shroud/policy.h"
#include "shroud/result.h"
#include "shroud/seal.h"
#include "shroud/video.h"
#include "shroud/video_io.h"

namespace shroud {

inline constexpr std::size_t kTrackHeaderFixedBytes = 108;
inline constexpr std::size_t kTrackRecordHeaderBytes = 40;   // v1 frame record before the rectangles
inline constexpr std::size_t kTrackRecordHeaderBytesV2 = 44; // v2: + body length
inline constexpr std::size_t kTrackRegionBytes = 20;         // one rectangle
inline constexpr std::size_t kTrackEndRecordBytes = 52;

struct TrackLimits {
  std::uint32_t max_regions = 4096;                  // per frame
  std::uint64_t max_frame_bytes = 256ull << 20;      // sealed pixels of one frame
  std::int64_t max_pixels = 100'000'000;             // width * height
  std::uint64_t max_frames = 1ull << 32;
};

struct TrackInfo {
  KeyMode key_mode = KeyMode::kSymmetric;
  std::uint32_t key_id = 0;
  std::array<std::uint8_t, 16> file_id{};
  std::uint32_t width = 0, height = 0;
  std::uint8_t channels = 0, depth_bits = 0;
};

// Default track path for a protected video: "<video>.shroudv".
std::string track_path(const std::string& video_path);

struct TrackWriterOptions {
  Placeholder placeholder = Placeholder::kFill;
  bool overwrite = false;
  // 3 (default): shroud-video-v3, compressed records padded to size buckets (8- or 16-bit
  // frames), colour coded as the planes G, B - G, R - G. 2: shroud-video-v2, the same with v2's
  // colour decorrelation (residual differences; kept to write legacy tracks). 1: shroud-video-v1,
  // raw pixels (8-bit only; legacy readers and comparisons: `shroud protect --track-format 1`,
  // EngineOptions::track_format).
  int format_version = 3;
  int key_interval = 30;      // v2: every Nth frame (0, N, 2N ...) is a key-frame (1: all)
  int bucket_steps = 2;       // v2: padding buckets per octave: 1, 2 or 4 (codec/size_bucket.h)
  int compression_level = 1;  // v2: zstd level (1: smallest and fastest on residuals, measured)
  int motion_search = 4;      // v2: inter-prediction search radius in pixels (0: co-located)
};

class RecoveryTrackWriter final : public FrameProtector {
 public:
  // Checks the target (no symlink, not existing unless overwrite, folder exists) and the keys;
  // the header is written when the first frame arrives (its size and type are not known before).
  static Result<std::unique_ptr<RecoveryTrackWriter>> create(const std::string& path, const KeySource& keys,
                                                             const TrackWriterOptions& options = {});
  ~RecoveryTrackWriter() override;
  // Frames must come in order 0, 1, 2 ... Irreversible (non-seal) actions are applied first.
  Status protect(cv::Mat& frame, std::int64_t index, const std::vector<Action>& actions) override;
  // Writes the final record and flushes to disk (still under the temporary name).
  Status finish() override;
  // BLAKE2b-256 of every byte written so far (after finish(): the whole track).
  std::array<std::uint8_t, 32> digest() const;
  // After finish(), before commit(): appends a signed provenance record (provenance.h) after
  // the final record. At most once.
  Status append_provenance(std::span<const std::uint8_t> record);
  // Renames the finished track into place.
  Status commit();

  std::int64_t frames() const;
  std::uint64_t bytes() const;         // track size
  std::uint64_t sealed_regions() const;

  struct Impl;

 private:
  explicit RecoveryTrackWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class RecoveryTrackReader {
 public:
  // Parses the header, finds the key, checks the key commitment and the header MAC.
  // kAuthentication for a wrong key or an altered header, kCorrupt/kResourceLimit when malformed.
  static Result<std::unique_ptr<RecoveryTrackReader>> open(const std::string& path, const Keyset& keyset,
                                                           const TrackLimits& limits = {});
  static Result<std::unique_ptr<RecoveryTrackReader>> open(std::unique_ptr<std::istream> in, const Keyset& keyset,
                                                           const TrackLimits& limits = {});
  ~RecoveryTrackReader();
  const TrackInfo& info() const;
  // Reads and verifies the next frame record and restores its regions in `frame` (which must
  // have the track's size and type). kCorrupt when the track has no record for this frame or
  // the record is out of sequence, kAuthentication when it does not verify.
  // After a record that parsed and carried the expected index fails (authentication, or a v2
  // body that does not decode, or a v2 delta record whose previous record was not restored),
  // that record is consumed: a caller that wants what can be saved calls restore_next again,
  // and (v2) gets kCorrupt for the records up to the next key-frame, which restores again.
  // `frame` is left untouched by a failed call. recover_video() stops at the first error.
  Status restore_next(cv::Mat& frame);
  // Reads the final record: verifies it, that its frame count equals the frames restored, and
  // that nothing follows it.
  Status finish();
  std::int64_t frames() const;
  std::uint64_t regions() const;

  struct Impl;

 private:
  explicit RecoveryTrackReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Structure only (no key): walks the header and every record, checking sizes, sequence and the
// final record. For the fuzzer and diagnostics.
struct TrackScan {
  TrackInfo info;
  int version = 0;               // 1 raw, 2 compressed
  std::int64_t frames = 0;
  std::uint64_t regions = 0;
  std::int64_t key_frames = 0;   // v2 records flagged key-frame
  std::uint64_t body_bytes = 0;  // sum of the frame records' ciphertext + tag lengths
  std::uint64_t raw_bytes = 0;   // sum of the regions' pixel bytes
  // The signed provenance record after the final record (provenance.h), empty when unsigned.
  // The track's own bytes are the file's first (size - provenance.size()) bytes.
  std::vector<std::uint8_t> provenance;
};
Result<TrackScan> scan_track(std::istream& in, const TrackLimits& limits = {});

// ---- whole videos -------------------------------------------------------------------------
struct VideoRecoverSummary {
  std::int64_t frames = 0;
  std::uint64_t regions = 0;
  std::uint32_t key_id = 0;
  double fps = 0.0;
};

// Decodes `video`, restores every frame's regions from `track` and writes `writer.path`
// (codec forced to FFV1, lossless; size and rate from the video; audio copied). Fails with no
// output on any verification error, or when the video and the track differ in frame count or size.
Result<VideoRecoverSummary> recover_video(const std::string& video, const std::string& track, const Keyset& keyset,
                                          VideoWriterOptions writer);

}  // namespace shroud
