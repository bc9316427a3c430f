// The Python view of a shroud::Keyset: shared with the engines built from it, and frozen
// (immutable) once an Engine holds it, since an Engine's keys are read-only (engine.h).
#pragma once

#include <memory>

#include "shroud/keys.h"

namespace shroud::py {

struct PyKeyset {
  std::shared_ptr<Keyset> keyset;
  bool frozen = false;   // set when an Engine takes it
};

}  // namespace shroud::py
