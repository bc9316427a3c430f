// Seal: reversible protection with authenticated encryption (format shroud-v1, scheme "seal").
//
// Contract:
//  - Sealing replaces each action's rectangle by a visible placeholder (blur, pixelate, fill,
//    noise) and encrypts the rectangle's original pixels (native depth and channels, alpha
//    included) with XChaCha20-Poly1305 under a per-region key:
//      K_file = HKDF-Extract(salt, master)         salt: 32 random bytes per file
//      K_r    = HKDF-Expand(K_file, "shroud/v1/region" || frame || index)
//      K_enc  = HKDF-Expand(K_r, "shroud/v1/enc"),  commitment = HKDF-Expand(K_r, "shroud/v1/commit")
//    master is the keyset's primary key, or (recipient mode) a random per-file key wrapped to the
//    recipient's X25519 public key with crypto_box_seal. The associated data of every region is
//    the file header (version, ids, key id, salt, size, channels, depth, orientation, frame,
//    region count, carrier digest) plus the region header (index, kind, placeholder, rectangle,
//    nonce, commitment). An HMAC-SHA256 manifest under HKDF-Expand(K_file, "shroud/v1/manifest")
//    authenticates the header and the whole region list.
//  - Recovery verifies, in order: container structure, key id, manifest, carrier (size, type and
//    digest), then every region's commitment and tag. Only when ALL of them pass does it return
//    pixels; any failure is an error (kAuthentication for wrong key/tampering) and no partial
//    result. Restored pixels are bit-exact originals; regions are restored in reverse order, so
//    overlapping regions come back exactly too.
//  - Carrier binding: kPixels binds the sealed regions to the SHA-256 of the carrier's decoded
//    pixels (for JPEG: the pixels of the JPEG as written, decoded by libjpeg); kDetached binds to
//    geometry only, for pipelines that re-encode the carrier (docs/container-format.md).
//  - Functions are thread-safe for distinct images; keys are only read.
#pragma once

#include <opencv2/core.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "shroud/container.h"
#include "shroud/image_io.h"
#include "shroud/keys.h"
#include "shroud/policy.h"
#include "shroud/result.h"

