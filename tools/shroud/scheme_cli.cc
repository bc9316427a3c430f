// CLI glue for the paper schemes (see scheme_cli.h).
#include "scheme_cli.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "shroud/container.h"
#include "shroud/frame.h"
#include "shroud/keys.h"

namespace shroud::cli {
namespace {

class NullDetector final : public Detector {
 public:
  std::string name() const override { return "none"; }
  Result<std::vector<Region>> detect(const Frame&) override { return std::vector<Region>{}; }
};

}  // namespace

std::optional<SchemeChoice> scheme_choice(const std::string& method) {
  if (method == "sisa") return SchemeChoice{method, std::nullopt};
  auto m = schemes::parse_scheme_method(method);
  if (!m.ok()) return std::nullopt;
  return SchemeChoice{method, *m};
}

void warn_scheme(const SchemeChoice& choice) {
  if (choice.sisa_seal()) {
    spdlog::warn("sisa: only the level's share of the image is altered and low levels show a blur placeholder "
                 "(originals sealed); see docs/schemes.md");
    return;
  }
  spdlog::warn("{} is a paper scheme with obfuscation-level security (known attacks recover the content); "
               "use --method seal to protect; see docs/security.md and docs/schemes.md",
               choice.name);
}

Status check_scheme_output(const SchemeChoice& choice, const std::string& format, bool sidecar) {
  if (choice.sisa_seal()) return ok_status();   // the seal handles JPEG carriers itself
  if (format == "png") return ok_status();
  if (format == "tiff" || format == "bmp") {
    if (sidecar) return ok_status();
    return make_error(ErrorCode::kInvalidArgument, choice.name + ": a " + format +
                                                       " output cannot hold the recovery record; add --sidecar or write .png");
  }
  return make_error(ErrorCode::kInvalidArgument,
                    choice.name + " needs lossless output (.png, or .tif/.bmp with --sidecar): " + format +
                        " would change the protected pixels and recovery would fail");
}

Result<schemes::SchemeKey> load_scheme_key_file(const std::string& path) {
  auto key = schemes::load_scheme_key(path);
  if (key.ok()) return key;
  if (key.error().code == ErrorCode::kPermission || key.error().code == ErrorCode::kCorrupt) {
    if (load_recipient_key(path).ok()) {
      return make_error(ErrorCode::kInvalidArgument, "'" + path + "' is a recipient public key, not a scheme key file "
                                                     "(make one with `shroud keygen --scheme NAME -o FILE`)");
    }
    if (key.error().code == ErrorCode::kCorrupt && load_keyset(path).ok()) {
      return make_error(ErrorCode::kInvalidArgument, "'" + path + "' is a seal keyset, not a scheme key file "
                                                     "(make one with `shroud keygen --scheme NAME -o FILE`)");
    }
  }
  return key;
}

std::unique_ptr<Detector> make_null_detector() { return std::make_unique<NullDetector>(); }

Result<std::vector<Action>> sisa_seal_actions(const std::vector<Region>& regions, cv::Size image, const Policy& policy,
                                              const schemes::SisaParams& params, Placeholder encrypt_placeholder,
                                              Placeholder* used) {
  std::vector<Region> candidates;
  for (const auto& a : plan_actions(regions, image, policy)) {
    Region r = a.region;
    r.box = a.rect;
    candidates.push_back(r);
  }
  SHROUD_ASSIGN_OR_RETURN(schemes::SisaSelection sel, schemes::sisa_select(candidates, image, params));
  *used = sel.operation == schemes::SisaOperation::kBlur ? Placeholder::kBlur : encrypt_placeholder;
  std::vector<Action> actions;
  for (std::size_t i = 0; i < sel.rects.size(); ++i) {
    Action a;
    const int src = sel.sources[i];
    if (src >= 0) {
      a.region = candidates[static_cast<std::size_t>(src)];
    } else {
      a.region.kind = Kind::kCustom;
      a.region.detector = "sisa-fill";
    }
    a.region.box = sel.rects[i];
    a.rect = sel.rects[i];
    a.method = "seal";
    actions.push_back(std::move(a));
  }
  return actions;
}

Result<SchemeJobResult> protect_with_scheme(const std::string& input, const std::string& output,
                                            const std::string& format, const LoadedImage& img, Detector& detector,
                                            const Policy& policy, const SchemeProtectArgs& args) {
  const schemes::SchemeKey& key = *args.key;
  SchemeJobResult res;
  schemes::SchemeProtectOptions so;
  so.whole_frame = args.whole_frame;
  so.sisa = args.sisa;
  if (!args.whole_frame) {
    Frame frame{img.pixels, 0, 0.0, input};
    SHROUD_ASSIGN_OR_RETURN(auto regions, detector.detect(frame));
    res.regions = regions.size();
    // The policy filters kinds and scales boxes; sisa-paper then selects among these by priority.
    for (const auto& a : plan_actions(regions, img.pixels.size(), policy)) {
      Region r = a.region;
      r.box = a.rect;
      so.regions.push_back(r);
    }
  }
  auto prot = schemes::scheme_protect(img.pixels, key, so);
  if (!prot.ok()) return make_error(prot.error().code, "'" + input + "': " + prot.error().message);
  for (const auto& r : prot->rects) {
    Action a;
    a.rect = r;
    a.region.box = r;
    a.region.kind = Kind::kCustom;
    for (const auto& src : so.regions) {
      if (src.box == r) a.region = src;
    }
    a.method = schemes::scheme_method_name(key.method);
    res.actions.push_back(std::move(a));
  }
  SHROUD_ASSIGN_OR_RETURN(auto bytes, encode_image(prot->image, format));
  WriteOptions wo;
  wo.overwrite = args.overwrite;
  if (args.sidecar) {
    const std::string side = sidecar_path(output);
    SHROUD_RETURN_IF_ERROR(write_file_atomic(side, prot->record, wo));
    Status s = write_file_atomic(output, bytes, wo);
    if (!s.ok()) {
      std::error_code ec;
      std::filesystem::remove(side, ec);
      return s.error();
    }
    return res;
  }
  SHROUD_ASSIGN_OR_RETURN(auto with_record, embed_container(bytes, prot->record));
  SHROUD_RETURN_IF_ERROR(write_file_atomic(output, with_record, wo));
  return res;
}

}  // namespace shroud::cli
