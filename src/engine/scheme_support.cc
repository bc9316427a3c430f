// Paper-scheme support for the engine: method choice, output checks, key loading hints, SISA on
// the seal (docs/schemes.md). Moved from the CLI's scheme_cli.cc.
#include <filesystem>

#include "engine/engine_impl.h"
#include "shroud/frame.h"

namespace shroud::engine {
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

std::string scheme_warning(const SchemeChoice& choice) {
  if (choice.sisa_seal()) {
    return "sisa: only the level's share of the image is altered and low levels show a blur placeholder "
           "(originals sealed); see docs/schemes.md";
  }
  return choice.name +
         " is a paper scheme with obfuscation-level security (known attacks recover the content); "
         "use --method seal to protect; see docs/security.md and docs/schemes.md";
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

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  namespace fs = std::filesystem;
  return fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec);
}

}  // namespace shroud::engine
