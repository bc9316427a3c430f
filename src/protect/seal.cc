// The seal protector: placeholders + per-region AEAD + authenticated manifest (see seal.h).
#include "shroud/seal.h"

#include <opencv2/core.hpp>

#include <algorithm>
#include <bit>
#include <cstring>
#include <set>

#include "core/pixel_pack.h"
#include "codec/padded_region.h"
#include "crypto/crypto.h"
#include "crypto/keyset_impl.h"
#include "protect/placeholder_draw.h"
#include "protect/seal_key.h"
#include "shroud/provenance.h"
#include "shroud/protector.h"

namespace shroud {

struct PendingSeal::Impl {
  struct Item {
    std::uint32_t index = 0;
    Kind kind = Kind::kFace;
    cv::Rect rect;
    crypto::SecretBytes plain;  // original pixels, canonical order
  };
  int rows = 0, cols = 0, type = 0;
  PayloadScheme scheme = PayloadScheme::kSeal;
  SealOptions options;
  std::vector<Item> items;
};

PendingSeal::PendingSeal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PendingSeal::PendingSeal(PendingSeal&&) noexcept = default;
PendingSeal& PendingSeal::operator=(PendingSeal&&) noexcept = default;
PendingSeal::~PendingSeal() = default;

namespace {

constexpr std::size_t kTag = crypto::kTagBytes;

// Canonical order (16-bit little-endian) <-> the host's sample order, which the codec reads.
void canonical_to_native(std::uint8_t* p, std::size_t n, int depth_bits) {
  if constexpr (std::endian::native == std::endian::big) {
    if (depth_bits == 16) {
      for (std::size_t i = 0; i + 1 < n; i += 2) std::swap(p[i], p[i + 1]);
    }
  } else {
    (void)p, (void)n, (void)depth_bits;
  }
}

std::uint8_t depth_bits(const cv::Mat& m) { return m.depth() == CV_16U ? 16 : 8; }

struct RegionKeys {
  crypto::SecretKey enc;
  crypto::SecretKey commit;
};

Result<RegionKeys> region_keys(const crypto::SecretKey& file_key, std::uint64_t frame, std::uint32_t index) {
  std::array<std::uint8_t, 16 + 8 + 4> info{};
  std::memcpy(info.data(), "shroud/v1/region", 16);
  for (int i = 0; i < 8; ++i) info[16 + i] = static_cast<std::uint8_t>(frame >> (56 - 8 * i));
  for (int i = 0; i < 4; ++i) info[24 + i] = static_cast<std::uint8_t>(index >> (24 - 8 * i));
  SHROUD_ASSIGN_OR_RETURN(crypto::SecretKey k_r, crypto::hkdf_expand_key(file_key.view(), info));
  static constexpr std::uint8_t kEnc[] = {'s', 'h', 'r', 'o', 'u', 'd', '/', 'v', '1', '/', 'e', 'n', 'c'};
  static constexpr std::uint8_t kCommit[] = {'s', 'h', 'r', 'o', 'u', 'd', '/', 'v', '1', '/', 'c', 'o', 'm', 'm', 'i', 't'};
  RegionKeys out;
  SHROUD_ASSIGN_OR_RETURN(out.enc, crypto::hkdf_expand_key(k_r.view(), kEnc));
  SHROUD_ASSIGN_OR_RETURN(out.commit, crypto::hkdf_expand_key(k_r.view(), kCommit));
  return out;
}

Result<crypto::SecretKey> manifest_key(const crypto::SecretKey& file_key) {
  static constexpr std::uint8_t kManifest[] = {'s', 'h', 'r', 'o', 'u', 'd', '/', 'v', '1', '/',
                                               'm', 'a', 'n', 'i', 'f', 'e', 's', 't'};
  return crypto::hkdf_expand_key(file_key.view(), kManifest);
}

Error auth_error(const std::string& what) { return make_error(ErrorCode::kAuthentication, what); }

}  // namespace

Result<std::array<std::uint8_t, 32>> carrier_digest(const cv::Mat& image) {
  crypto::Sha256 h;
  const std::size_t row_bytes = static_cast<std::size_t>(image.cols) * image.elemSize();
  const bool swap = std::endian::native == std::endian::big && image.depth() == CV_16U;
  if (image.isContinuous() && !swap) {
    h.update({image.ptr(0), row_bytes * static_cast<std::size_t>(image.rows)});
  } else {
    std::vector<std::uint8_t> row(row_bytes);
    for (int y = 0; y < image.rows; ++y) {
      detail::pack_region(image, cv::Rect(0, y, image.cols, 1), row.data());  // canonical byte order
      h.update(row);
    }
  }
  return h.finish();
}

Result<PendingSeal> begin_seal(cv::Mat& image, const std::vector<Action>& actions, const SealOptions& options) {
  SHROUD_RETURN_IF_ERROR(crypto::init());
  SHROUD_RETURN_IF_ERROR(check_supported_image(image));
  if (actions.empty()) return make_error(ErrorCode::kInvalidArgument, "seal: no regions to seal");
  if (options.orientation < 1 || options.orientation > 8) {
    return make_error(ErrorCode::kInvalidArgument, "seal: orientation must be 1..8");
  }
  ContainerLimits limits;
  if (actions.size() > limits.max_regions) {
    return make_error(ErrorCode::kResourceLimit, "seal: more than " + std::to_string(limits.max_regions) + " regions");
  }
  auto impl = std::make_unique<PendingSeal::Impl>();
  impl->rows = image.rows;
  impl->cols = image.cols;
  impl->type = image.type();
  impl->options = options;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < actions.size(); ++i) {
    const cv::Rect& r = actions[i].rect;
    if (r.width <= 0 || r.height <= 0 || r.x < 0 || r.y < 0 ||
        std::int64_t{r.x} + r.width > image.cols || std::int64_t{r.y} + r.height > image.rows) {
      return make_error(ErrorCode::kInvalidArgument, "seal: region " + std::to_string(i) + " is empty or outside the image");
    }
    total += std::uint64_t(r.width) * r.height * image.elemSize() + kTag;
  }
  if (total > limits.max_bytes) return make_error(ErrorCode::kResourceLimit, "seal: sealed data would exceed the container limit");
  // Everything that can refuse is checked before the first placeholder is drawn, so an error
  // leaves the caller's image untouched.
  if (options.placeholder == Placeholder::kBlur || options.placeholder == Placeholder::kPixelate) {
    for (const Action& a : actions) SHROUD_RETURN_IF_ERROR(check_strength_floor(a.params));
  }
  // Capture region i from the state after placeholders 0..i-1, so reverse-order restore is exact.
  for (std::size_t i = 0; i < actions.size(); ++i) {
    const Action& a = actions[i];
    PendingSeal::Impl::Item item;
    item.index = static_cast<std::uint32_t>(i);
    item.kind = a.region.kind;
    item.rect = a.rect;
    item.plain = crypto::SecretBytes(static_cast<std::size_t>(a.rect.width) * a.rect.height * image.elemSize());
    detail::pack_region(image, a.rect, item.plain.data());
    std::uint64_t seed = 0;
    SHROUD_RETURN_IF_ERROR(crypto::random_bytes({reinterpret_cast<std::uint8_t*>(&seed), sizeof seed}));
    SHROUD_RETURN_IF_ERROR(draw_placeholder(image, a, options.placeholder, seed));
    impl->items.push_back(std::move(item));
  }
  return PendingSeal(std::move(impl));
}

