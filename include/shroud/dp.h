// Differential privacy: samplers fed by the OS CSPRNG, the paper's plate mechanism with honest
// epsilon accounting, k-ary randomized response, and DP pixelization (DP-Pix, Fan 2018).
//
// Epsilon is per character for plates (a plate of n characters composes to n x epsilon) and per
// image for DP-Pix (neighbouring images differ in at most m pixels). Every function validates
// epsilon: <= 0, NaN or infinite is kInvalidArgument.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shroud/result.h"

namespace shroud::dp {

Status check_epsilon(double epsilon);

// Uniform random values from the OS CSPRNG (getrandom(2)); kInternal if it fails.
class SecureRandom {
 public:
  Result<std::uint64_t> next_u64();
  Result<double> uniform_open();               // in (0, 1), 53-bit resolution
  Result<std::uint64_t> uniform_below(std::uint64_t n);  // in [0, n), unbiased (rejection)
  Result<double> laplace(double scale);        // continuous Laplace(0, scale) by inversion
};

enum class Mechanism {
  kPaper,  // Laplace(1/eps) on the code, rounded, wrapped cyclically into the alphabet (GAN+DP paper)
  kRandomizedResponse,  // k-ary randomized response: exact epsilon over the whole alphabet
};
const char* mechanism_name(Mechanism m);
Result<Mechanism> parse_mechanism(const std::string& name);

// Distribution of the output offset (output - input mod k) of the paper's mechanism for an
// alphabet of k symbols: P[d] for d in 0..k-1 (exact up to 1e-15 relative).
std::vector<double> paper_offset_distribution(double epsilon, int k);

// The true per-character epsilon of the paper's mechanism over an alphabet of k symbols:
// max over input pairs and outputs of ln(P(out | in) / P(out | in')) = ln(max P[d] / min P[d]).
// Nominal epsilon holds only between adjacent codes; this is what it guarantees between any two.
double paper_true_epsilon(double epsilon, int k);

// Draws a private symbol index in [0, k) for `value` in [0, k).
Result<int> privatize_symbol(int value, int k, double epsilon, Mechanism mechanism, SecureRandom& rng);

}  // namespace shroud::dp
