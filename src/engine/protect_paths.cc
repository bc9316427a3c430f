// Engine::protect_paths: files and folders, output layout and identity checks, a worker pool.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <thread>

#include "engine/engine_impl.h"

namespace fs = std::filesystem;

namespace shroud {

Result<PathsReport> Engine::protect_paths(const std::vector<std::string>& inputs, const std::string& output,
                                          bool in_place, const JobControl& control) const {
  const Impl& im = *impl_;
  const EngineOptions& o = im.options;
  if (in_place && !output.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "--in-place and -o exclude each other");
  }
  if (!in_place && output.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "give -o OUTPUT (or --in-place to replace the inputs)");
  }
  SHROUD_ASSIGN_OR_RETURN(auto files, expand_image_inputs(inputs));
  if (files.empty()) return make_error(ErrorCode::kNotFound, "no image files found in the inputs");

  // Output layout: one file in, a file name out; otherwise OUT is a folder mirroring the inputs.
  PathsReport report;
  report.files.resize(files.size());
  std::error_code ec;
  const bool single = files.size() == 1 && files[0].root.empty();
  const bool out_is_dir = !in_place && (!single || fs::is_directory(output, ec) || (!output.empty() && output.back() == '/'));
  if (out_is_dir) {
    fs::create_directories(output, ec);
    if (!fs::is_directory(output, ec)) {
      return make_error(ErrorCode::kPermission, "cannot create output folder '" + output + "'");
    }
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    FileReport& job = report.files[i];
    job.input = files[i].path;
    if (in_place) {
      job.output = files[i].path;
    } else if (!out_is_dir) {
      job.output = output;
    } else {
      const fs::path rel = files[i].root.empty() ? fs::path(files[i].path).filename()
                                                 : fs::path(files[i].path).lexically_relative(files[i].root);
      job.output = (fs::path(output) / rel).string();
      fs::create_directories(fs::path(job.output).parent_path(), ec);
    }
    if (scheme()) {
      SHROUD_ASSIGN_OR_RETURN(std::string format, format_from_path(job.output));
      SHROUD_RETURN_IF_ERROR(engine::check_scheme_output(im.scheme->choice, format, o.sidecar));
    }
    if (!in_place && engine::same_file(job.input, job.output)) {
      return make_error(ErrorCode::kInvalidArgument, "output '" + job.output + "' is the input; use --in-place to replace inputs");
    }
  }

  // One detector per worker, borrowed before any work (a failing model fails the whole job).
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t nthreads = std::min<std::size_t>(o.jobs > 0 ? static_cast<std::size_t>(o.jobs) : hw, files.size());
  std::vector<Impl::Lease> leases;
  for (std::size_t t = 0; t < nthreads; ++t) {
    SHROUD_ASSIGN_OR_RETURN(auto lease, im.borrow());
    leases.push_back(std::move(lease));
  }
  // In-place replaces the inputs, so overwriting is implied (protect_to_file's last argument).
  std::atomic<std::size_t> next{0};
  std::size_t done = 0;  // guarded by progress_mutex
  std::mutex progress_mutex;
  auto worker = [&](Detector& det) {
    for (std::size_t i = next++; i < files.size(); i = next++) {
      FileReport& job = report.files[i];
      if (control.cancelled && control.cancelled()) {
        job.status = make_error(ErrorCode::kInvalidArgument, "'" + job.input + "': cancelled");
      } else {
        auto r = im.protect_to_file(job.input, job.output, det, in_place);
        if (r.ok()) {
          job = std::move(*r);
        } else {
          job.status = r.error();
        }
      }
      // Counted under the lock that serialises the callback, so the callback sees 1, 2, ... N in
      // order (counting outside it let two workers report N then N-1).
      std::lock_guard<std::mutex> lock(progress_mutex);
      const std::size_t d = ++done;
      if (control.on_progress) {
        control.on_progress(static_cast<std::int64_t>(d), static_cast<std::int64_t>(files.size()));
      }
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < nthreads; ++t) threads.emplace_back(worker, std::ref(*leases[t]));
  worker(*leases[0]);
  for (auto& t : threads) t.join();
  for (const auto& job : report.files) {
    if (!job.status.ok()) continue;
    ++report.ok;
    report.regions += job.regions;
    report.protected_count += job.protected_count;
  }
  return report;
}

}  // namespace shroud
