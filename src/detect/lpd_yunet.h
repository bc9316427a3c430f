// Internal: what the LPD-YuNet detector (lpd_yunet.cc) did on its last frame, so tests and
// benches can check that the gate spends the model where plates may be.
#pragma once

#include <optional>

#include "shroud/detector.h"

namespace shroud {

struct LpdPasses {
  int gate = 0;    // low-resolution passes over the whole frame (0 or 1)
  int refine = 0;  // passes on crops around gate candidates
  int single = 0;  // full passes at the single size: `lpd:single`, or the gate's fallback when
                   // there are too many candidates to refine (0 or 1)
  int size = 0;    // longest side of the gate (or single) pass input: the detection size
};

// The passes of `detector`'s last detect() if it is an `lpd` detector, otherwise nullopt.
std::optional<LpdPasses> lpd_last_passes(const Detector& detector);

}  // namespace shroud
