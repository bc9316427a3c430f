// Engine: the one job API every front end calls (CLI, C API, service, workers, Python, GStreamer).
//
// An Engine is configured once from EngineOptions (detector spec, policy, method, keys, output
// options), validates all of it in Engine::create(), and then serves every input form: a frame in
// memory (cv::Mat, protected in place), an encoded image in memory (bytes in, bytes out), a file,
// a list of files and folders, a video or stream; and recovery of what it produced.
//
// Conventions (stated once for the whole header):
//  - Errors: every fallible call returns Result/Status; no exception crosses this API. Messages
//    name the input (e.g. "'in.png': ...") and, for options, the offending field.
//  - Pixels: cv::Mat, 8- or 16-bit, 1/3/4 channels (BGR/BGRA), stored orientation.
//  - The engine never prints. Messages a front end should show (detector fallback, scheme
//    security warnings) are returned in `warnings` fields; progress comes through callbacks.
//  - Files are written atomically; a sidecar or recovery track is committed before (image) or
//    after (video) its carrier and rolled back on failure, so there is never a sealed output
//    without its container.
//
// Thread safety:
//  - An Engine is immutable after create(): options, policy and keys are only read.
//  - detect(), protect_frame(), protect_encoded(), protect_file(), recover_encoded() and
//    recover_file() may run concurrently from any number of threads on one Engine. Detectors are
//    not thread-safe (detector.h); the engine keeps a pool and lends each call its own detector,
//    creating another when all are busy, so concurrent calls never share one.
//  - protect_paths() and protect_video() run their own worker threads (EngineOptions::jobs) and
//    may also run concurrently with the calls above. JobControl callbacks are invoked from those
//    worker threads (protect_paths: on_progress serialised by the engine; video: on_frame and
//    on_progress from the pipeline's ordered stage, `cancelled` from its reader); they must be
//    thread-safe with respect to the caller and must not call protect_paths()/protect_video().
//  - Engine is movable, not copyable; moving an Engine while calls run on it is undefined.
#pragma once

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "shroud/frame_stream.h"
#include "shroud/keys.h"
#include "shroud/policy.h"
#include "shroud/region.h"
#include "shroud/result.h"
#include "shroud/signer.h"
#include "shroud/video.h"

namespace shroud {

// Everything an Engine is configured with. Plain data, no secrets (keys are named by path and
// loaded by create()). Unset optional fields keep the policy's (or the library's) default.
// The JSON form (from_json/to_json) uses the same names in snake_case; docs/engine.md lists them.
struct EngineOptions {
  // What the engine is for: "protect" (default) or "recover". A recover engine only needs `key`.
  enum class Mode { kProtect, kRecover };
  Mode mode = Mode::kProtect;

  // ---- detection
  std::string detector;          // spec "name[:arg][,name[:arg]...]"; empty: the default spec
  float threshold = -1.0f;       // detector score threshold; < 0: the detector's default
  int detect_size = 0;           // longest side resized to for detection; 0: detector default
  std::string models_dir;        // searched before $SHROUD_MODELS (models.h)
  bool allow_unlisted = false;   // manual:FILE: an image no entry names gets no regions (default: error)
  bool whole_frame = false;      // paper schemes block-scramble, pbe, perceptual: no detection

  // ---- policy: a policy file or inline policy JSON (docs/policy.md), then these overrides
  std::string policy_file;
  std::optional<nlohmann::json> policy;   // inline policy object (exclusive with policy_file)
  std::string method;                     // every kind: blur, pixelate, fill, seal, dp-*, a paper scheme
  std::vector<std::string> kinds;         // face, plate, ...
  bool eyes_only = false;
  std::optional<double> mask_scale;       // 0.1 .. 10
  std::string shape;                      // rectangle | ellipse
  std::optional<double> feather;          // 0 .. 0.5
  std::optional<int> cells;               // pixelate
  std::optional<double> strength;         // blur
  std::vector<double> color;              // fill: B,G,R
  std::optional<double> epsilon;          // dp-pixelate / dp-plate / generate
  std::string mechanism;                  // dp-plate: rr | paper
  std::string plate_style;                // dp-plate: auto, cn, eu, us
  std::optional<int> dp_cell;
  std::optional<int> dp_m;
  std::string encoder;                    // generate: path or model name
  std::string generator;
  std::optional<double> latent_clip;
  std::optional<int> generator_size;
  std::string ksame_gallery;              // ksame: folder of aligned face crops (docs/ksame.md)
  std::optional<int> ksame_k;             // ksame: faces averaged (default 5)

