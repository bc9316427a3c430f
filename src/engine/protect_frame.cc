// Engine::protect_frame: one frame in memory, protected in place.
#include "engine/engine_impl.h"
#include "shroud/frame.h"
#include "shroud/pipeline.h"
#include "shroud/regions_json.h"

namespace shroud {

Result<Engine::Impl::Plan> Engine::Impl::plan(const cv::Mat& image, const std::string& name, Detector& detector) const {
  Plan p;
  Frame frame{image, 0, 0.0, name};   // the name lets a manual:FILE detector pick the image's entry
  const std::string shown = name.empty() ? std::string("<memory>") : name;
  auto regions = detector.detect(frame);
  if (!regions.ok()) return make_error(regions.error().code, "'" + shown + "': " + regions.error().message);
  p.regions = std::move(*regions);
  if (seal) p.placeholder = seal->placeholder;
  if (scheme && scheme->choice.sisa_seal()) {
    // SISA on the seal: priority + level select the rectangles; every one is sealed, shown
    // blurred below the encrypt level and with the placeholder from it.
    auto planned = engine::sisa_seal_actions(p.regions, image.size(), policy, scheme->sisa, seal->placeholder, &p.placeholder);
    if (!planned.ok()) return make_error(planned.error().code, "'" + shown + "': " + planned.error().message);
    p.actions = std::move(*planned);
  } else {
    p.actions = plan_actions(p.regions, image.size(), policy);
  }
  return p;
}

Result<schemes::SchemeProtectOptions> Engine::Impl::scheme_regions(const cv::Mat& image, const std::string& name,
                                                                   Detector& detector,
                                                                   std::vector<Region>* found) const {
  schemes::SchemeProtectOptions so;
  so.whole_frame = options.whole_frame;
  so.sisa = scheme->sisa;
  found->clear();
  if (!options.whole_frame) {
    Frame frame{image, 0, 0.0, name};
    SHROUD_ASSIGN_OR_RETURN(auto regions, detector.detect(frame));
    *found = regions;
    // The policy filters kinds and scales boxes; sisa-paper then selects among these by priority.
    for (const auto& a : plan_actions(regions, image.size(), policy)) {
      Region r = a.region;
      r.box = a.rect;
      so.regions.push_back(r);
    }
  }
  return so;
}

std::vector<Action> Engine::Impl::scheme_actions(const schemes::SchemeProtected& prot,
                                                 const schemes::SchemeProtectOptions& so) const {
  std::vector<Action> actions;
  for (const auto& r : prot.rects) {
    Action a;
    a.rect = r;
    a.region.box = r;
    a.region.kind = Kind::kCustom;
    for (const auto& src : so.regions) {
      if (src.box == r) a.region = src;
    }
    a.method = schemes::scheme_method_name(scheme->key->method);
    actions.push_back(std::move(a));
  }
  return actions;
}

Result<FrameReport> Engine::protect_frame(cv::Mat& image, bool with_record) const {
  const Impl& im = *impl_;
  SHROUD_ASSIGN_OR_RETURN(auto det, im.borrow());
  FrameReport report;
  if (scheme()) {
    std::vector<Region> found;
    SHROUD_ASSIGN_OR_RETURN(auto so, im.scheme_regions(image, "", *det, &found));
    SHROUD_ASSIGN_OR_RETURN(auto prot, schemes::scheme_protect(image, *im.scheme->key, so));
    report.actions = im.scheme_actions(prot, so);
    report.regions = std::move(found);
    report.container = std::move(prot.record);
    image = prot.image;
    if (with_record) {
      report.record = nlohmann::json{{"width", image.cols}, {"height", image.rows}, {"whole_frame", im.options.whole_frame}};
      add_actions_json(report.record, report.actions);
    }
    return report;
  }
  SHROUD_ASSIGN_OR_RETURN(auto plan, im.plan(image, "", *det));
  std::vector<Action> plain, sealed;   // seal: irreversible actions first, then the sealed ones
  if (im.seal) {
    for (auto& a : plan.actions) (a.method == "seal" ? sealed : plain).push_back(a);
  }
  const std::string input_digest = im.signer && !sealed.empty() ? pixels_blake2b_hex(image) : std::string();
  // Blur, pixelate and fill cannot fail on planned rectangles (only by running out of memory).
  // When another method may fail half way (seal, DP, generate), the rectangles about to change
  // are saved first (never the whole frame), so a failure leaves the caller's buffer as it was.
  bool may_fail = false;
  for (const auto& a : plan.actions) {
    may_fail = may_fail || !(a.method == "blur" || a.method == "pixelate" || a.method == "fill");
  }
  std::vector<cv::Mat> saved;
  if (may_fail) {
    saved.reserve(plan.actions.size());
    for (const auto& a : plan.actions) saved.push_back(image(a.rect).clone());
  }
  auto restore = [&] {
    for (std::size_t i = saved.size(); i-- > 0;) saved[i].copyTo(image(plan.actions[i].rect));
  };
  if (Status s = apply_actions(image, im.seal ? plain : plan.actions); !s.ok()) {
    restore();
    return s.error();
  }
  report.container_index.assign(plan.actions.size(), -1);
  if (!sealed.empty()) {
    SealOptions so;
    so.placeholder = plan.placeholder;
    so.binding = im.options.detached ? CarrierBinding::kDetached : CarrierBinding::kPixels;
    auto s = seal_regions(image, sealed, so, im.seal->source());
    if (!s.ok()) {
      restore();
      return s.error();
    }
    report.container = std::move(s->container);
    report.container_index = engine::container_indices(plan.actions, s->regions);
    if (im.signer) {
      // Signed provenance: record || container, bound to the frame's pixels as left here.
      nlohmann::json redaction = regions_to_json("", image.size(), plan.regions);
      add_actions_json(redaction, plan.actions);
      auto signed_payload = im.sign_image_payload(report.container, image, {{"pixels_blake2b", input_digest}}, redaction, "frame");
      if (!signed_payload.ok()) {
        restore();
        return signed_payload.error();
      }
      report.container = std::move(*signed_payload);
    }
  }
  if (with_record) {
    report.record = regions_to_json("", image.size(), plan.regions);
    add_actions_json(report.record, plan.actions);
    for (std::size_t i = 0; i < plan.actions.size(); ++i) {
      if (auto eps = engine::epsilon_json(plan.actions[i])) report.record["protected"][i]["epsilon"] = *eps;
    }
  }
  report.regions = std::move(plan.regions);
  report.actions = std::move(plan.actions);
  return report;
}

namespace engine {

std::vector<std::int32_t> container_indices(const std::vector<Action>& actions, const std::vector<SealedRegion>& sealed) {
  std::vector<std::int32_t> out(actions.size(), -1);
  std::size_t next = 0;
  for (std::size_t i = 0; i < actions.size(); ++i) {
    if (actions[i].method != "seal") continue;
    out[i] = next < sealed.size() ? static_cast<std::int32_t>(sealed[next].index) : static_cast<std::int32_t>(next);
    ++next;
  }
  return out;
}

}  // namespace engine
}  // namespace shroud
