// Writes the paper report: Markdown plus the PNG figures (paper_report.h).
#include <fmt/core.h>

#include <filesystem>
#include <system_error>

#include "shroud/image_io.h"
#include "shroud/paper_report.h"
#include "shroud/plot.h"

namespace shroud {
namespace {

const char* const kReportFiles[] = {"report.md", "msai_fig4_histograms.png", "msai_fig5_time.png",
                                    "sisa_fig6_encrypt.png", "sisa_fig7_decrypt.png", "sisa_levels.png",
                                    "learning_accuracy.png"};

Status write_png(const std::string& path, const cv::Mat& image, bool overwrite) {
  SHROUD_ASSIGN_OR_RETURN(auto bytes, encode_image(image, "png"));
  return write_file_atomic(path, bytes, WriteOptions{overwrite});
}

std::string size_text(cv::Size s) { return fmt::format("{}x{}", s.width, s.height); }

Result<cv::Mat> sisa_chart(const std::vector<SisaTiming>& rows, bool encrypt, bool by_level, const std::string& title) {
  std::vector<std::string> cats;
  std::vector<BarSeries> series = encrypt ? std::vector<BarSeries>{{"full AES-CFB", {}}, {"SISA AES-CFB", {}},
                                                                    {"SISA blur", {}}, {"seal full", {}}, {"seal SISA", {}}}
                                          : std::vector<BarSeries>{{"full AES-CFB", {}}, {"SISA AES-CFB", {}},
                                                                    {"recover full", {}}, {"recover SISA", {}}};
  for (const auto& t : rows) {
    cats.push_back(by_level ? fmt::format("level {} ({:.0f}%)", t.level, 100.0 * t.covered) : size_text(t.size));
    if (encrypt) {
      for (auto [i, v] : {std::pair{0, t.full_encrypt_ms}, {1, t.sisa_encrypt_ms}, {2, t.sisa_blur_ms},
                          {3, t.seal_full_ms}, {4, t.seal_sisa_ms}}) {
        series[i].values.push_back(v);
      }
    } else {
      for (auto [i, v] : {std::pair{0, t.full_decrypt_ms}, {1, t.sisa_decrypt_ms}, {2, t.open_full_ms},
                          {3, t.open_sisa_ms}}) {
        series[i].values.push_back(v);
      }
    }
  }
  PlotOptions o;
  o.panel_width = 1100;
  o.panel_height = 520;
  return plot_grouped_bars(title, by_level ? "security level (share of the image altered)" : "image size",
                           "time (ms, median)", cats, series, "%.1f", o);
}

}  // namespace

Status write_paper_report(const PaperReport& report, const std::string& dir, bool overwrite) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    return make_error(ErrorCode::kIo, "cannot create the report folder '" + dir + "': " + ec.message());
  }
  const std::filesystem::path base(dir);
  if (!overwrite) {
    for (const char* name : kReportFiles) {
      if (std::filesystem::exists(std::filesystem::symlink_status(base / name))) {
        return make_error(ErrorCode::kInvalidArgument,
                          "'" + (base / name).string() + "' exists (pass --force to replace the report)");
      }
    }
  }
  if (!report.msai.empty()) {
    std::vector<std::pair<std::string, cv::Mat>> panels;
    for (const auto& c : report.msai) {
      panels.emplace_back(c.input.name + ": original area", c.original_area);
      panels.emplace_back(c.input.name + ": masked (msai-l)", c.masked_area);
      panels.emplace_back(c.input.name + ": recovered", c.recovered_area);
    }
    PlotOptions o;
    o.title = "MSAI Fig. 4: histograms of the sensitive area";
    o.panel_width = 460;
    o.panel_height = 320;
    SHROUD_ASSIGN_OR_RETURN(auto fig4, plot_histograms(panels, o));
    SHROUD_RETURN_IF_ERROR(write_png((base / "msai_fig4_histograms.png").string(), fig4, overwrite));

    std::vector<std::string> cats;
    std::vector<BarSeries> series{{"msai-l mask", {}}, {"msai-paper mask", {}}, {"AES-256-CFB", {}},
                                  {"XChaCha20-Poly1305", {}}};
    for (const auto& c : report.msai) {
      cats.push_back(fmt::format("{}x{}", c.input.area.width, c.input.area.height));
      series[0].values.push_back(1000.0 * c.schemes[0].mask_ms);
      series[1].values.push_back(1000.0 * c.schemes[1].mask_ms);
      series[2].values.push_back(1000.0 * c.aes_cfb_ms);
      series[3].values.push_back(1000.0 * c.aead_ms);
    }
    PlotOptions b;
    b.panel_width = 1000;
    b.panel_height = 480;
    SHROUD_ASSIGN_OR_RETURN(
        auto fig5, plot_grouped_bars(fmt::format("MSAI Fig. 5: time of one operation on the sensitive area (median of {})",
                                                 report.options.repeats),
                                     "sensitive area (w x h)", "time (microseconds)", cats, series, "%.1f", b));
    SHROUD_RETURN_IF_ERROR(write_png((base / "msai_fig5_time.png").string(), fig5, overwrite));
  }
  if (!report.sisa.empty()) {
    SHROUD_ASSIGN_OR_RETURN(auto fig6, sisa_chart(report.sisa, true, false,
                                                  fmt::format("SISA Fig. 6: encryption / blur time (level {})",
                                                              report.options.sisa_level)));
    SHROUD_RETURN_IF_ERROR(write_png((base / "sisa_fig6_encrypt.png").string(), fig6, overwrite));
    SHROUD_ASSIGN_OR_RETURN(auto fig7, sisa_chart(report.sisa, false, false,
                                                  fmt::format("SISA Fig. 7: decryption time (level {})",
                                                              report.options.sisa_level)));
    SHROUD_RETURN_IF_ERROR(write_png((base / "sisa_fig7_decrypt.png").string(), fig7, overwrite));
  }
  if (!report.sisa_levels.empty()) {
    SHROUD_ASSIGN_OR_RETURN(auto lv, sisa_chart(report.sisa_levels, true, true,
                                                "SISA: encryption time by security level at " +
                                                    size_text(report.sisa_levels.front().size)));
    SHROUD_RETURN_IF_ERROR(write_png((base / "sisa_levels.png").string(), lv, overwrite));
  }
  if (report.learning) {
    SHROUD_ASSIGN_OR_RETURN(auto plot, learning_plot(*report.learning));
    SHROUD_RETURN_IF_ERROR(write_png((base / "learning_accuracy.png").string(), plot, overwrite));
  }
  const std::string md = paper_report_markdown(report);
  return write_file_atomic((base / "report.md").string(), std::vector<std::uint8_t>(md.begin(), md.end()),
                           WriteOptions{overwrite});
}

}  // namespace shroud