Result<SealedImage> finish_seal(PendingSeal pending, const cv::Mat& carrier, const KeySource& keys) {
  SHROUD_RETURN_IF_ERROR(crypto::init());
  PendingSeal::Impl& p = pending.impl();
  if (carrier.rows != p.rows || carrier.cols != p.cols || carrier.type() != p.type) {
    return make_error(ErrorCode::kInvalidArgument, "seal: the carrier's size or type differs from the sealed image");
  }
  if (p.options.container_version != kContainerVersion && p.options.container_version != kContainerVersionCompressed) {
    return make_error(ErrorCode::kInvalidArgument, "seal: container version must be 1 or 2");
  }
  Container c;
  ContainerHeader& h = c.header;
  h.scheme = p.scheme;
  // Compression applies to pixel regions; the JPEG coefficient scheme's payload is deflated already.
  const bool compress = p.scheme == PayloadScheme::kSeal && p.options.container_version == kContainerVersionCompressed;
  h.version = compress ? kContainerVersionCompressed : kContainerVersion;
  h.binding = p.options.binding;
  h.width = static_cast<std::uint32_t>(p.cols);
  h.height = static_cast<std::uint32_t>(p.rows);
  h.channels = static_cast<std::uint8_t>(carrier.channels());
  h.depth_bits = depth_bits(carrier);
  h.orientation = static_cast<std::uint8_t>(p.options.orientation);
  h.frame = p.options.frame;
  h.region_count = static_cast<std::uint32_t>(p.items.size());
  SHROUD_RETURN_IF_ERROR(crypto::random_bytes(h.salt));

  SHROUD_ASSIGN_OR_RETURN(detail::SealMaster sm, detail::seal_master(keys));
  h.key_mode = sm.mode;
  h.key_id = sm.key_id;
  h.wrapped_key = std::move(sm.wrapped_key);
  SHROUD_ASSIGN_OR_RETURN(crypto::SecretKey file_key, crypto::hkdf_extract(h.salt, sm.master.view()));
  if (h.binding == CarrierBinding::kPixels) {
    SHROUD_ASSIGN_OR_RETURN(h.carrier_digest, carrier_digest(carrier));
  }

  // Region headers first (all known before encryption), so the manifest can be computed and the
  // ciphertexts written straight into the output buffer.
  std::vector<RegionKeys> rkeys;
  rkeys.reserve(p.items.size());
  if (compress) {
    const codec::Geometry g{h.channels, h.depth_bits / 8};
    for (auto& item : p.items) {
      canonical_to_native(item.plain.data(), item.plain.size(), h.depth_bits);
      crypto::SecretBytes packed;
      SHROUD_RETURN_IF_ERROR(codec::compress_region(item.plain.data(), item.rect.width, item.rect.height, g, &packed));
      item.plain = std::move(packed);  // the raw copy is wiped by SecretBytes
    }
  }
  std::size_t body_total = 0;
  for (const auto& item : p.items) {
    ContainerRegion reg;
    reg.index = item.index;
    reg.kind = item.kind;
    reg.placeholder = p.options.placeholder;
    reg.x = static_cast<std::uint32_t>(item.rect.x);
    reg.y = static_cast<std::uint32_t>(item.rect.y);
    reg.width = static_cast<std::uint32_t>(item.rect.width);
    reg.height = static_cast<std::uint32_t>(item.rect.height);
    SHROUD_RETURN_IF_ERROR(crypto::random_bytes(reg.nonce));
    SHROUD_ASSIGN_OR_RETURN(RegionKeys rk, region_keys(file_key, h.frame, reg.index));
    std::memcpy(reg.commitment.data(), rk.commit.data(), reg.commitment.size());
    reg.ciphertext_size = static_cast<std::uint32_t>(item.plain.size() + kTag);
    body_total += reg.ciphertext_size;
    c.regions.push_back(reg);
    rkeys.push_back(std::move(rk));
  }
  SHROUD_ASSIGN_OR_RETURN(crypto::SecretKey mkey, manifest_key(file_key));
  SealedImage out;
  out.container = manifest_bytes(c);
  const auto tag = crypto::hmac_sha256(mkey.view(), out.container);
  const std::size_t body_start = out.container.size() + tag.size();
  out.container.insert(out.container.end(), tag.begin(), tag.end());
  out.container.resize(body_start + body_total);

  const auto fh = encode_file_header(h);
  std::array<std::uint8_t, kFileHeaderBytes + kRegionHeaderBytes> ad{};
  std::memcpy(ad.data(), fh.data(), fh.size());
  std::size_t off = body_start;
  for (std::size_t i = 0; i < p.items.size(); ++i) {
    const auto rh = encode_region_header(c.regions[i]);
    std::memcpy(ad.data() + kFileHeaderBytes, rh.data(), rh.size());
    const auto& plain = p.items[i].plain;
    SHROUD_RETURN_IF_ERROR(crypto::xchacha_encrypt(rkeys[i].enc.view(), c.regions[i].nonce, ad, plain.view(),
                                                   {out.container.data() + off, plain.size() + kTag}));
    off += plain.size() + kTag;
    out.regions.push_back({c.regions[i].index, c.regions[i].kind, p.items[i].rect});
  }
  return out;
}

