// shroud.Engine: the library's Engine (include/shroud/engine.h) for Python. Frames are NumPy
// arrays protected in place through a cv::Mat header over their buffer; the GIL is released for
// all engine work, so Python threads using one Engine run in parallel.
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <opencv2/imgcodecs.hpp>

#include <chrono>
#include <mutex>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "py_common.h"
#include "py_keys.h"
#include "shroud/engine.h"
#include "shroud/policy.h"

namespace shroud::py {
namespace {

using nlohmann::json;

// A read-only, C-contiguous view of a bytes-like object (bytes, bytearray, memoryview, a uint8
// array), held for as long as the engine reads it; never copied.
class ByteView {
 public:
  ByteView(const pyb::handle& obj, const char* what) {
    if (PyObject_GetBuffer(obj.ptr(), &view_, PyBUF_SIMPLE) != 0) {
      PyErr_Clear();
      throw pyb::type_error(std::string(what) + ": expected a contiguous bytes-like object (bytes, bytearray, "
                            "memoryview), got " + pyb::str(pyb::type::handle_of(obj).attr("__name__")).cast<std::string>());
    }
    held_ = true;
  }
  ByteView(const ByteView&) = delete;
  ByteView& operator=(const ByteView&) = delete;
  ~ByteView() {
    if (held_) PyBuffer_Release(&view_);
  }
  std::span<const std::uint8_t> span() const {
    return {static_cast<const std::uint8_t*>(view_.buf), static_cast<std::size_t>(view_.len)};
  }