  // ---- keys: seal/sisa use a keyset (`key`) or a recipient public key (`recipient`), exactly
  // one; paper schemes use a scheme key file (`key`). Recovery uses `key`.
  std::string key;
  std::string recipient;
  std::string placeholder = "fill";       // seal: fill, blur, pixelate, noise
  bool sidecar = false;                   // container/record beside the image (OUT.shroud)
  bool detached = false;                  // seal: bind to geometry, not carrier pixels
  std::string track;                      // video seal: recovery track path (default OUT.shroudv)
  int track_format = 3;                   // video seal: recovery track version 1 (raw pixels), 2 or 3 (compressed)

  // ---- signed provenance (docs/provenance.md)
  std::string signer;                     // seal: device signing key file; every container/track gets a signed record
  std::string trusted_signers;            // recover/verify: trusted signer public keys (file)
  bool require_signed = false;            // recover: refuse unsigned files (needs trusted_signers)
  bool allow_unsigned = false;            // recover with trusted_signers: accept unsigned / unknown-signer files

  // ---- paper schemes (sisa, sisa-paper)
  int level = 3;
  int levels = 5;
  int encrypt_from = 3;

  // ---- output
  int quality = 95;                       // JPEG quality 1..100
  bool keep_metadata = false;             // keep EXIF minus thumbnails, maker notes, GPS, personal tags
  std::vector<std::string> keep_tags;     // with keep_metadata, also keep: gps, author, serial, comment
  std::string jpeg_path = "auto";         // JPEG in and out: auto (coefficients when possible), coeff, pixel
  bool overwrite = false;                 // replace existing outputs
  int jobs = 0;                           // worker threads; 0: all cores

  // ---- video
  std::string camera;                     // live camera index instead of an input file
  int detect_every = 2;
  int hold = 15;
  int extend_back = -1;
  std::int64_t max_buffer_mb = 4096;      // memory for buffered decoded frames (MiB)
  std::int64_t max_pixels = 0;            // largest image decoded from memory (w x h); 0: default_max_pixels()
  bool drop_audio = false;
  std::int64_t max_frames = 0;
  int crf = 20;
  std::string preset = "veryfast";
  std::string codec = "auto";             // auto, h264, mpeg4, ffv1