namespace shroud {

// Where keys come from. Sealing uses `recipient` when set, else the keyset's primary key.
// Opening needs the keyset (a recipient public key cannot open anything).
struct KeySource {
  const Keyset* keyset = nullptr;
  const RecipientKey* recipient = nullptr;
};

struct SealOptions {
  Placeholder placeholder = Placeholder::kFill;   // reveals nothing; blur/pixelate leak coarse shape
  CarrierBinding binding = CarrierBinding::kPixels;
  std::uint64_t frame = 0;                        // frame index (video), 0 for stills
  int orientation = 1;                            // EXIF orientation the source had (1..8)
  // 2 (default): region pixels losslessly compressed and padded to a size bucket before
  // sealing (container version 2; the padded length reveals the bucket, docs/security.md).
  // 1: raw pixels (container version 1, as written before; still recovered).
  int container_version = 2;
};

struct SealedRegion {
  std::uint32_t index = 0;
  Kind kind = Kind::kFace;
  cv::Rect rect;
};

struct SealedImage {
  std::vector<std::uint8_t> container;  // serialized shroud-v1 container
  std::vector<SealedRegion> regions;
};

// Step 1 of sealing: validates the actions, captures the original pixels and draws the
// placeholders into `image`. Holds the originals (zeroed when destroyed).
class PendingSeal {
 public:
  struct Impl;
  PendingSeal(PendingSeal&&) noexcept;
  PendingSeal& operator=(PendingSeal&&) noexcept;
  ~PendingSeal();
  explicit PendingSeal(std::unique_ptr<Impl> impl);
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

Result<PendingSeal> begin_seal(cv::Mat& image, const std::vector<Action>& actions, const SealOptions& options);
// Step 2: binds to `carrier` (the placeholder image as a reader will decode it: the same Mat for
// lossless outputs, the decoded JPEG for JPEG outputs), derives keys and encrypts.
Result<SealedImage> finish_seal(PendingSeal pending, const cv::Mat& carrier, const KeySource& keys);
// Both steps, with `image` itself as the carrier.
Result<SealedImage> seal_regions(cv::Mat& image, const std::vector<Action>& actions, const SealOptions& options,
                                 const KeySource& keys);

struct RecoverOptions {
  std::vector<std::uint32_t> regions;  // restore only these indices (empty: all)
  std::vector<Kind> kinds;             // restore only these kinds (empty: all)
};

struct RecoveredImage {
  cv::Mat image;
  std::vector<std::uint32_t> restored;  // indices restored
  std::uint32_t region_count = 0;
  CarrierBinding binding = CarrierBinding::kPixels;
  std::uint32_t key_id = 0;
};

// Verifies everything (see above), then returns a copy of `carrier` with the selected regions
// restored. Every region's tag is verified even when only some are restored.
[[nodiscard]] Result<RecoveredImage> recover_regions(const cv::Mat& carrier, std::span<const std::uint8_t> container,
                                                     const Keyset& keyset, const RecoverOptions& options = {});

// ---- payload seals (PayloadScheme::kJpegCoefficients, used by jpeg_coeff.h) ---------------
// The same keys, AEAD, manifest and verification order as above, but each region body holds an
// opaque payload (for JPEG: the compressed original coefficients of the blocks covering `rect`)
// instead of raw pixels. The caller has already drawn the placeholders.
struct SealPayload {
  Kind kind = Kind::kFace;
  cv::Rect rect;                       // inside an image of `size`
  std::vector<std::uint8_t> bytes;     // moved into secret storage; non-empty
};
Result<PendingSeal> begin_payload_seal(cv::Size size, int type, std::vector<SealPayload> payloads,
                                       PayloadScheme scheme, const SealOptions& options);

struct OpenedPayload {
  std::uint32_t index = 0;
  Kind kind = Kind::kFace;
  cv::Rect rect;
  std::vector<std::uint8_t> bytes;     // plaintext; the caller wipes it after use
};
struct OpenedPayloads {
  std::vector<OpenedPayload> selected;  // in index order
  std::uint32_t region_count = 0;
  CarrierBinding binding = CarrierBinding::kPixels;
  std::uint32_t key_id = 0;
};
// Verifies the whole container against `carrier` exactly as recover_regions does (scheme must
// be `scheme`) and returns the selected regions' plaintexts.
[[nodiscard]] Result<OpenedPayloads> open_payload_seal(const cv::Mat& carrier, std::span<const std::uint8_t> container,
                                                       PayloadScheme scheme, const Keyset& keyset,
                                                       const RecoverOptions& options = {});
// The payload scheme of a container (after a structural parse), for dispatching.
Result<PayloadScheme> container_scheme(std::span<const std::uint8_t> container);

// SHA-256 of the pixels in canonical order (rows top to bottom, channels interleaved as stored,
// 16-bit samples little-endian). kInternal when SHA-256 fails (never a digest of zeros).
[[nodiscard]] Result<std::array<std::uint8_t, 32>> carrier_digest(const cv::Mat& image);

// ---- whole files --------------------------------------------------------------------------
struct SealFileOptions {
  SealOptions seal;
  std::string format = "png";   // output format: "png" or "jpeg" embed; others need sidecar
  EncodeOptions encode;
  bool sidecar = false;         // put the container in a separate file instead of the image
};

struct SealedFile {
  std::vector<std::uint8_t> image;    // the carrier file (with the container unless sidecar)
  std::vector<std::uint8_t> sidecar;  // the container when SealFileOptions::sidecar
  std::vector<SealedRegion> regions;
};

// Seals `image` (modified: placeholders drawn), encodes it and attaches the container.
Result<SealedFile> seal_image_file(cv::Mat& image, const std::vector<Action>& actions, const SealFileOptions& options,
                                   const KeySource& keys);
// Decodes a carrier file, finds its container (embedded, or `sidecar` when given; both is an
// error) and recovers it.
[[nodiscard]] Result<RecoveredImage> recover_image_file(std::span<const std::uint8_t> file,
                                                        const std::optional<std::vector<std::uint8_t>>& sidecar,
                                                        const Keyset& keyset, const RecoverOptions& options = {});

}  // namespace shroud