 private:
  Py_buffer view_{};
  bool held_ = false;
};

pyb::bytes to_bytes(const std::vector<std::uint8_t>& v) {
  return pyb::bytes(reinterpret_cast<const char*>(v.data()), v.size());
}

// The Python-side result of protect(): the library's FrameReport.
struct PyFrameReport {
  FrameReport report;
};

struct PyEncoded {
  std::vector<std::uint8_t> image;
  std::optional<std::vector<std::uint8_t>> sidecar;
  FrameReport report;
};

struct PyEngine {
  std::unique_ptr<Engine> engine;
  std::shared_ptr<PyKeyset> keyset;   // kept (frozen) for the engine's life
  // engine.h does not list recover_video() among the calls that may run concurrently: the
  // binding runs one at a time per Engine (taken with the GIL released, so no deadlock).
  std::unique_ptr<std::mutex> recover_video_mu = std::make_unique<std::mutex>();
};

std::string type_name(const pyb::handle& h) {
  return pyb::str(pyb::type::handle_of(h).attr("__name__")).cast<std::string>();
}

std::unique_ptr<PyEngine> make_engine(const pyb::object& detector, const pyb::object& method, const pyb::object& policy,
                                      const pyb::object& policy_file, const pyb::object& kinds, const pyb::object& key,
                                      const pyb::object& keyset, const pyb::object& recipient, const std::string& mode,
                                      const pyb::kwargs& options) {
  json j = json::object();
  for (auto item : options) {
    const std::string name = item.first.cast<std::string>();
    if (!item.second.is_none()) j[name] = to_json(item.second, name);
  }
  j["mode"] = mode;
  auto set = [&](const char* name, const pyb::object& v) {
    if (!v.is_none()) j[name] = to_json(v, name);
  };
  set("detector", detector);
  set("method", method);
  if (!policy.is_none()) {
    if (!pyb::isinstance<pyb::dict>(policy)) {
      throw pyb::type_error("policy must be a dict (the policy JSON, docs/policy.md); for a file use policy_file=");
    }
    j["policy"] = to_json(policy, "policy");
  }
  set("policy_file", policy_file);
  if (!kinds.is_none() && PyUnicode_Check(kinds.ptr())) {
    throw pyb::type_error("kinds must be a list of kind names, e.g. ['face', 'plate']");
  }
  set("kinds", kinds);
  set("key", key);
  EngineKeys keys;
  auto out = std::make_unique<PyEngine>();
  if (!keyset.is_none()) {
    if (!pyb::isinstance<PyKeyset>(keyset)) {
      throw pyb::type_error("keyset must be a shroud.Keyset (for a keyset file use key=PATH), got " + type_name(keyset));
    }
    out->keyset = keyset.cast<std::shared_ptr<PyKeyset>>();
    keys.keyset = out->keyset->keyset;
    // Frozen before the GIL is released for create(), so no other thread can change it while the
    // engine reads it; it stays frozen even if create() fails (another engine may hold it).
    out->keyset->frozen = true;
  }
  if (!recipient.is_none()) {
    if (pyb::isinstance<RecipientKey>(recipient)) {
      keys.recipient = recipient.cast<RecipientKey>();
    } else {
      set("recipient", recipient);
    }
  }
  EngineOptions o = unwrap(EngineOptions::from_json(j));
  Result<Engine> created = make_error(ErrorCode::kInternal, "not created");
  {
    pyb::gil_scoped_release nogil;
    created = keys.empty() ? Engine::create(std::move(o)) : Engine::create(std::move(o), std::move(keys));
  }
  out->engine = std::make_unique<Engine>(unwrap(std::move(created)));
  return out;
}

RecoverSelection selection(const std::optional<std::vector<std::uint32_t>>& regions,
                           const std::optional<std::vector<std::string>>& kinds) {
  RecoverSelection s;
  if (regions) s.regions = *regions;
  if (kinds) s.kinds = *kinds;
  return s;
}

pyb::dict recover_dict(const RecoverReport& r) {
  pyb::dict d;
  d["width"] = r.size.width;
  d["height"] = r.size.height;
  d["scheme"] = r.scheme;
  d["byte_identical"] = r.byte_identical;
  d["restored"] = r.restored;
  d["region_count"] = r.region_count;
  d["unrecoverable"] = r.unrecoverable;
  d["key_id"] = r.key_id;
  d["warnings"] = r.warnings;
  return d;
}


// Python callbacks for a video job, called from the engine's worker threads: each call takes the
// GIL; the first exception a callback raises cancels the job and is raised again by the binding.
// The callables are borrowed (the binding's arguments keep them alive), so copying the
// std::functions inside the engine never touches a reference count without the GIL.
struct VideoCallbacks {
  pyb::handle progress, cancelled;
  std::mutex mu;
  std::vector<std::string> warnings;
  bool failed = false;
  std::optional<pyb::error_already_set> error;   // destroyed with the GIL held (binding's scope)

  void fail(pyb::error_already_set& e) {
    std::lock_guard<std::mutex> lock(mu);
    if (!failed) {
      failed = true;
      error.emplace(std::move(e));
    }
  }
  bool has_failed() {
    std::lock_guard<std::mutex> lock(mu);
    return failed;
  }

  JobControl control() {
    JobControl c;
    c.on_warning = [this](const std::string& message) {
      std::lock_guard<std::mutex> lock(mu);
      warnings.push_back(message);
    };
    if (progress) {
      c.on_progress = [this](std::int64_t done, std::int64_t total) {
        if (has_failed()) return;
        pyb::gil_scoped_acquire gil;
        try {
          progress(done, total);
        } catch (pyb::error_already_set& e) {
          fail(e);
        }
      };
    }
    c.cancelled = [this]() {
      if (has_failed()) return true;
      if (!cancelled) return false;
      pyb::gil_scoped_acquire gil;
      try {
        return pyb::bool_(cancelled()).cast<bool>();
      } catch (pyb::error_already_set& e) {
        fail(e);
        return true;
      }
    };
    return c;
  }
};

const char* kEngineDoc = R"(An Engine configured once, then used for any number of frames and files.

Engine(detector=None, method=None, *, policy=None, policy_file=None, kinds=None,
       key=None, keyset=None, recipient=None, mode='protect', **options)

