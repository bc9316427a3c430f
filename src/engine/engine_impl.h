// Engine internals shared by the operation files in src/engine/ (engine.h is the contract).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "shroud/container.h"
#include "shroud/detector.h"
#include "shroud/engine.h"
#include "shroud/image_io.h"
#include "shroud/keys.h"
#include "shroud/policy.h"
#include "shroud/schemes/scheme_file.h"
#include "shroud/provenance.h"
#include "shroud/seal.h"
#include "shroud/signer.h"

namespace shroud {
namespace engine {

// The scheme selected by the method, if any ("sisa" is the seal-based SISA mode).
struct SchemeChoice {
  std::string name;                               // as given
  std::optional<schemes::SchemeMethod> method;    // empty for "sisa"
  bool sisa_seal() const { return !method.has_value(); }
};
std::optional<SchemeChoice> scheme_choice(const std::string& method);

// The one warning line shown when a paper scheme protects something.
std::string scheme_warning(const SchemeChoice& choice);

// Output formats a scheme record can be written to: PNG (embedded), or TIFF/BMP with a sidecar.
Status check_scheme_output(const SchemeChoice& choice, const std::string& format, bool sidecar);

// load_scheme_key with hints for the usual mistakes (a recipient public key or a seal keyset).
Result<schemes::SchemeKey> load_scheme_key_file(const std::string& path);

// A detector that finds nothing (whole-frame schemes).
std::unique_ptr<Detector> make_null_detector();

// SISA prioritised selection turned into seal actions (placeholder blur below the encrypt level).
Result<std::vector<Action>> sisa_seal_actions(const std::vector<Region>& regions, cv::Size image,
                                              const Policy& policy, const schemes::SisaParams& params,
                                              Placeholder encrypt_placeholder, Placeholder* used);

// For each of `actions` (in order), the container index of its sealed region, or -1 when it was
// not sealed: the sealed actions are matched, in order, with the regions the seal reports.
std::vector<std::int32_t> container_indices(const std::vector<Action>& actions, const std::vector<SealedRegion>& sealed);

// Epsilon spent by a DP action; nullopt for other methods.
std::optional<nlohmann::json> epsilon_json(const Action& a);

// Keys for seal, loaded once and shared (read-only) by every worker.
struct SealKeys {
  std::shared_ptr<const Keyset> keyset;
  std::optional<RecipientKey> recipient;
  Placeholder placeholder = Placeholder::kFill;
  KeySource source() const {
    KeySource k;
    if (keyset) k.keyset = keyset.get();
    if (recipient) k.recipient = &*recipient;
    return k;
  }
};

// A paper scheme: the choice, its key (not for sisa) and the SISA level parameters.
struct SchemeRun {
  SchemeChoice choice;
  std::optional<schemes::SchemeKey> key;
  schemes::SisaParams sisa;
};

// Range checks on the numeric and enumerated options (options.cc); messages name the field.
Status validate_ranges(const EngineOptions& o);

bool same_file(const std::string& a, const std::string& b);

// BLAKE2b-256 (hex) of a file's first `limit` bytes (all when limit < 0), streamed (provenance).
Result<std::string> file_blake2b_hex(const std::string& path, std::int64_t limit = -1);

}  // namespace engine

struct Engine::Impl {
  EngineOptions options;
  Policy policy;
  std::vector<std::string> warnings;
  std::string detector_spec;                  // resolved (default spec filled in)
  std::optional<engine::SealKeys> seal;       // seal or sisa
  std::optional<engine::SchemeRun> scheme;    // paper scheme or sisa
  EngineKeys memory_keys;                     // create(options, keys)
  std::shared_ptr<const SignerKey> signer;    // protect: sign every container / track
  nlohmann::json model_hashes = nlohmann::json::array();  // with a signer: [{file, blake2b}] of the detector's files
  std::vector<SignerPublicKey> trusted_signers;  // recover, verify