Result<SealedImage> seal_regions(cv::Mat& image, const std::vector<Action>& actions, const SealOptions& options,
                                 const KeySource& keys) {
  SHROUD_RETURN_IF_ERROR(crypto::init());
  SHROUD_RETURN_IF_ERROR(detail::check_seal_key(keys));
  SHROUD_ASSIGN_OR_RETURN(PendingSeal pending, begin_seal(image, actions, options));
  return finish_seal(std::move(pending), image, keys);
}

namespace {

struct OpenedContainer {
  Container c;
  std::vector<std::pair<std::size_t, crypto::SecretBytes>> opened;  // (region, plaintext), index order
};

// Whether `r` is in the recovery selection (by index and by kind; empty lists select all).
bool region_selected(const ContainerRegion& r, const RecoverOptions& options) {
  const bool by_index = options.regions.empty() ||
                        std::find(options.regions.begin(), options.regions.end(), r.index) != options.regions.end();
  const bool by_kind = options.kinds.empty() || std::find(options.kinds.begin(), options.kinds.end(), r.kind) != options.kinds.end();
  return by_index && by_kind;
}

Result<OpenedContainer> open_container(const cv::Mat& carrier, std::span<const std::uint8_t> bytes, PayloadScheme scheme,
                                       const Keyset& keyset, const RecoverOptions& options) {
  SHROUD_RETURN_IF_ERROR(crypto::init());
  SHROUD_ASSIGN_OR_RETURN(Container c, parse_container(bytes));
  const ContainerHeader& h = c.header;
  if (h.scheme != scheme) {
    return make_error(ErrorCode::kUnsupported,
                      h.scheme == PayloadScheme::kJpegCoefficients
                          ? "the container holds JPEG coefficient blocks: recover it to a .jpg output (docs/jpeg.md)"
                          : "the container holds pixels, not JPEG coefficient blocks");
  }

  // Key: by id, enabled, of the algorithm the container's key mode needs.
  SHROUD_ASSIGN_OR_RETURN(crypto::SecretKey master, detail::open_seal_master(keyset, h.key_mode, h.key_id, h.wrapped_key, "file"));
  SHROUD_ASSIGN_OR_RETURN(crypto::SecretKey file_key, crypto::hkdf_extract(h.salt, master.view()));
  SHROUD_ASSIGN_OR_RETURN(crypto::SecretKey mkey, manifest_key(file_key));

  // Manifest over the bytes as received (the parser guarantees the layout).
  const std::size_t manifest_len = kFileHeaderBytes + h.wrapped_key.size() + c.regions.size() * kRegionHeaderBytes;
  if (!crypto::hmac_sha256_verify(mkey.view(), bytes.first(manifest_len), c.manifest_tag)) {
    return auth_error("manifest authentication failed: wrong key, or the container was altered");
  }

  // Carrier.
  if (carrier.cols != static_cast<int>(h.width) || carrier.rows != static_cast<int>(h.height) ||
      carrier.channels() != h.channels || depth_bits(carrier) != h.depth_bits ||
      (carrier.depth() != CV_8U && carrier.depth() != CV_16U)) {
    return auth_error("the container belongs to a different image (size, channels or depth differ)");
  }
  if (h.binding == CarrierBinding::kPixels) {
    SHROUD_ASSIGN_OR_RETURN(const auto digest, carrier_digest(carrier));
    if (!crypto::equal_ct(digest, h.carrier_digest)) {
      return auth_error("the image pixels were changed after sealing (carrier digest mismatch)");
    }
  }

  // Selection.
  for (std::uint32_t r : options.regions) {
    if (r >= c.regions.size()) {
      return make_error(ErrorCode::kInvalidArgument, "region " + std::to_string(r) + " does not exist (the file has " +
                                                         std::to_string(c.regions.size()) + ")");
    }
  }
  auto selected = [&](const ContainerRegion& r) { return region_selected(r, options); };

  // Every region: commitment, then tag. Plaintexts of unselected regions are wiped at once.
  std::array<std::uint8_t, kFileHeaderBytes + kRegionHeaderBytes> ad{};
  std::memcpy(ad.data(), bytes.data(), kFileHeaderBytes);
  std::vector<std::pair<std::size_t, crypto::SecretBytes>> opened;
  const std::size_t body_start = manifest_len + kManifestTagBytes;  // bodies, as validated by the parser
  std::size_t off = 0;
  for (std::size_t i = 0; i < c.regions.size(); ++i) {
    const ContainerRegion& reg = c.regions[i];
    SHROUD_ASSIGN_OR_RETURN(RegionKeys rk, region_keys(file_key, h.frame, reg.index));
    if (!crypto::equal_ct(rk.commit.view(), reg.commitment)) {
      return auth_error("region " + std::to_string(i) + ": key commitment mismatch (wrong key or altered container)");
    }
    std::memcpy(ad.data() + kFileHeaderBytes, bytes.data() + kFileHeaderBytes + h.wrapped_key.size() + i * kRegionHeaderBytes,
                kRegionHeaderBytes);
    crypto::SecretBytes plain(reg.ciphertext_size - kTag);
    const auto body = bytes.subspan(body_start + off, reg.ciphertext_size);
    off += reg.ciphertext_size;
    Status s = crypto::xchacha_decrypt(rk.enc.view(), reg.nonce, ad, body, plain.span());
    if (!s.ok()) return auth_error("region " + std::to_string(i) + ": authentication failed (altered data or wrong key)");
    if (h.version == kContainerVersionCompressed) {
      // Every region is decoded (selected or not), as every region is authenticated: a
      // malformed body is refused whatever the selection.
      crypto::SecretBytes pixels(static_cast<std::size_t>(region_plaintext_bytes(h, reg)));
      Status d = codec::decompress_region(plain.view(), static_cast<int>(reg.width), static_cast<int>(reg.height),
                                          codec::Geometry{h.channels, h.depth_bits / 8}, pixels.data());
      if (!d.ok()) return make_error(ErrorCode::kCorrupt, "region " + std::to_string(i) + ": " + d.error().message);
      canonical_to_native(pixels.data(), pixels.size(), h.depth_bits);  // native -> canonical (a swap both ways)
      plain = std::move(pixels);
    }
    if (selected(reg)) opened.emplace_back(i, std::move(plain));
  }
  if (opened.empty()) return make_error(ErrorCode::kNotFound, "no region matches the selection");
  OpenedContainer oc{std::move(c), std::move(opened)};
  return oc;
}

}  // namespace