  detector     detector spec 'name[:arg][,name[:arg]...]' (yunet, lpd, cascade,
               manual:REGIONS.json, zones:FILE, ...); None: the default (YuNet faces and
               LPD-YuNet plates when the models are found, else Haar cascades).
  method       every kind's method: blur, pixelate, fill, seal, dp-pixelate, dp-plate,
               generate, or a paper scheme (msai-l, block-scramble, pbe, ...).
  policy       the policy as a dict (docs/policy.md); policy_file: a policy JSON file.
  kinds        kinds to protect, e.g. ['face', 'plate'].
  key          path of a keyset file (seal, sisa, recovery) or a scheme key file.
  keyset       a shroud.Keyset in memory instead of key= (it is frozen from then on).
  recipient    a recipient public key: a path or a shroud.RecipientKey (seal only; such an
               engine can never open what it sealed).
  mode         'protect' or 'recover' (a recover engine needs only key= or keyset=).
  **options    any other EngineOptions field by its JSON name: threshold, detect_size,
               models_dir, allow_unlisted, whole_frame, eyes_only, mask_scale, shape,
               feather, cells, strength, color, epsilon, placeholder, sidecar, detached,
               quality, keep_metadata, jpeg_path, ... (docs/engine.md lists them all).

Every option is checked here: an unknown name, a wrong type or an out-of-range value raises
InvalidArgumentError naming the field; a missing model or key file raises NotFoundError.

Thread safety: detect, protect, protect_bytes, recover, recover_bytes, protect_file,
recover_file, protect_paths and protect_video may be called from several Python threads at
once on one Engine (recover_video calls on one Engine run one at a time); each releases the GIL
while the engine works. An Engine never changes after it is created.)";

}  // namespace

