// The list of protection methods. Add a method here and it appears in `shroud list`.
#include "shroud/protector.h"
#include "shroud/registry.h"

namespace shroud {

std::unique_ptr<Protector> make_blur_protector();
std::unique_ptr<Protector> make_pixelate_protector();
std::unique_ptr<Protector> make_fill_protector();
std::unique_ptr<Protector> make_dp_pixelate_protector();
std::unique_ptr<Protector> make_dp_plate_protector();
std::unique_ptr<Protector> make_generate_protector();
std::unique_ptr<Protector> make_ksame_protector();

const char* security_level_name(SecurityLevel level) {
  switch (level) {
    case SecurityLevel::kIrreversible: return "irreversible";
    case SecurityLevel::kAuthenticated: return "authenticated encryption";
    case SecurityLevel::kObfuscation: return "obfuscation (broken, see docs/security.md)";
    case SecurityLevel::kDifferentialPrivacy: return "differential privacy";
  }
  return "unknown";
}

const std::vector<ProtectorInfo>& protector_registry() {
  static const std::vector<ProtectorInfo> kProtectors = {
      {"blur", "Gaussian blur scaled to the region (sigma = strength x shorter side / 2)",
       SecurityLevel::kIrreversible, false},
      {"pixelate", "mosaic of cell means (--cells across the longer side)",
       SecurityLevel::kIrreversible, false},
      {"fill", "solid colour (--color B,G,R)", SecurityLevel::kIrreversible, false},
      {"dp-pixelate", "DP-Pix: cell means plus Laplace noise, epsilon-DP for m-pixel neighbours (--epsilon, --dp-cell, --dp-m)",
       SecurityLevel::kDifferentialPrivacy, false},
      {"dp-plate", "synthetic licence plate, text drawn with DP from the real one (--epsilon, --mechanism rr|paper)",
       SecurityLevel::kDifferentialPrivacy, false},
      {"generate", "GAN+DP hook: encoder -> L1-clipped latent + Laplace noise -> generator (ONNX; --encoder, --generator)",
       SecurityLevel::kDifferentialPrivacy, false},
      {"ksame", "k-Same-Pixel: face aligned by its landmarks, replaced by the mean of a k-Same cluster of >= k gallery faces (--gallery DIR, --k)",
       SecurityLevel::kIrreversible, false},
      {"seal", "XChaCha20-Poly1305 per region under a keyset or recipient key; placeholder shown "
               "(--key/--recipient, --placeholder); `shroud recover` restores bit-exactly",
       SecurityLevel::kAuthenticated, true},
      // The papers' schemes (docs/schemes.md). Reversible with a scheme key file
      // (`shroud keygen --scheme NAME`); all but sisa are obfuscation: known attacks recover the content.
      {"sisa", "SISA levels on the seal: priority (kind, then centre) picks 30%..100% of the image (--level); "
               "every pick sealed, blurred placeholder below --encrypt-from (--key KEYSET)",
       SecurityLevel::kAuthenticated, true},
      {"msai-l", "MSAI lossless: regions multiplied by a masking membrane mod 2^61-1, frame block-scrambled; "
                 "bit-exact recovery, wrong key detected (--key SCHEMEKEY)",
       SecurityLevel::kObfuscation, true},
      {"msai-paper", "MSAI as printed: real-valued membrane, float32 values, recovery mod 251 (lossy for values >= 251)",
       SecurityLevel::kObfuscation, true},
      {"block-scramble", "keyed permutation of 8x8 blocks of the regions or --whole-frame; lossless",
       SecurityLevel::kObfuscation, true},
      {"pbe", "pixel-based perceptual encryption (negative-positive XOR + channel shuffle); regions or --whole-frame",
       SecurityLevel::kObfuscation, true},
      {"perceptual", "Ahmad-Shin perceptual encryption (logistic-map XOR + channel shuffle); regions or --whole-frame",
       SecurityLevel::kObfuscation, true},
      {"sisa-paper", "SISA as published: AES-256-CFB, unauthenticated coordinates, malleable; for comparison only (--level)",
       SecurityLevel::kObfuscation, true},
  };
  return kProtectors;
}

Result<std::unique_ptr<Protector>> create_protector(const std::string& name) {
  if (name == "blur") return make_blur_protector();
  if (name == "pixelate") return make_pixelate_protector();
  if (name == "fill") return make_fill_protector();
  if (name == "dp-pixelate") return make_dp_pixelate_protector();
  if (name == "dp-plate") return make_dp_plate_protector();
  if (name == "generate") return make_generate_protector();
  if (name == "ksame") return make_ksame_protector();
  if (name == "seal") {
    return make_error(ErrorCode::kInvalidArgument,
                      "'seal' is reversible and needs a key: use seal_regions() (CLI: --key or --recipient)");
  }
  for (const char* scheme : {"sisa", "msai-l", "msai-paper", "block-scramble", "pbe", "perceptual", "sisa-paper"}) {
    if (name == scheme) {
      return make_error(ErrorCode::kInvalidArgument,
                        "'" + name + "' is a paper scheme applied to the whole image with a key: use `shroud protect --method " +
                            name + " --scheme-key KEYFILE` (docs/schemes.md); it cannot be mixed with other methods in a policy");
    }
  }
  return make_error(ErrorCode::kInvalidArgument,
                    "unknown protection method '" + name + "' (see `shroud list`)");
}

}  // namespace shroud