Result<RecoveredImage> recover_regions(const cv::Mat& carrier, std::span<const std::uint8_t> bytes,
                                       const Keyset& keyset, const RecoverOptions& options) {
  SHROUD_ASSIGN_OR_RETURN(OpenedContainer oc, open_container(carrier, bytes, PayloadScheme::kSeal, keyset, options));
  const Container& c = oc.c;
  const ContainerHeader& h = c.header;
  auto& opened = oc.opened;
  RecoveredImage out;
  out.image = carrier.clone();
  out.region_count = static_cast<std::uint32_t>(c.regions.size());
  out.binding = h.binding;
  out.key_id = h.key_id;
  auto rect_of = [](const ContainerRegion& reg) {
    return cv::Rect(static_cast<int>(reg.x), static_cast<int>(reg.y), static_cast<int>(reg.width), static_cast<int>(reg.height));
  };
  // A pixel is restored only when every region covering it is selected. Region i was captured
  // after placeholders 0..i-1 were drawn, so restoring in reverse order writes each pixel last
  // from the lowest-index region covering it: its original value. An earlier region's plaintext
  // also holds the original pixels where a later region overlaps it; where that later region is
  // not selected, those pixels stay as in the carrier (its placeholder).
  cv::Mat hidden = cv::Mat::zeros(out.image.size(), CV_8U);
  bool any_hidden = false;
  for (const ContainerRegion& reg : c.regions) {
    if (region_selected(reg, options)) continue;
    hidden(rect_of(reg)).setTo(255);
    any_hidden = true;
  }
  for (auto it = opened.rbegin(); it != opened.rend(); ++it) {
    const cv::Rect r = rect_of(c.regions[it->first]);
    if (!any_hidden) {
      detail::unpack_region(it->second.data(), out.image, r);
      continue;
    }
    crypto::SecretBytes scratch(it->second.size());
    cv::Mat region(r.height, r.width, out.image.type(), scratch.data());
    detail::unpack_region(it->second.data(), region, cv::Rect(0, 0, r.width, r.height));
    cv::Mat visible;
    cv::bitwise_not(hidden(r), visible);
    region.copyTo(out.image(r), visible);
  }
  for (const auto& o : opened) out.restored.push_back(static_cast<std::uint32_t>(o.first));
  return out;
}

