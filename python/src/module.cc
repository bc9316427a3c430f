// The compiled part of the Python package `shroud` (python/shroud/__init__.py re-exports it).
#include "py_common.h"

PYBIND11_MODULE(_shroud, m) {
  m.doc() = "Shroud: detect and protect faces, plates and other sensitive regions (compiled core).";
  m.attr("__version__") = SHROUD_PY_VERSION;
  shroud::py::register_errors(m);
  shroud::py::bind_regions(m);
  shroud::py::bind_keys(m);
  shroud::py::bind_engine(m);
  shroud::py::bind_metrics(m);
  shroud::py::bind_attacks(m);
}
