// shroud metrics A B [--region x,y,w,h | --regions FILE] [--json]: compare two images.
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <optional>
#include <sstream>

#include "commands.h"
#include "shroud/image_io.h"
#include "shroud/metrics.h"
#include "shroud/plot.h"
#include "shroud/registry.h"

namespace shroud::cli {
namespace {
// Named as the file, so unity builds (SHROUD_UNITY) can batch the commands together.
namespace cmd_metrics {

struct Opts {
  std::string a, b;
  std::string region;
  std::string regions_file;
  bool json = false;
  std::string plots_dir;
};

Result<cv::Rect> parse_box(const std::string& text) {
  std::vector<int> v;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      std::size_t used = 0;
      const long n = std::stol(item, &used);
      if (used != item.size() || n < -1'000'000'000L || n > 1'000'000'000L) throw std::invalid_argument(item);
      v.push_back(static_cast<int>(n));
    } catch (const std::exception&) {
      return make_error(ErrorCode::kInvalidArgument, "--region takes x,y,w,h in pixels, got '" + text + "'");
    }
  }
  if (v.size() != 4 || v[2] <= 0 || v[3] <= 0) {
    return make_error(ErrorCode::kInvalidArgument, "--region takes x,y,w,h with w, h > 0, got '" + text + "'");
  }
  return cv::Rect(v[0], v[1], v[2], v[3]);
}

std::string fmt_num(double v, int precision = 4) {
  if (std::isnan(v)) return "n/a";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{:.{}f}", v, precision);
}

std::string fmt_list(const std::vector<double>& v, int precision = 4) {
  std::string s;
  for (double x : v) s += (s.empty() ? "" : ", ") + fmt_num(x, precision);
  return "[" + s + "]";
}

void print_text(const PairMetrics& m, const std::string& title) {
  fmt::print("{} ({}x{}, {} channel(s), {}-bit)\n", title, m.width, m.height, m.channels, m.bit_depth);
  fmt::print("  MSE        {}  per channel {}\n", fmt_num(m.mse), fmt_list(m.mse_channels));
  fmt::print("  PSNR       {} dB  per channel {}\n", fmt_num(m.psnr), fmt_list(m.psnr_channels));
  fmt::print("  SSIM       {}  per channel {}\n", fmt_num(m.ssim, 6), fmt_list(m.ssim_channels, 6));
  fmt::print("  NPCR       {}%\n", fmt_num(100.0 * m.npcr));
  fmt::print("  UACI       {}%\n", fmt_num(100.0 * m.uaci));
  fmt::print("  L0         {} pixels changed\n", m.l0);
  fmt::print("  L2         {}\n", fmt_num(m.l2, 2));
  fmt::print("  ALD_2      {}\n", fmt_num(m.ald_2, 6));
  fmt::print("  ALD_inf    {}\n", fmt_num(m.ald_inf, 6));
  fmt::print("  dHash      {} of 64 bits differ\n", m.dhash);
  fmt::print("  entropy    A {} bits, B {} bits\n", fmt_num(m.entropy_a), fmt_num(m.entropy_b));
  const char* names[] = {"horizontal", "vertical", "diagonal"};
  for (int i = 0; i < 3; ++i) {
    fmt::print("  corr {:<10} A {}  B {}\n", names[i], fmt_list(m.correlation_a[i]), fmt_list(m.correlation_b[i]));
  }
  std::vector<double> ca, cb;
  for (const auto& c : m.chi_square_a) ca.push_back(c.statistic);
  for (const auto& c : m.chi_square_b) cb.push_back(c.statistic);
  fmt::print("  chi-square A {}  B {}  (uniform at 5% below {})\n", fmt_list(ca, 1), fmt_list(cb, 1),
             fmt_num(ChiSquare{}.critical_5, 1));
}

// Histograms and the three adjacent-pixel scatter plots of A and B (restricted to the region).
Status write_plots(const Opts& o, const cv::Mat& a, const cv::Mat& b) {
  std::error_code ec;
  std::filesystem::create_directories(o.plots_dir, ec);
  if (ec) return make_error(ErrorCode::kIo, "cannot create '" + o.plots_dir + "': " + ec.message());
  const std::vector<std::pair<std::string, cv::Mat>> images = {
      {"A: " + std::filesystem::path(o.a).filename().string(), a},
      {"B: " + std::filesystem::path(o.b).filename().string(), b}};
  auto save = [&](const std::string& name, const Result<cv::Mat>& plot) -> Status {
    if (!plot.ok()) return plot.error();
    SHROUD_ASSIGN_OR_RETURN(auto bytes, encode_image(*plot, "png"));
    return write_file_atomic((std::filesystem::path(o.plots_dir) / name).string(), bytes, WriteOptions{true});
  };
  PlotOptions po;
  po.title = "Histograms";
  SHROUD_RETURN_IF_ERROR(save("histograms.png", plot_histograms(images, po)));
  for (Adjacency d : {Adjacency::kHorizontal, Adjacency::kVertical, Adjacency::kDiagonal}) {
    ScatterOptions so;
    so.plot.title = std::string("Adjacent pixels, ") + adjacency_name(d) + " (3000 random pairs per channel)";
    SHROUD_RETURN_IF_ERROR(save(std::string("scatter-") + adjacency_name(d) + ".png", plot_adjacent_scatter(images, d, so)));
  }
  return ok_status();
}

Status run(const Opts& o, const Globals& g) {
  if (!o.region.empty() && !o.regions_file.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "give either --region or --regions, not both");
  }
  if (!o.plots_dir.empty() && !o.regions_file.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "--plots works on the whole image or one --region, not --regions");
  }
  SHROUD_ASSIGN_OR_RETURN(LoadedImage a, read_image(o.a));
  SHROUD_ASSIGN_OR_RETURN(LoadedImage b, read_image(o.b));
  SHROUD_RETURN_IF_ERROR([&]() -> Status {
    auto st = check_comparable(a.pixels, b.pixels);
    if (!st.ok()) return make_error(st.error().code, "'" + o.a + "' and '" + o.b + "': " + st.error().message);
    return ok_status();
  }());

  if (o.regions_file.empty()) {
    std::optional<cv::Rect> box;
    if (!o.region.empty()) {
      SHROUD_ASSIGN_OR_RETURN(box, parse_box(o.region));
    }
    SHROUD_ASSIGN_OR_RETURN(PairMetrics m, compare_images(a.pixels, b.pixels, box));
    if (!o.plots_dir.empty()) {
      SHROUD_RETURN_IF_ERROR(write_plots(o, box ? a.pixels(*box) : a.pixels, box ? b.pixels(*box) : b.pixels));
    }
    if (o.json) {
      nlohmann::json j = metrics_to_json(m);
      j["a"] = o.a;
      j["b"] = o.b;
      if (box) j["region"] = {box->x, box->y, box->width, box->height};
      fmt::print("{}\n", j.dump());
    } else {
      std::string title = o.a + " vs " + o.b;
      if (box) title += fmt::format(" in [{}, {}, {}, {}]", box->x, box->y, box->width, box->height);
      print_text(m, title);
    }
    return ok_status();
  }

  // --regions FILE: the regions listed for image A (format of `shroud detect --json`), read by
  // the manual detector, whose spec syntax reserves ','.
  if (o.regions_file.find(',') != std::string::npos) {
    return make_error(ErrorCode::kInvalidArgument, "--regions: the file name must not contain ','");
  }
  DetectorOptions dopts;
  dopts.models = ModelLocator(g.models_dir);
  SHROUD_ASSIGN_OR_RETURN(auto listed, create_detector("manual:" + o.regions_file, dopts));
  SHROUD_ASSIGN_OR_RETURN(auto regions, listed->detect(Frame{a.pixels, 0, 0.0, o.a}));
  nlohmann::json out = {{"a", o.a}, {"b", o.b}, {"regions", nlohmann::json::array()}};
  const cv::Rect bounds(0, 0, a.pixels.cols, a.pixels.rows);
  for (const auto& r : regions) {
    const cv::Rect box = r.box & bounds;
    if (box.empty()) continue;  // wholly outside the image
    SHROUD_ASSIGN_OR_RETURN(PairMetrics m, compare_images(a.pixels, b.pixels, box));
    if (o.json) {
      nlohmann::json j = metrics_to_json(m);
      j["kind"] = std::string(kind_name(r.kind));
      j["region"] = {box.x, box.y, box.width, box.height};
      out["regions"].push_back(std::move(j));
    } else {
      print_text(m, fmt::format("{} [{}, {}, {}, {}]", kind_name(r.kind), box.x, box.y, box.width, box.height));
    }
  }
  if (o.json) fmt::print("{}\n", out.dump());
  else if (regions.empty()) fmt::print("no regions listed for '{}' in '{}'\n", o.a, o.regions_file);
  return ok_status();
}

}  // namespace cmd_metrics
}  // namespace

void add_metrics(CLI::App& app, Globals& g) {
  using namespace cmd_metrics;
  auto* cmd = app.add_subcommand(
      "metrics", "compare two images: MSE, PSNR, SSIM, NPCR, UACI, L0, L2, ALD_p, dHash, entropy, correlation");
  auto o = std::make_shared<Opts>();
  cmd->add_option("a", o->a, "original image")->required();
  cmd->add_option("b", o->b, "altered image (same size and type)")->required();
  cmd->add_option("--region", o->region, "restrict every metric to the box x,y,w,h (pixels)");
  cmd->add_option("--regions", o->regions_file,
                  "metrics per region listed for A in a JSON file (as written by `shroud detect --json`)");
  cmd->add_option("--plots", o->plots_dir,
                  "write histograms.png and scatter-{horizontal,vertical,diagonal}.png of A and B into this folder");
  cmd->add_flag("--json", o->json, "print one JSON object (NPCR/UACI as fractions, psnr \"inf\" when identical)");
  cmd->callback([&g, o] {
    auto st = run(*o, g);
    if (!st.ok()) g.exit_code = report(st.error());
  });
}

}  // namespace shroud::cli