Result<PendingSeal> begin_payload_seal(cv::Size size, int type, std::vector<SealPayload> payloads, PayloadScheme scheme,
                                       const SealOptions& options) {
  SHROUD_RETURN_IF_ERROR(crypto::init());
  if (payloads.empty()) return make_error(ErrorCode::kInvalidArgument, "seal: no regions to seal");
  if (options.orientation < 1 || options.orientation > 8) {
    return make_error(ErrorCode::kInvalidArgument, "seal: orientation must be 1..8");
  }
  ContainerLimits limits;
  if (payloads.size() > limits.max_regions) {
    return make_error(ErrorCode::kResourceLimit, "seal: more than " + std::to_string(limits.max_regions) + " regions");
  }
  auto impl = std::make_unique<PendingSeal::Impl>();
  impl->rows = size.height;
  impl->cols = size.width;
  impl->type = type;
  impl->scheme = scheme;
  impl->options = options;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    SealPayload& p = payloads[i];
    const cv::Rect& r = p.rect;
    if (r.width <= 0 || r.height <= 0 || r.x < 0 || r.y < 0 || std::int64_t{r.x} + r.width > size.width ||
        std::int64_t{r.y} + r.height > size.height || p.bytes.empty()) {
      return make_error(ErrorCode::kInvalidArgument, "seal: region " + std::to_string(i) + " is empty or outside the image");
    }
    if (scheme == PayloadScheme::kJpegCoefficients &&
        p.bytes.size() > jpeg_payload_limit(static_cast<std::uint32_t>(r.width), static_cast<std::uint32_t>(r.height),
                                            static_cast<std::uint32_t>(CV_MAT_CN(type)))) {
      return make_error(ErrorCode::kResourceLimit, "seal: region " + std::to_string(i) + " payload is over the container limit");
    }
    total += p.bytes.size() + kTag;
    PendingSeal::Impl::Item item;
    item.index = static_cast<std::uint32_t>(i);
    item.kind = p.kind;
    item.rect = r;
    item.plain = crypto::SecretBytes(p.bytes.size());
    std::memcpy(item.plain.data(), p.bytes.data(), p.bytes.size());
    crypto::memzero(p.bytes.data(), p.bytes.size());
    impl->items.push_back(std::move(item));
  }
  if (total > limits.max_bytes) return make_error(ErrorCode::kResourceLimit, "seal: sealed data would exceed the container limit");
  return PendingSeal(std::move(impl));
}

