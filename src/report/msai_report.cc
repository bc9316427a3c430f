// MSAI Table 3 / Fig. 4 / Fig. 5 measurements (paper_report.h).
#include <sodium.h>

#include <cmath>
#include <cstring>

#include "report/timing.h"
#include "shroud/metrics.h"
#include "shroud/paper_report.h"
#include "shroud/schemes/block_scramble.h"
#include "shroud/schemes/msai.h"
#include "shroud/schemes/msai_l.h"
#include "shroud/schemes/msai_paper.h"
#include "shroud/schemes/sisa_paper.h"

namespace shroud {
namespace {

using schemes::MsaiScheme;

// The masked area as the visible image shows it (the placeholder derived from the masked values).
cv::Mat shown_area(const schemes::MsaiPayload& payload, const cv::Mat& area) {
  if (payload.scheme == MsaiScheme::kLossless) {
    return schemes::msai_l_placeholder(payload.masked, area.size(), area.type());
  }
  return schemes::msai_paper_placeholder(payload.paper_masked(), area.size(), area.type());
}

Result<MsaiSchemeFigures> measure_scheme(const MsaiCase& c, MsaiScheme scheme, int repeats, cv::Mat* masked_out,
                                         cv::Mat* recovered_out) {
  MsaiSchemeFigures f;
  f.scheme = schemes::msai_scheme_name(scheme);
  const cv::Mat area = c.image(c.area);
  // The three roles, as `shroud msai` runs them: cloud key + membrane, data-centre tau, camera.
  SHROUD_ASSIGN_OR_RETURN(auto key, schemes::msai_generate_key(scheme));
  SHROUD_ASSIGN_OR_RETURN(auto membrane,
                          schemes::msai_cloud_membrane(key, c.area.height, c.area.width, c.image.channels()));
  SHROUD_ASSIGN_OR_RETURN(auto tau, schemes::msai_generate_tau());
  SHROUD_ASSIGN_OR_RETURN(auto camera, schemes::msai_camera_protect(c.image, c.area, membrane, tau, 0));
  SHROUD_ASSIGN_OR_RETURN(auto recovered, schemes::msai_datacenter_recover(camera.visible, camera.payload, key, tau));

  const cv::Mat shown = shown_area(camera.payload, area);
  SHROUD_ASSIGN_OR_RETURN(f.npcr, npcr(area, shown));
  SHROUD_ASSIGN_OR_RETURN(f.uaci, uaci(area, shown));
  SHROUD_ASSIGN_OR_RETURN(f.entropy_original, entropy(area));
  SHROUD_ASSIGN_OR_RETURN(f.entropy_masked, entropy(shown));
  SHROUD_ASSIGN_OR_RETURN(f.psnr, psnr(c.image, recovered));
  f.exact = std::isinf(f.psnr);

  // Fig. 5: the camera's masking operation alone (the membrane is the cloud's precomputed work).
  Status failed = ok_status();
  std::vector<double> ms;
  if (scheme == MsaiScheme::kLossless) {
    ms = report::time_ms(repeats, [] {}, [&] {
      auto r = schemes::msai_l_mask(area, membrane.values, membrane.rows, membrane.cols);
      if (!r.ok()) failed = r.error();
    });
  } else {
    const std::vector<double> lambda = membrane.paper_lambda();
    ms = report::time_ms(repeats, [] {}, [&] {
      auto r = schemes::msai_paper_mask(area, lambda, membrane.rows, membrane.cols);
      if (!r.ok()) failed = r.error();
    });
  }
  SHROUD_RETURN_IF_ERROR(failed);
  f.mask_ms = report::median(ms);
  if (masked_out) *masked_out = shown;
  if (recovered_out) *recovered_out = recovered(c.area).clone();
  return f;
}

Status check_case(const MsaiCase& c) {
  if (c.image.empty() || c.image.depth() != CV_8U || (c.image.channels() != 1 && c.image.channels() != 3)) {
    return make_error(ErrorCode::kInvalidArgument, "report case '" + c.name + "': needs an 8-bit 1- or 3-channel image");
  }
  if (c.area.empty() || (c.area & cv::Rect(0, 0, c.image.cols, c.image.rows)) != c.area) {
    return make_error(ErrorCode::kInvalidArgument, "report case '" + c.name + "': the area must lie inside the image");
  }
  return ok_status();
}

}  // namespace

Result<std::vector<MsaiCaseResult>> run_msai_report(const std::vector<MsaiCase>& cases,
                                                    const PaperReportOptions& options) {
  if (options.repeats < 1 || options.repeats > 100000) {
    return make_error(ErrorCode::kInvalidArgument, "report: repeats must be 1 to 100000");
  }
  if (sodium_init() < 0) return make_error(ErrorCode::kInternal, "libsodium failed to initialise");
  std::vector<MsaiCaseResult> out;
  for (const auto& c : cases) {
    SHROUD_RETURN_IF_ERROR(check_case(c));
    MsaiCaseResult r;
    r.input = c;
    r.original_area = c.image(c.area).clone();
    SHROUD_ASSIGN_OR_RETURN(auto lossless,
                            measure_scheme(c, MsaiScheme::kLossless, options.repeats, &r.masked_area, &r.recovered_area));
    SHROUD_ASSIGN_OR_RETURN(auto paper, measure_scheme(c, MsaiScheme::kPaper, options.repeats, nullptr, nullptr));
    r.schemes = {lossless, paper};

    Status failed = ok_status();
    // Block scrambling of the whole frame (the camera's second step).
    SHROUD_ASSIGN_OR_RETURN(auto skey, schemes::generate_scramble_key());
    r.scramble_ms = report::median(report::time_ms(options.repeats, [] {}, [&] {
      auto s = schemes::block_scramble(c.image, skey, {});
      if (!s.ok()) failed = s.error();
    }));
    // AES-256-CFB on the same area (in place on a copy; re-encrypting costs the same).
    SHROUD_ASSIGN_OR_RETURN(auto akey, schemes::generate_sisa_paper_key());
    cv::Mat work = r.original_area.clone();
    const cv::Rect whole(0, 0, work.cols, work.rows);
    r.aes_cfb_ms = report::median(report::time_ms(options.repeats, [] {}, [&] {
      auto s = schemes::sisa_paper_encrypt(work, whole, akey);
      if (!s.ok()) failed = s.error();
    }));
    // XChaCha20-Poly1305 (the seal's AEAD) on the same bytes.
    const std::size_t n = r.original_area.total() * r.original_area.elemSize();
    std::vector<unsigned char> plain(r.original_area.data, r.original_area.data + n);
    std::vector<unsigned char> sealed(n + crypto_aead_xchacha20poly1305_ietf_ABYTES);
    unsigned char k[crypto_aead_xchacha20poly1305_ietf_KEYBYTES], nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
    crypto_aead_xchacha20poly1305_ietf_keygen(k);
    r.aead_ms = report::median(report::time_ms(options.repeats, [&] { randombytes_buf(nonce, sizeof nonce); }, [&] {
      unsigned long long len = 0;
      crypto_aead_xchacha20poly1305_ietf_encrypt(sealed.data(), &len, plain.data(), plain.size(), nullptr, 0, nullptr,
                                                 nonce, k);
    }));
    sodium_memzero(k, sizeof k);
    SHROUD_RETURN_IF_ERROR(failed);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace shroud