void bind_engine(pyb::module_& m) {
  pyb::class_<PyFrameReport>(m, "FrameReport", "What Engine.protect() found and did to one frame.")
      .def_property_readonly("regions", [](const PyFrameReport& r) { return r.report.regions; },
                             "Every Region detected (list).")
      .def_property_readonly("actions", [](const PyFrameReport& r) { return r.report.actions; },
                             "The Actions applied, in order (list); empty when nothing was protected.")
      .def_property_readonly("container", [](const PyFrameReport& r) { return to_bytes(r.report.container); },
                             "seal: the shroud-v1 container (bytes) that recover() needs, bound to the protected "
                             "pixels; paper schemes: their record; else b''.")
      .def_property_readonly("record", [](const PyFrameReport& r) { return from_json(r.report.record); },
                             "The JSON record (regions, protected boxes and methods, DP epsilon) as a dict; None "
                             "unless protect(..., record=True).")
      .def("__repr__", [](const PyFrameReport& r) {
        return "FrameReport(regions=" + std::to_string(r.report.regions.size()) + ", actions=" +
               std::to_string(r.report.actions.size()) + ", container=" + std::to_string(r.report.container.size()) +
               " bytes)";
      });

  pyb::class_<PyEncoded>(m, "EncodedResult", "What Engine.protect_bytes() returns.")
      .def_property_readonly("image", [](const PyEncoded& e) { return to_bytes(e.image); },
                             "The protected image file (bytes); the container is embedded unless sidecar=True.")
      .def_property_readonly("sidecar",
                             [](const PyEncoded& e) -> pyb::object {
                               if (!e.sidecar) return pyb::none();
                               return to_bytes(*e.sidecar);
                             },
                             "The container or record as separate bytes (Engine(..., sidecar=True)), else None.")
      .def_property_readonly("regions", [](const PyEncoded& e) { return e.report.regions; }, "Regions detected.")
      .def_property_readonly("actions", [](const PyEncoded& e) { return e.report.actions; }, "Actions applied.")
      .def_property_readonly("record", [](const PyEncoded& e) { return from_json(e.report.record); },
                             "The JSON record of the image as a dict.")
      .def("__repr__", [](const PyEncoded& e) {
        return "EncodedResult(image=" + std::to_string(e.image.size()) + " bytes, actions=" +
               std::to_string(e.report.actions.size()) + ")";
      });

  pyb::class_<PyEngine>(m, "Engine", kEngineDoc)
      .def(pyb::init(&make_engine), pyb::arg("detector") = pyb::none(), pyb::arg("method") = pyb::none(),
           pyb::kw_only(), pyb::arg("policy") = pyb::none(), pyb::arg("policy_file") = pyb::none(),
           pyb::arg("kinds") = pyb::none(), pyb::arg("key") = pyb::none(), pyb::arg("keyset") = pyb::none(),
           pyb::arg("recipient") = pyb::none(), pyb::arg("mode") = "protect",
           "Creates and validates an engine (see the class documentation for the arguments).")
      .def_property_readonly("options", [](const PyEngine& e) { return from_json(e.engine->options().to_json()); },
                             "Every option as a dict (the EngineOptions JSON form; no secrets).")
      .def_property_readonly("policy",
                             [](const PyEngine& e) { return from_json(json::parse(policy_to_json(e.engine->policy()))); },
                             "The effective policy after overrides, as a dict.")
      .def_property_readonly("warnings", [](const PyEngine& e) { return e.engine->warnings(); },
                             "Configuration warnings (detector fallback, paper-scheme security notes).")
      .def_property_readonly("seals", [](const PyEngine& e) { return e.engine->seals(); },
                             "True when some kind is sealed (reversible with the key).")
      .def(
          "detect",
          [](const PyEngine& e, const pyb::object& image) {
            cv::Mat mat = mat_from_array(image, false, "image");
            Result<std::vector<Region>> r = std::vector<Region>{};
            {
              pyb::gil_scoped_release nogil;
              r = e.engine->detect(mat);
            }
            return unwrap(std::move(r));
          },
          pyb::arg("image"),
          "Regions in `image` (a uint8 NumPy array HxW, HxWx3 BGR or HxWx4 BGRA; read-only arrays are fine). "
          "Nothing is changed. Returns a list of Region.")
      .def(
          "protect",
          [](const PyEngine& e, const pyb::object& image, bool record) {
            cv::Mat mat = mat_from_array(image, true, "image");
            const cv::Mat caller = mat;   // the array's own buffer
            Result<FrameReport> r = FrameReport{};
            {
              pyb::gil_scoped_release nogil;
              r = e.engine->protect_frame(mat, record);
              // Paper schemes work on a copy and return a new image: copy it back when it fits.
              if (r.ok() && mat.data != caller.data) {
                if (mat.size() == caller.size() && mat.type() == caller.type()) {
                  cv::Mat dst = caller;
                  mat.copyTo(dst);
                } else {
                  r = make_error(ErrorCode::kUnsupported,
                                 "method '" + e.engine->options().method + "' changes the image size (" +
                                     std::to_string(caller.cols) + "x" + std::to_string(caller.rows) + " -> " +
                                     std::to_string(mat.cols) + "x" + std::to_string(mat.rows) +
                                     "), so it cannot protect an array in place (the array is unchanged); use "
                                     "protect_bytes()");
                }
              }
            }
            return PyFrameReport{unwrap(std::move(r))};
          },
          pyb::arg("image"), pyb::kw_only(), pyb::arg("record") = false,
          "Detects and protects `image` IN PLACE: a writable uint8 NumPy array HxW, HxWx3 (BGR, OpenCV's "
          "order) or HxWx4 (BGRA), C-contiguous or a row slice of one. The array's buffer is changed "
          "directly (no copy); anything else raises TypeError/ValueError before any work. Returns a "
          "FrameReport (regions, actions, container for seal; record=True adds the JSON record).")
      .def(
          "protect_bytes",
          [](const PyEngine& e, const pyb::object& data, const std::string& format, const std::string& name) {
            ByteView bytes(data, "data");
            Result<EncodedOutput> r = EncodedOutput{};
            {
              pyb::gil_scoped_release nogil;
              r = e.engine->protect_encoded(bytes.span(), format, name);
            }
            EncodedOutput out = unwrap(std::move(r));
            PyEncoded py{std::move(out.image), std::nullopt, std::move(out.report)};
            if (e.engine->options().sidecar) py.sidecar = std::move(out.sidecar);
            return py;
          },
          pyb::arg("data"), pyb::arg("format") = "png", pyb::arg("name") = "",
          "Protects an encoded image (bytes of any format Shroud reads) and encodes the result as `format` "
          "(png, jpeg, tiff, bmp, webp). `name` is used in messages and selects the image's entry of a "
          "manual:FILE regions list. Returns an EncodedResult (image, sidecar, regions, actions, record).")
      .def(
          "recover_bytes",
          [](const PyEngine& e, const pyb::object& data, const pyb::object& sidecar, const std::string& format,
             const std::optional<std::vector<std::uint32_t>>& regions,
             const std::optional<std::vector<std::string>>& kinds, const std::string& name) {
            ByteView bytes(data, "data");
            std::optional<std::vector<std::uint8_t>> side;
            if (!sidecar.is_none()) {
              ByteView s(sidecar, "sidecar");
              side.emplace(s.span().begin(), s.span().end());
            }
            const RecoverSelection sel = selection(regions, kinds);
            Result<RecoverReport> r = RecoverReport{};
            {
              pyb::gil_scoped_release nogil;
              r = e.engine->recover_encoded(bytes.span(), side, format, sel, name);
            }
            RecoverReport rep = unwrap(std::move(r));
            return pyb::make_tuple(to_bytes(rep.image), recover_dict(rep));
          },
          pyb::arg("data"), pyb::arg("sidecar") = pyb::none(), pyb::arg("format") = "png", pyb::kw_only(),
          pyb::arg("regions") = pyb::none(), pyb::arg("kinds") = pyb::none(), pyb::arg("name") = "<memory>",
          "Recovers a sealed image (or a paper-scheme record) given as bytes, with the container embedded or "
          "passed as `sidecar`. Everything is verified first: a wrong key or any tampering raises "
          "AuthenticationError/CorruptError and nothing is returned. `regions` (indices) or `kinds` restore "
          "only some regions. Returns (image bytes encoded as `format`, info dict: width, height, scheme, "
          "byte_identical, restored, region_count, unrecoverable, key_id, warnings).")
      .def(
          "recover",
          [](const PyEngine& e, const pyb::object& image, const pyb::object& container,
             const std::optional<std::vector<std::uint32_t>>& regions,
             const std::optional<std::vector<std::string>>& kinds) {
            cv::Mat mat = mat_from_array(image, false, "image");
            ByteView c(container, "container");
            std::vector<std::uint8_t> side(c.span().begin(), c.span().end());
            const RecoverSelection sel = selection(regions, kinds);
            Result<RecoverReport> r = RecoverReport{};
            cv::Mat restored;
            {
              pyb::gil_scoped_release nogil;
              // PNG is lossless, so the carrier pixels the container is bound to arrive intact.
              std::vector<std::uint8_t> png;
              if (!cv::imencode(".png", mat, png, {cv::IMWRITE_PNG_COMPRESSION, 1})) {
                r = make_error(ErrorCode::kInternal, "image: could not encode as PNG");
              } else {
                r = e.engine->recover_encoded(png, side, "png", sel, "<memory>");
              }
              if (r.ok()) {
                restored = cv::imdecode(r->image, cv::IMREAD_UNCHANGED);
                if (restored.empty()) r = make_error(ErrorCode::kInternal, "recovered image: could not decode");
              }
            }
            unwrap(std::move(r));
            return array_from_mat(restored);
          },
          pyb::arg("image"), pyb::arg("container"), pyb::kw_only(), pyb::arg("regions") = pyb::none(),
          pyb::arg("kinds") = pyb::none(),
          "Recovers a frame protected by protect() with method seal: `image` the protected array, "
          "`container` the FrameReport.container bytes. Returns a NEW array with the original pixels "
          "(bit-exact); the input is not changed. Wrong key or tampering raises AuthenticationError.")
      .def(
          "protect_file",
          [](const PyEngine& e, const std::filesystem::path& input, const std::filesystem::path& output) {
            Result<FileReport> r = FileReport{};
            {
              pyb::gil_scoped_release nogil;
              r = e.engine->protect_file(input.string(), output.string());
            }
            FileReport f = unwrap(std::move(r));
            return from_json(f.record);
          },
          pyb::arg("input"), pyb::arg("output"),
          "Protects one image file into `output` (format from its extension; written atomically, a "
          "sidecar first). Returns the JSON record as a dict.")
      .def(
          "recover_file",
          [](const PyEngine& e, const std::filesystem::path& input, const std::filesystem::path& output,
             const std::optional<std::filesystem::path>& sidecar) {
            Result<RecoverReport> r = RecoverReport{};
            {
              pyb::gil_scoped_release nogil;
              r = e.engine->recover_file(input.string(), output.string(), sidecar ? sidecar->string() : "");
            }
            return recover_dict(unwrap(std::move(r)));
          },
          pyb::arg("input"), pyb::arg("output"), pyb::arg("sidecar") = pyb::none(),
          "Recovers one file into `output` (verified before anything is written). Returns the info dict.")
      .def(
          "protect_paths",
          [](const PyEngine& e, const std::vector<std::filesystem::path>& inputs, const pyb::object& output,
             bool in_place, const pyb::object& progress, const pyb::object& cancelled) {
            std::vector<std::string> in;
            for (const auto& p : inputs) in.push_back(p.string());
            const std::string out = output.is_none() ? std::string() : output.cast<std::filesystem::path>().string();
            VideoCallbacks cb;
            if (!progress.is_none()) cb.progress = progress;
            if (!cancelled.is_none()) cb.cancelled = cancelled;
            const JobControl control = cb.control();
            Result<PathsReport> r = PathsReport{};
            {
              pyb::gil_scoped_release nogil;
              r = e.engine->protect_paths(in, out, in_place, control);
            }
            if (cb.error) throw std::move(*cb.error);
            PathsReport rep = unwrap(std::move(r));
            pyb::list files;
            for (const auto& f : rep.files) {
              pyb::dict d;
              d["input"] = f.input;
              d["output"] = f.output;
              d["ok"] = f.status.ok();
              d["error"] = f.status.ok() ? pyb::object(pyb::none()) : pyb::object(pyb::str(f.status.error().message));
              d["regions"] = f.regions;
              d["protected"] = f.protected_count;
              d["record"] = from_json(f.record);
              files.append(d);
            }
            pyb::dict d;
            d["files"] = files;
            d["ok"] = rep.ok;
            d["regions"] = rep.regions;
            d["protected"] = rep.protected_count;
            d["warnings"] = cb.warnings;
            return d;
          },
          pyb::arg("inputs"), pyb::arg("output") = pyb::none(), pyb::kw_only(), pyb::arg("in_place") = false,
          pyb::arg("progress") = pyb::none(), pyb::arg("cancelled") = pyb::none(),
          "Protects image files and folders (recursive) like `shroud protect IN... -o OUT`: `output` is a "
          "file for one input file, else a folder mirroring the inputs; in_place=True replaces the inputs "
          "(output None). Runs the engine's `jobs` workers; progress(done, total) and cancelled() as for "
          "protect_video. Per-file failures are in the result, not raised: a dict with files (input, output, "
          "ok, error, regions, protected, record), ok, regions, protected, warnings.")
      .def(
          "protect_video",
          [](const PyEngine& e, const std::filesystem::path& input, const std::filesystem::path& output,
             const pyb::object& progress, const pyb::object& cancelled) {
            VideoCallbacks cb;
            if (!progress.is_none()) cb.progress = progress;
            if (!cancelled.is_none()) cb.cancelled = cancelled;
            const JobControl control = cb.control();
            Result<VideoReport> r = VideoReport{};
            {
              pyb::gil_scoped_release nogil;
              r = e.engine->protect_video(input.string(), output.string(), control);
            }
            if (cb.error) throw std::move(*cb.error);
            VideoReport v = unwrap(std::move(r));
            pyb::dict d;
            d["frames"] = v.frames;
            d["detected_frames"] = v.detected_frames;
            d["regions"] = v.regions;
            d["tracks"] = v.tracks;
            d["audio_streams"] = v.audio_streams;
            d["fps"] = v.fps;
            d["seconds"] = v.seconds;
            d["output"] = v.output;
            d["track"] = v.track;
            d["track_frames"] = v.track_frames;
            d["track_bytes"] = v.track_bytes;
            d["sealed_regions"] = v.sealed_regions;
            d["warnings"] = cb.warnings;
            return d;
          },
          pyb::arg("input"), pyb::arg("output"), pyb::kw_only(), pyb::arg("progress") = pyb::none(),
          pyb::arg("cancelled") = pyb::none(),
          "Protects a video file (or URL, or options camera) into `output` like `shroud protect`: detection "
          "every detect_every frames, tracking and hold between, audio and timing kept; for seal a recovery "
          "track (OUTPUT.shroudv) committed after the video. `progress(done, total)` and `cancelled() -> "
          "bool` are called from worker threads (with the GIL); an exception in either cancels the job and "
          "is raised here. A failed or cancelled job leaves no output. Returns a dict (frames, "
          "detected_frames, regions, tracks, fps, seconds, output, track, track_frames, track_bytes, "
          "sealed_regions, warnings).")
      .def(
          "recover_video",
          [](const PyEngine& e, const std::filesystem::path& input, const std::filesystem::path& output,
             const std::optional<std::filesystem::path>& track) {
            Result<VideoRecoverReport> r = VideoRecoverReport{};
            {
              pyb::gil_scoped_release nogil;
              std::lock_guard<std::mutex> lock(*e.recover_video_mu);
              r = e.engine->recover_video(input.string(), output.string(), track ? track->string() : "");
            }
            VideoRecoverReport v = unwrap(std::move(r));
            pyb::dict d;
            d["frames"] = v.frames;
            d["regions"] = v.regions;
            d["key_id"] = v.key_id;
            d["fps"] = v.fps;
            return d;
          },
          pyb::arg("input"), pyb::arg("output"), pyb::arg("track") = pyb::none(),
          "Recovers a sealed video with its recovery track (default INPUT.shroudv) into a lossless FFV1 "
          "video `output` (.mkv). Returns a dict (frames, regions, key_id, fps).")
      .def(
          "_time_protect",
          [](const PyEngine& e, const pyb::object& image, int iterations) {
            cv::Mat mat = mat_from_array(image, true, "image");
            std::vector<double> seconds;
            Status status;
            {
              pyb::gil_scoped_release nogil;
              for (int i = 0; i < iterations && status.ok(); ++i) {
                const auto t0 = std::chrono::steady_clock::now();
                auto r = e.engine->protect_frame(mat);
                const auto t1 = std::chrono::steady_clock::now();
                if (!r.ok()) status = r.error();
                seconds.push_back(std::chrono::duration<double>(t1 - t0).count());
              }
            }
            check(status);
            return seconds;
          },
          pyb::arg("image"), pyb::arg("iterations"),
          "Benchmark helper: times `iterations` C++ protect_frame() calls on `image` in place, without "
          "Python in the loop; returns the seconds of each call.")
      .def("__repr__", [](const PyEngine& e) {
        const EngineOptions& o = e.engine->options();
        return std::string("Engine(mode='") + (o.mode == EngineOptions::Mode::kRecover ? "recover" : "protect") +
               "', detector='" + o.detector + "', method='" + o.method + "')";
      });
}

}  // namespace shroud::py