Result<OpenedPayloads> open_payload_seal(const cv::Mat& carrier, std::span<const std::uint8_t> container,
                                         PayloadScheme scheme, const Keyset& keyset, const RecoverOptions& options) {
  SHROUD_ASSIGN_OR_RETURN(OpenedContainer oc, open_container(carrier, container, scheme, keyset, options));
  OpenedPayloads out;
  out.region_count = static_cast<std::uint32_t>(oc.c.regions.size());
  out.binding = oc.c.header.binding;
  out.key_id = oc.c.header.key_id;
  for (auto& [i, plain] : oc.opened) {
    const ContainerRegion& reg = oc.c.regions[i];
    OpenedPayload p;
    p.index = reg.index;
    p.kind = reg.kind;
    p.rect = cv::Rect(static_cast<int>(reg.x), static_cast<int>(reg.y), static_cast<int>(reg.width), static_cast<int>(reg.height));
    p.bytes.assign(plain.data(), plain.data() + plain.size());
    out.selected.push_back(std::move(p));
  }
  return out;
}

Result<PayloadScheme> container_scheme(std::span<const std::uint8_t> container) {
  SHROUD_ASSIGN_OR_RETURN(Container c, parse_container(container));
  return c.header.scheme;
}

Result<SealedFile> seal_image_file(cv::Mat& image, const std::vector<Action>& actions, const SealFileOptions& options,
                                   const KeySource& keys) {
  if (!options.sidecar && options.format != "png" && options.format != "jpeg") {
    return make_error(ErrorCode::kUnsupported, "only PNG and JPEG outputs can carry the container; use --sidecar for " +
                                                   options.format);
  }
  SHROUD_RETURN_IF_ERROR(crypto::init());
  SHROUD_RETURN_IF_ERROR(detail::check_seal_key(keys));
  SHROUD_ASSIGN_OR_RETURN(PendingSeal pending, begin_seal(image, actions, options.seal));
  SHROUD_ASSIGN_OR_RETURN(std::vector<std::uint8_t> encoded, encode_image(image, options.format, options.encode));
  cv::Mat carrier = image;
  if (options.format == "jpeg" && options.seal.binding == CarrierBinding::kPixels) {
    // Bind to the pixels a reader will decode from this JPEG, not to the pre-compression image.
    SHROUD_ASSIGN_OR_RETURN(LoadedImage decoded, decode_image(encoded));
    carrier = decoded.pixels;
  }
  SHROUD_ASSIGN_OR_RETURN(SealedImage sealed, finish_seal(std::move(pending), carrier, keys));
  SealedFile out;
  out.regions = sealed.regions;
  if (options.sidecar) {
    out.image = std::move(encoded);
    out.sidecar = std::move(sealed.container);
  } else {
    SHROUD_ASSIGN_OR_RETURN(out.image, embed_container(encoded, sealed.container));
  }
  return out;
}

Result<RecoveredImage> recover_image_file(std::span<const std::uint8_t> file,
                                          const std::optional<std::vector<std::uint8_t>>& sidecar,
                                          const Keyset& keyset, const RecoverOptions& options) {
  SHROUD_ASSIGN_OR_RETURN(const std::vector<std::uint8_t> payload, container_of(file, sidecar));
  // A signed payload is a provenance record followed by the container (provenance.h); the
  // record is checked by the caller that holds the trusted signers (Engine).
  SHROUD_ASSIGN_OR_RETURN(SignedPayload split, split_signed_payload(payload));
  std::vector<std::uint8_t> copy(file.begin(), file.end());
  SHROUD_ASSIGN_OR_RETURN(LoadedImage decoded, decode_image(copy));
  return recover_regions(decoded.pixels, split.container, keyset, options);
}

}  // namespace shroud
