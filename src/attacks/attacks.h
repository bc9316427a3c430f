// Internal: the attack implementations listed in registry.cc.
#pragma once

#include "shroud/attack.h"

namespace shroud::attacks {

Result<AttackResult> dp_plate_epsilon(const AttackOptions& options);   // D1
Result<AttackResult> dp_plate_average(const AttackOptions& options);   // D2
Result<AttackResult> blur_deconvolve(const AttackOptions& options);    // S4
Result<AttackResult> msai_rescale(const AttackOptions& options);       // M1
Result<AttackResult> msai_bruteforce(const AttackOptions& options);    // M2
Result<AttackResult> msai_known_pixel(const AttackOptions& options);   // M3 (msai-paper, msai-l)
Result<AttackResult> block_scramble_cpa(const AttackOptions& options); // M4
Result<AttackResult> block_scramble_kpa(const AttackOptions& options); // M5
Result<AttackResult> msai_stats(const AttackOptions& options);         // M6
Result<AttackResult> msai_l_lattice(const AttackOptions& options);     // msai-l lattice
Result<AttackResult> pbe_cpa(const AttackOptions& options);                     // P0
Result<AttackResult> perceptual_cpa(const AttackOptions& options);              // P1
Result<AttackResult> perceptual_one_image(const AttackOptions& options);        // P2
Result<AttackResult> perceptual_kpa(const AttackOptions& options);              // P3
Result<AttackResult> perceptual_keystream_reuse(const AttackOptions& options);  // P4
Result<AttackResult> sisa_cfb_bitflip(const AttackOptions& options);            // S1
Result<AttackResult> sisa_shifted_coords(const AttackOptions& options);         // S3

}  // namespace shroud::attacks