  // ---- signed provenance (provenance.cc)
  // The fields every record shares: time, tool, policy (document and digest), detector spec.
  nlohmann::json provenance_base(const std::string& subject) const;
  // record || container for an image: `carrier` is the carrier's pixels as a reader will decode
  // them, `input` describes the input (digest), `format` the carrier's ("frame": in memory).
  Result<std::vector<std::uint8_t>> sign_image_payload(std::span<const std::uint8_t> container, const cv::Mat& carrier,
                                                       nlohmann::json input, const nlohmann::json& redaction,
                                                       const std::string& format) const;
  // The same for an encoded carrier file (decoded here as recover decodes it).
  Result<std::vector<std::uint8_t>> sign_image_payload(std::span<const std::uint8_t> container,
                                                       std::span<const std::uint8_t> carrier_file,
                                                       nlohmann::json input, const nlohmann::json& redaction,
                                                       const std::string& format) const;
  // Checks an image's record (verify_file's rules); unsigned is a report with is_signed false.
  Result<VerifyReport> check_image(std::span<const std::uint8_t> file,
                                   const std::optional<std::vector<std::uint8_t>>& sidecar) const;
  Result<VerifyReport> check_video(const std::string& video, const std::string& track) const;
  // Recovery rules on a check's result: the warnings to show, or the refusal.
  Status enforce_provenance(const Result<VerifyReport>& check, const std::string& name,
                            std::vector<std::string>* warnings) const;

  // The keyset for seal recovery: the one in memory, or options.key loaded now.
  Result<std::shared_ptr<const Keyset>> recovery_keyset() const;

  // Detector pool: each call borrows one; created on demand, returned after use.
  mutable std::mutex pool_mutex;
  mutable std::vector<std::unique_ptr<Detector>> pool;
  Result<std::unique_ptr<Detector>> new_detector() const;

  class Lease {
   public:
    Lease(const Impl* impl, std::unique_ptr<Detector> d) : impl_(impl), d_(std::move(d)) {}
    Lease(Lease&&) = default;
    ~Lease();
    Detector& operator*() const { return *d_; }
   private:
    const Impl* impl_;
    std::unique_ptr<Detector> d_;
  };
  Result<Lease> borrow() const;

  EncodeOptions encode_options(const LoadedImage& img) const;

  // Detect and plan (seal/sisa: the SISA selection). `name` prefixes messages.
  struct Plan {
    std::vector<Region> regions;
    std::vector<Action> actions;
    Placeholder placeholder = Placeholder::kFill;   // for the sealed actions
  };
  Result<Plan> plan(const cv::Mat& image, const std::string& name, Detector& detector) const;
  // Paper scheme (not sisa): regions to protect, detected and filtered by the policy.
  Result<schemes::SchemeProtectOptions> scheme_regions(const cv::Mat& image, const std::string& name, Detector& detector,
                                                       std::vector<Region>* found) const;
  // The actions a scheme result reports (one per altered rectangle).
  std::vector<Action> scheme_actions(const schemes::SchemeProtected& prot, const schemes::SchemeProtectOptions& so) const;

  // Protects a decoded image to encoded `format` (no file written). `name` prefixes messages.
  Result<EncodedOutput> protect_loaded(const LoadedImage& img, const std::string& format, const std::string& name,
                                       Detector& detector, bool sidecar) const;
  // Decode limits for images in memory (options.max_pixels).
  ImageLimits limits() const;
  // protect_loaded + atomic writes (sidecar first, removed again if the image fails).
  Result<FileReport> protect_to_file(const std::string& input, const std::string& output, Detector& detector,
                                     bool overwrite = false) const;
  // JPEG in and out through the coefficient path (kUnsupported: the pixel path must take it).
  Result<FileReport> protect_jpeg_to_file(const std::string& input, const std::string& output, Detector& detector,
                                          bool overwrite) const;
};

}  // namespace shroud
