// shroud.Region and shroud.Action: what detect() found and what protect() did, as plain Python
// values (kind a str, box an (x, y, width, height) tuple of ints, landmarks a list of (x, y)).
#include <pybind11/stl.h>

#include <sstream>

#include "py_common.h"
#include "shroud/policy.h"
#include "shroud/region.h"

namespace shroud::py {
namespace {

pyb::tuple box_tuple(const cv::Rect& r) { return pyb::make_tuple(r.x, r.y, r.width, r.height); }

cv::Rect box_from(const pyb::handle& box) {
  auto seq = pyb::reinterpret_borrow<pyb::sequence>(box);
  if (!pyb::isinstance<pyb::sequence>(box) || pyb::len(seq) != 4) {
    throw pyb::type_error("box must be a sequence of four ints (x, y, width, height)");
  }
  const int w = seq[2].cast<int>(), h = seq[3].cast<int>();
  if (w < 0 || h < 0) throw pyb::value_error("box: width and height must not be negative");
  return cv::Rect(seq[0].cast<int>(), seq[1].cast<int>(), w, h);
}

std::string region_repr(const Region& r) {
  std::ostringstream s;
  s << "Region(kind='" << kind_name(r.kind) << "', box=(" << r.box.x << ", " << r.box.y << ", " << r.box.width
    << ", " << r.box.height << "), score=" << r.score;
  if (!r.detector.empty()) s << ", detector='" << r.detector << "'";
  if (r.track_id >= 0) s << ", track_id=" << r.track_id;
  s << ")";
  return s.str();
}

pyb::list landmark_list(const Region& r) {
  pyb::list l;
  for (const auto& p : r.landmarks) l.append(pyb::make_tuple(p.x, p.y));
  return l;
}

pyb::dict region_dict(const Region& r) {
  pyb::dict d;
  d["kind"] = std::string(kind_name(r.kind));
  d["box"] = box_tuple(r.box);
  d["score"] = r.score;
  d["detector"] = r.detector;
  d["landmarks"] = landmark_list(r);
  d["label"] = r.label;
  d["track_id"] = r.track_id;
  return d;
}

}  // namespace

void bind_regions(pyb::module_& m) {
  pyb::class_<Region>(m, "Region",
                      "One sensitive area found in a frame (what Engine.detect() returns).\n\n"
                      "Coordinates are pixels of the stored image, origin top left, x right, y down.\n"
                      "Boxes may extend past the image edge as a detector produced them; the policy\n"
                      "clips them before protecting (see Action.box).")
      .def(pyb::init([](const std::string& kind, const pyb::handle& box, float score, const std::string& detector,
                        const std::string& label) {
             Region r;
             r.kind = unwrap(parse_kind(kind));
             r.box = box_from(box);
             r.score = score;
             r.detector = detector;
             r.label = label;
             return r;
           }),
           pyb::arg("kind"), pyb::arg("box"), pyb::arg("score") = 1.0f, pyb::arg("detector") = "",
           pyb::arg("label") = "",
           "Region(kind, box, score=1.0, detector='', label=''): kind is face, eyes, plate, person, "
           "vehicle, text or custom; box is (x, y, width, height).")
      .def_property_readonly("kind", [](const Region& r) { return std::string(kind_name(r.kind)); },
                             "face, eyes, plate, person, vehicle, text or custom.")
      .def_property_readonly("box", [](const Region& r) { return box_tuple(r.box); },
                             "(x, y, width, height) in pixels.")
      .def_property_readonly("score", [](const Region& r) { return r.score; }, "Detector confidence in [0, 1].")
      .def_property_readonly("detector", [](const Region& r) { return r.detector; },
                             "Name of the detector that found it (yunet, lpd, manual, ...).")
      .def_property_readonly("landmarks", &landmark_list,
                             "List of (x, y) float points; YuNet faces: right eye, left eye, nose, mouth right, "
                             "mouth left. Empty when the detector gives none.")
      .def_property_readonly("label", [](const Region& r) { return r.label; }, "Class label (e.g. 'car'), or ''.")
      .def_property_readonly("text", [](const Region& r) { return r.text; },
                             "Content read from the region (plate text), or ''. Personal data: do not log it.")
      .def_property_readonly("track_id", [](const Region& r) { return r.track_id; },
                             "Video tracker id, -1 when untracked.")
      .def("to_dict", &region_dict, "The region as a dict (kind, box, score, detector, landmarks, label, track_id).")
      .def("__repr__", &region_repr)
      .def("__eq__", [](const Region& a, const Region& b) {
        return a.kind == b.kind && a.box == b.box && a.score == b.score && a.detector == b.detector &&
               a.landmarks == b.landmarks && a.label == b.label && a.text == b.text && a.track_id == b.track_id;
      }, pyb::is_operator())
      .def("__hash__", [](const Region& r) {
        return pyb::hash(pyb::make_tuple(std::string(kind_name(r.kind)), box_tuple(r.box), r.score));
      });

  pyb::class_<Action>(m, "Action",
                      "What protect() did to one region: the rectangle actually changed (the region's box\n"
                      "scaled by the policy's mask_scale and clipped to the image) and the method used.")
      .def_property_readonly("region", [](const Action& a) { return a.region; }, "The Region it protects.")
      .def_property_readonly("kind", [](const Action& a) { return std::string(kind_name(a.region.kind)); },
                             "The region's kind.")
      .def_property_readonly("box", [](const Action& a) { return box_tuple(a.rect); },
                             "(x, y, width, height): the pixels changed, inside the image, never empty.")
      .def_property_readonly("method", [](const Action& a) { return a.method; },
                             "blur, pixelate, fill, seal, dp-pixelate, ... or a paper scheme's name.")
      .def_property_readonly("shape", [](const Action& a) { return std::string(shape_name(a.shape)); },
                             "rectangle or ellipse.")
      .def_property_readonly("feather", [](const Action& a) { return a.feather; }, "Edge feathering, 0 .. 0.5.")
      .def("to_dict",
           [](const Action& a) {
             pyb::dict d;
             d["kind"] = std::string(kind_name(a.region.kind));
             d["box"] = box_tuple(a.rect);
             d["method"] = a.method;
             d["shape"] = std::string(shape_name(a.shape));
             d["feather"] = a.feather;
             d["region"] = region_dict(a.region);
             return d;
           },
           "The action as a dict (kind, box, method, shape, feather, region).")
      .def("__repr__", [](const Action& a) {
        std::ostringstream s;
        s << "Action(kind='" << kind_name(a.region.kind) << "', box=(" << a.rect.x << ", " << a.rect.y << ", "
          << a.rect.width << ", " << a.rect.height << "), method='" << a.method << "')";
        return s.str();
      });
}

}  // namespace shroud::py