  // Parses the JSON form. Unknown fields, wrong types and out-of-range values are
  // kInvalidArgument naming the field ("options.quality: must be 1..100").
  static Result<EngineOptions> from_json(const nlohmann::json& json);
  static Result<EngineOptions> from_json_text(const std::string& text);
  // Every field, so from_json(to_json()) round-trips.
  nlohmann::json to_json() const;
};

// Keys held in memory instead of files (the service's key custody, the Python module, workers).
// Given to Engine::create() in place of options.key / options.recipient, which must then be empty:
// secrets never enter EngineOptions (whose JSON form is logged and stored). A seal engine takes
// exactly one of the two; a recover engine takes `keyset`. The keyset is shared read-only.
struct EngineKeys {
  std::shared_ptr<const Keyset> keyset;     // seal, sisa and seal recovery
  std::optional<RecipientKey> recipient;    // seal to a public key (protect only)
  bool empty() const { return !keyset && !recipient; }
  // Signed provenance, in place of options.signer / options.trusted_signers (which must then be
  // empty): the signing key (protect with seal) and the trusted signers (recover, verify).
  std::shared_ptr<const SignerKey> signer{};
  std::vector<SignerPublicKey> trusted_signers{};
};

// Which sealed regions to restore (empty: all).
struct RecoverSelection {
  std::vector<std::uint32_t> regions;
  std::vector<std::string> kinds;
};

// What one protected frame contains.
struct FrameReport {
  std::vector<Region> regions;            // everything detected
  std::vector<Action> actions;            // what was protected, in the order applied
  // Per-image JSON record (the `--json` / `--regions-json` line): regions, protected actions
  // with their methods and, for DP methods, "epsilon" {nominal, true, unit ...}. Always set by
  // protect_encoded / protect_file; by protect_frame only when asked.
  nlohmann::json record;
  std::vector<std::uint8_t> container;    // seal: the shroud-v1 container; schemes: the record
  // Seal: for each entry of `actions`, its region index in `container`; -1 when not sealed.
  std::vector<std::int32_t> container_index;
};

// An encoded image produced by protect_encoded().
struct EncodedOutput {
  std::vector<std::uint8_t> image;        // the carrier file bytes (container embedded unless sidecar)
  std::vector<std::uint8_t> sidecar;      // the container / record when options.sidecar
  FrameReport report;
};

// One file of protect_paths().
struct FileReport {
  std::string input;
  std::string output;
  Status status;
  nlohmann::json record;                  // as FrameReport::record, plus "output" (and "sidecar")
  std::size_t regions = 0;
  std::size_t protected_count = 0;
};

struct PathsReport {
  std::vector<FileReport> files;          // in input order
  std::size_t ok = 0, regions = 0, protected_count = 0;
};

// Progress and cancellation for long jobs. `cancelled` is polled before each file / frame (and,
// for video, once more before the output is committed). When
// it returns true, protect_paths() marks every file not yet started as failed ("cancelled") and
// writes nothing more; protect_video() fails with "cancelled" and leaves no output or track.
struct JobControl {
  std::function<void(std::int64_t done, std::int64_t total)> on_progress;   // total 0: unknown
  std::function<bool()> cancelled;
  // Warnings about this job (ignored flags, lossy recovery formats), as they arise.
  std::function<void(const std::string& message)> on_warning;
  // Video: called in frame order with that frame's actions (for --regions-json).
  std::function<void(std::int64_t index, const std::vector<Action>& actions)> on_frame;
};

struct VideoReport {
  std::int64_t frames = 0, detected_frames = 0, regions = 0;
  int tracks = 0, audio_streams = 0;
  double fps = 0.0;
  double seconds = 0.0;                   // wall time
  VideoTimings timings;                   // where the time went (summed over threads)
  std::string output;
  // Seal: the recovery track written.
  std::string track;
  std::int64_t track_frames = 0;
  std::uint64_t track_bytes = 0, sealed_regions = 0;
};


struct RecoverReport {
  std::vector<std::uint8_t> image;        // recover_encoded: the encoded recovered image
  cv::Size size;
  std::string scheme;                     // "seal", "seal-jpeg" (coefficient seal) or the paper scheme's name
  bool byte_identical = false;            // seal-jpeg written as JPEG: the original file, byte for byte
  std::size_t restored = 0, region_count = 0, unrecoverable = 0;
  std::uint32_t key_id = 0;
  std::vector<std::string> warnings;      // lossy output format, detached container, ...
  std::string signed_by;                  // trusted signer id (and name) when the record was checked
};

// What verify_file() found: who signed the file and the record they signed.
struct VerifyReport {
  bool is_signed = false;
  std::string subject;                    // "image" or "video"
  std::string signer_id, signer_name;     // from the trusted-signers entry
  std::string time;                       // as recorded
  nlohmann::json record;                  // the whole signed record
  std::vector<std::string> warnings;      // detached carrier differs, ...
};

struct VideoRecoverReport {
  std::int64_t frames = 0;
  std::uint64_t regions = 0;
  std::uint32_t key_id = 0;
  double fps = 0.0;
  std::vector<std::string> warnings;      // unsigned track accepted, record not checked, ...
  std::string signed_by;                  // trusted signer id (and name) when the record was checked
};

class Engine {
 public:
  // Validates every option (method names, policy values, key rules: seal needs exactly one of
  // key/recipient, paper schemes a scheme key of the same method; DP parameters), loads the keys
  // and creates one detector (a bad spec or a missing model fails here, before any work).
  // A recover engine (Mode::kRecover) checks the option ranges only; its `key` is read by each
  // recovery call, as a keyset or a scheme key depending on what the input holds.
  static Result<Engine> create(EngineOptions options);
  // The same with keys in memory (EngineKeys); options.key and options.recipient must be empty.
  static Result<Engine> create(EngineOptions options, EngineKeys keys);

  // The policy create() would build from `options` (policy file or inline JSON, then the
  // overrides; every method name checked), without creating an engine: lets a front end ask
  // whether its options seal before it decides which keys to hand over.
  static Result<Policy> effective_policy(const EngineOptions& options);

  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;
  ~Engine();

  const EngineOptions& options() const;
  const Policy& policy() const;           // the effective policy after overrides
  // Warnings found while configuring (default detector fallback, paper-scheme security notes).
  const std::vector<std::string>& warnings() const;
  bool seals() const;                     // some kind uses the seal (or sisa)
  bool scheme() const;                    // a paper scheme (not sisa) is the method

  // Regions in `image` (nothing is changed).
  Result<std::vector<Region>> detect(const cv::Mat& image) const;

  // Detects, plans and protects `image` in place: irreversible actions first, then sealed ones
  // (placeholders drawn, originals encrypted into FrameReport::container, bound to `image`'s
  // pixels as left by this call). Paper schemes may enlarge the image: `image` is then replaced.
  // FrameReport::record (JSON) is built only when `with_record` is set (it costs ~10-20 us).
  // On failure `image` holds what it held before the call (the rectangles about to change are
  // saved first when a method may fail half way); its buffer is never reallocated, except by a
  // paper scheme that changes the size.
  Result<FrameReport> protect_frame(cv::Mat& image, bool with_record = false) const;

