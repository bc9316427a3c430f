// Internal: the attack implementations listed in registry.cc.
#pragma once

#include "shroud/attack.h"

namespace shroud::attacks {

Result<AttackResult> dp_plate_epsilon(const AttackOptions& options);   // D1
Result<AttackResult> dp_plate_average(const AttackOptions& options);   // D2
Result<AttackResult> blur_deconvolve(const AttackOptions& options);    // S4

}  // namespace shroud::attacks
