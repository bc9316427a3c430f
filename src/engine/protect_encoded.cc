// Engine::protect_encoded: an encoded image in memory to an encoded protected image (and its
// sidecar container), the core of protect_file() too.
#include "engine/engine_impl.h"
#include "shroud/pipeline.h"
#include "shroud/regions_json.h"

namespace shroud {

Result<EncodedOutput> Engine::Impl::protect_loaded(const LoadedImage& img, const std::string& format,
                                                   const std::string& name, Detector& detector,
                                                   bool sidecar) const {
  EncodedOutput out;
  FrameReport& rep = out.report;
  const std::string shown = name.empty() ? std::string("<memory>") : name;
  if (scheme && !scheme->choice.sisa_seal()) {
    // A paper scheme: the record embedded in the PNG, or beside the image.
    std::vector<Region> found;
    SHROUD_ASSIGN_OR_RETURN(auto so, scheme_regions(img.pixels, name, detector, &found));
    auto prot = schemes::scheme_protect(img.pixels, *scheme->key, so);
    if (!prot.ok()) return make_error(prot.error().code, "'" + shown + "': " + prot.error().message);
    rep.actions = scheme_actions(*prot, so);
    rep.regions = std::move(found);
    SHROUD_ASSIGN_OR_RETURN(auto bytes, encode_image(prot->image, format));
    if (sidecar) {
      out.image = std::move(bytes);
      out.sidecar = prot->record;
    } else {
      SHROUD_ASSIGN_OR_RETURN(out.image, embed_container(bytes, prot->record));
    }
    rep.container = std::move(prot->record);
    rep.record = nlohmann::json{{"image", name}, {"width", img.pixels.cols}, {"height", img.pixels.rows}};
    rep.record["whole_frame"] = options.whole_frame;
    add_actions_json(rep.record, rep.actions);
    return out;
  }
  cv::Mat image = img.pixels;
  SHROUD_ASSIGN_OR_RETURN(auto plan, this->plan(image, name, detector));
  const EncodeOptions enc = encode_options(img);
  if (seal) {
    // Irreversible actions first, then the sealed ones; container embedded or in the sidecar.
    std::vector<Action> plain, sealed;
    for (const auto& a : plan.actions) (a.method == "seal" ? sealed : plain).push_back(a);
    const std::string input_digest = signer ? pixels_blake2b_hex(img.pixels) : std::string();
    SHROUD_RETURN_IF_ERROR(apply_actions(image, plain));
    rep.record = regions_to_json(name, image.size(), plan.regions);
    add_actions_json(rep.record, plan.actions);
    if (sealed.empty()) {
      SHROUD_ASSIGN_OR_RETURN(out.image, encode_image(image, format, enc));
    } else {
      SealFileOptions so;
      so.seal.placeholder = plan.placeholder;
      so.seal.binding = options.detached ? CarrierBinding::kDetached : CarrierBinding::kPixels;
      so.seal.orientation = img.orientation;
      so.format = format;
      so.encode = enc;
      so.sidecar = sidecar || signer;   // signing: the container is taken apart, then embedded with its record
      auto file = seal_image_file(image, sealed, so, seal->source());
      if (!file.ok()) return make_error(file.error().code, "'" + shown + "': " + file.error().message);
      rep.container_index = engine::container_indices(plan.actions, file->regions);
      if (signer) {
        // record || container, in the carrier or the sidecar (docs/provenance.md).
        nlohmann::json input = {{"name", name}, {"pixels_blake2b", input_digest}};
        auto payload = sign_image_payload(file->sidecar, file->image, std::move(input), rep.record, format);
        if (!payload.ok()) return make_error(payload.error().code, "'" + shown + "': " + payload.error().message);
        if (sidecar) {
          out.image = std::move(file->image);
          out.sidecar = std::move(*payload);
        } else {
          SHROUD_ASSIGN_OR_RETURN(out.image, embed_container(file->image, *payload));
        }
        rep.container = sidecar ? out.sidecar : *payload;
      } else {
        out.image = std::move(file->image);
        out.sidecar = std::move(file->sidecar);
        SHROUD_ASSIGN_OR_RETURN(auto embedded, extract_container(out.image));
        rep.container = sidecar ? out.sidecar : embedded.value_or(std::vector<std::uint8_t>{});
      }
    }
  } else {
    Status applied = apply_actions(image, plan.actions);
    if (!applied.ok()) return make_error(applied.error().code, "'" + shown + "': " + applied.error().message);
    auto bytes = encode_image(image, format, enc);
    if (!bytes.ok()) return make_error(bytes.error().code, "'" + shown + "': " + bytes.error().message);
    out.image = std::move(*bytes);
    rep.record = regions_to_json(name, image.size(), plan.regions);
    add_actions_json(rep.record, plan.actions);
    for (std::size_t i = 0; i < plan.actions.size(); ++i) {
      if (auto eps = engine::epsilon_json(plan.actions[i])) rep.record["protected"][i]["epsilon"] = *eps;
    }
  }
  rep.regions = std::move(plan.regions);
  rep.actions = std::move(plan.actions);
  return out;
}

ImageLimits Engine::Impl::limits() const {
  ImageLimits l;
  if (options.max_pixels > 0) l.max_pixels = options.max_pixels;
  return l;
}

Result<EncodedOutput> Engine::protect_encoded(std::span<const std::uint8_t> bytes, const std::string& format,
                                              const std::string& name, std::optional<bool> sidecar) const {
  const bool to_sidecar = sidecar.value_or(impl_->options.sidecar);
  SHROUD_ASSIGN_OR_RETURN(LoadedImage img,
                          decode_image(std::vector<std::uint8_t>(bytes.begin(), bytes.end()), impl_->limits()));
  if (scheme()) SHROUD_RETURN_IF_ERROR(engine::check_scheme_output(impl_->scheme->choice, format, to_sidecar));
  SHROUD_ASSIGN_OR_RETURN(auto det, impl_->borrow());
  return impl_->protect_loaded(img, format, name, *det, to_sidecar);
}

}  // namespace shroud
