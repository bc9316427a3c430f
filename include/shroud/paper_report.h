// Paper reproduction report: the MSAI paper's Table 3, Fig. 4 and Fig. 5 and the SISA paper's
// Fig. 6 and Fig. 7, measured on this machine with Shroud's implementations, written as Markdown
// (our figures beside the papers') plus PNG plots. `shroud report` is the command.
//
// MSAI (per case: an image and its sensitive area)
//   - Table 3: NPCR and UACI between the original area and the masked area as the visible image
//     shows it (the paper's caption says "masking recovery image", which would give 0; its numbers
//     are those of the masked area). Also Shannon entropy before/after masking.
//   - PSNR of the full protocol (mask, scramble the frame with tau, unscramble, unmask) against
//     the original frame: +inf for msai-l; finite for msai-paper when the area holds values >= 251.
//   - Fig. 4: histograms of the original area, the masked area and the recovered area.
//   - Fig. 5: time of one masking operation over `repeats` runs (the paper averages 100) against
//     AES on the same area (AES-256-CFB via OpenSSL, as SISA's paper uses) and
//     XChaCha20-Poly1305 (libsodium).
// SISA (one scene, scaled to each size)
//   - Fig. 6 / 7: full-image AES-256-CFB encryption/decryption against SISA's selective
//     encryption/decryption and blur of the regions its priority and level select, plus the
//     secure default (the seal: XChaCha20-Poly1305 with authenticated geometry) full vs selective.
//   - The saving 1 - selective / full (the paper reports about 46%) at the chosen level, and at
//     every level for the middle size, since the saving follows the covered area.
// Times are medians over the repeats (robust on a shared machine) after one warm-up run, wall
// clock, one thread.
#pragma once

#include <opencv2/core.hpp>

#include <optional>
#include <string>
#include <vector>

#include "shroud/learning_report.h"
#include "shroud/region.h"
#include "shroud/result.h"

namespace shroud {

struct PaperReportOptions {
  int repeats = 100;        // MSAI Fig. 5 masking operations per case (the paper's 100)
  int sisa_repeats = 5;     // timed runs per SISA measurement (median)
  std::vector<cv::Size> sisa_sizes{{640, 480}, {1280, 720}, {1920, 1080}, {2560, 1440}, {3840, 2160}};
  int sisa_level = 3;       // level used for the Fig. 6/7 series
  int sisa_levels = 5;
};

struct MsaiCase {
  std::string name;     // e.g. "car (30x17)"
  std::string source;   // where the image came from (file name), for the report
  cv::Mat image;        // 8-bit, 1 or 3 channels
  cv::Rect area;        // inside the image, non-empty
  std::string paper;    // paper row to compare with ("car", "finger", "Lena") or empty
};

struct MsaiSchemeFigures {
  std::string scheme;                  // "msai-l", "msai-paper"
  double npcr = 0, uaci = 0;           // original area vs masked area as shown, fractions
  double entropy_original = 0, entropy_masked = 0;   // bits per sample
  double psnr = 0;                     // recovered frame vs original, +inf when exact
  bool exact = false;
  double mask_ms = 0;                  // median time of one masking operation
};

struct MsaiCaseResult {
  MsaiCase input;
  std::vector<MsaiSchemeFigures> schemes;   // msai-l, msai-paper
  double scramble_ms = 0;                   // block-scramble of the whole frame (8x8), median
  double aes_cfb_ms = 0;                    // AES-256-CFB of the area bytes, median
  double aead_ms = 0;                       // XChaCha20-Poly1305 of the area bytes, median
  cv::Mat original_area, masked_area, recovered_area;   // msai-l, for Fig. 4
};

struct SisaTiming {
  cv::Size size;
  int level = 0;
  double covered = 0;          // fraction of the image the selection alters
  double full_encrypt_ms = 0, sisa_encrypt_ms = 0, sisa_blur_ms = 0;   // AES-256-CFB (paper)
  double full_decrypt_ms = 0, sisa_decrypt_ms = 0;
  double seal_full_ms = 0, seal_sisa_ms = 0;        // secure default: seal / recover
  double open_full_ms = 0, open_sisa_ms = 0;
  double encrypt_saving() const { return full_encrypt_ms > 0 ? 1.0 - sisa_encrypt_ms / full_encrypt_ms : 0.0; }
  double decrypt_saving() const { return full_decrypt_ms > 0 ? 1.0 - sisa_decrypt_ms / full_decrypt_ms : 0.0; }
};

struct PaperReport {
  PaperReportOptions options;
  std::vector<MsaiCaseResult> msai;
  std::string sisa_scene;                // source of the SISA scene
  std::vector<SisaTiming> sisa;          // one per size at options.sisa_level
  std::vector<SisaTiming> sisa_levels;   // every level at the middle size
  std::optional<LearningResults> learning;   // perceptual-encryption Table II (learning_report.h)
};

// The MSAI measurements for each case (keys, membranes and tau fresh per case).
Result<std::vector<MsaiCaseResult>> run_msai_report(const std::vector<MsaiCase>& cases,
                                                    const PaperReportOptions& options);

// The SISA measurements: `scene` (8-bit, 1 or 3 channels) and its regions are resized to each
// size; selection by sisa_select (kind priority face > person > text, fill from the centre).
Result<std::vector<SisaTiming>> run_sisa_report(const cv::Mat& scene, const std::vector<Region>& regions,
                                                const std::vector<cv::Size>& sizes, const std::vector<int>& levels,
                                                const PaperReportOptions& options);

// Markdown with the tables (ours beside the papers') and links to the PNG figures.
std::string paper_report_markdown(const PaperReport& report);

// Writes DIR/report.md, DIR/msai_fig4_histograms.png, DIR/msai_fig5_time.png,
// DIR/sisa_fig6_encrypt.png, DIR/sisa_fig7_decrypt.png, DIR/sisa_levels.png and, with learning
// results, DIR/learning_accuracy.png (each atomically;
// DIR is created when missing). Existing report files are an error unless `overwrite`, checked
// before anything is written.
Status write_paper_report(const PaperReport& report, const std::string& dir, bool overwrite = false);

}  // namespace shroud