  // Restores, in place, the sealed regions of a frame left by protect_frame() (any stride), from
  // its container. Verifies everything first; on failure `image` is unchanged. Recover engines
  // and seal engines holding a keyset can do this; a recipient public key cannot.
  Status recover_frame(cv::Mat& image, std::span<const std::uint8_t> container,
                       const RecoverSelection& selection = {}) const;

  // A stream of frames handed over one at a time (frame_stream.h): detection every
  // options.detect_every frames, tracking (options.hold) in between. kUnsupported for seal, sisa
  // and paper schemes. The stream borrows a detector; this Engine must outlive it.
  Result<FrameStream> open_stream() const;

  // An encoded image in memory (any format read_image reads) to an encoded `format` ("png",
  // "jpeg", "tiff", "bmp", "webp"). `name` (may be empty) is used in messages and the record,
  // and selects the image's entry of a manual:FILE regions list.
  // `sidecar` overrides options.sidecar for this call. Decoding honours options.max_pixels.
  Result<EncodedOutput> protect_encoded(std::span<const std::uint8_t> bytes, const std::string& format,
                                        const std::string& name = "",
                                        std::optional<bool> sidecar = std::nullopt) const;

  // One file to one file (format from the output's extension); sidecar committed first.
  Result<FileReport> protect_file(const std::string& input, const std::string& output) const;

  // Files and folders (recursive) to `output`: a file for one input file, else a folder that
  // mirrors the inputs; `in_place` replaces the inputs (output must be empty). Checks the layout
  // (output is not an input, scheme output formats) before any work; runs `jobs` workers.
  // Per-file failures are in the report; a returned error means nothing was processed.
  Result<PathsReport> protect_paths(const std::vector<std::string>& inputs, const std::string& output,
                                    bool in_place, const JobControl& control = {}) const;

  // A video file, URL, "-" (stdin) or options.camera to `output`. Seal: the recovery track is
  // written beside it and committed after the video; on failure neither is left.
  // `input` is ignored when options.camera is set.
  Result<VideoReport> protect_video(const std::string& input, const std::string& output,
                                    const JobControl& control = {}) const;

  // Recovery (seal containers and paper-scheme records): verifies everything, then returns the
  // recovered image encoded as `format`. `sidecar`: the container when not embedded.
  // Signed provenance: with trusted signers the record is checked first (as verify_file) and an
  // unsigned file or unknown signer is refused unless allow_unsigned; require_signed without
  // trusted signers is refused by create(). Without either, a record is skipped (a warning).
  Result<RecoverReport> recover_encoded(std::span<const std::uint8_t> bytes,
                                        const std::optional<std::vector<std::uint8_t>>& sidecar,
                                        const std::string& format, const RecoverSelection& selection = {},
                                        const std::string& name = "<memory>") const;
  Result<RecoverReport> recover_file(const std::string& input, const std::string& output,
                                     const std::string& sidecar_file = "", const RecoverSelection& selection = {}) const;
  // Checks the signed provenance record of a sealed image (embedded, or `sidecar_file`) or of a
  // video's recovery track (`track`, default INPUT.shroudv, for video inputs) against the trusted
  // signers: the signature, the container/track digest and the carrier (image pixels, video
  // file). Errors: kNotFound unsigned ("no provenance record"), kPermission unknown signer,
  // kAuthentication bad signature or carrier/container not the one signed, kCorrupt malformed.
  // Needs trusted signers (options or EngineKeys). No keyset is needed.
  Result<VerifyReport> verify_file(const std::string& input, const std::string& sidecar_file = "",
                                   const std::string& track = "") const;
  // A sealed video and its recovery track (default INPUT.shroudv) to a lossless (FFV1) video.
  Result<VideoRecoverReport> recover_video(const std::string& input, const std::string& output,
                                           const std::string& track = "") const;

  struct Impl;

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Image files named by `inputs`: files as given, folders walked recursively for image files
// (sorted). `root` is the folder a file was found under ("" for files given directly).
struct InputFile {
  std::string path;
  std::string root;
};
Result<std::vector<InputFile>> expand_image_inputs(const std::vector<std::string>& inputs);
bool is_image_file_name(const std::string& path);   // by extension: .jpg .png .tif .webp ...

// True for inputs protect_video() handles: a video file name, a URL ("://") or "-".
bool is_video_input(const std::string& input);

}  // namespace shroud
