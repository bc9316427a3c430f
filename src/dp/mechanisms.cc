#include <sys/random.h>

#include <cerrno>
#include <cmath>
#include <limits>

#include "shroud/dp.h"

namespace shroud::dp {

Status check_epsilon(double epsilon) {
  if (!std::isfinite(epsilon) || epsilon <= 0.0) {
    return make_error(ErrorCode::kInvalidArgument, "epsilon must be a finite number > 0");
  }
  if (epsilon > 1000.0) return make_error(ErrorCode::kInvalidArgument, "epsilon above 1000 is not privacy");
  return ok_status();
}

Result<std::uint64_t> SecureRandom::next_u64() {
  std::uint64_t v = 0;
  auto* p = reinterpret_cast<unsigned char*>(&v);
  std::size_t got = 0;
  while (got < sizeof v) {
    const ssize_t n = ::getrandom(p + got, sizeof v - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(ErrorCode::kInternal, "the OS random number generator failed");
    }
    got += static_cast<std::size_t>(n);
  }
  return v;
}

Result<double> SecureRandom::uniform_open() {
  for (;;) {
    SHROUD_ASSIGN_OR_RETURN(std::uint64_t v, next_u64());
    const std::uint64_t bits = v >> 11;  // 53 bits
    if (bits == 0) continue;
    return static_cast<double>(bits) * 0x1.0p-53;
  }
}

Result<std::uint64_t> SecureRandom::uniform_below(std::uint64_t n) {
  if (n == 0) return make_error(ErrorCode::kInvalidArgument, "empty range");
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % n;
  for (;;) {
    SHROUD_ASSIGN_OR_RETURN(std::uint64_t v, next_u64());
    if (v < limit) return v % n;
  }
}

Result<double> SecureRandom::laplace(double scale) {
  SHROUD_ASSIGN_OR_RETURN(double u, uniform_open());
  SHROUD_ASSIGN_OR_RETURN(std::uint64_t sign, next_u64());
  const double magnitude = -scale * std::log(u);  // exponential(scale)
  return (sign & 1) ? magnitude : -magnitude;
}

const char* mechanism_name(Mechanism m) { return m == Mechanism::kPaper ? "paper" : "rr"; }

Result<Mechanism> parse_mechanism(const std::string& name) {
  if (name == "paper" || name == "laplace") return Mechanism::kPaper;
  if (name == "rr" || name == "randomized-response") return Mechanism::kRandomizedResponse;
  return make_error(ErrorCode::kInvalidArgument, "unknown DP mechanism '" + name + "' (paper or rr)");
}

namespace {
// P(round(L) = m) for L ~ Laplace(0, 1/eps).
double rounded_laplace_pmf(long long m, double eps) {
  if (m == 0) return 1.0 - std::exp(-0.5 * eps);
  const double a = static_cast<double>(std::llabs(m));
  // CDF difference over [a - 0.5, a + 0.5] on one side: 0.5 (e^{-eps(a-0.5)} - e^{-eps(a+0.5)})
  return 0.5 * (std::exp(-eps * (a - 0.5)) - std::exp(-eps * (a + 0.5)));
}
}  // namespace

std::vector<double> paper_offset_distribution(double epsilon, int k) {
  std::vector<double> p(static_cast<std::size_t>(std::max(k, 1)), 0.0);
  if (k <= 1) {
    p.assign(1, 1.0);
    return p;
  }
  for (int d = 0; d < k; ++d) {
    // m = d + j k for all integers j; terms decay geometrically in |j|.
    double sum = 0.0;
    for (long long j = 0;; ++j) {
      const double t = rounded_laplace_pmf(d + j * k, epsilon);
      sum += t;
      if (t <= sum * 1e-17 || t == 0.0) break;
    }
    for (long long j = -1;; --j) {
      const double t = rounded_laplace_pmf(d + j * k, epsilon);
      sum += t;
      if (t <= sum * 1e-17 || t == 0.0) break;
    }
    p[static_cast<std::size_t>(d)] = sum;
  }
  return p;
}

double paper_true_epsilon(double epsilon, int k) {
  const auto p = paper_offset_distribution(epsilon, k);
  double lo = p[0], hi = p[0];
  for (double v : p) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  return lo > 0 ? std::log(hi / lo) : std::numeric_limits<double>::infinity();
}

Result<int> privatize_symbol(int value, int k, double epsilon, Mechanism mechanism, SecureRandom& rng) {
  SHROUD_RETURN_IF_ERROR(check_epsilon(epsilon));
  if (k < 1 || value < 0 || value >= k) return make_error(ErrorCode::kInvalidArgument, "symbol outside its alphabet");
  if (k == 1) return 0;
  if (mechanism == Mechanism::kPaper) {
    SHROUD_ASSIGN_OR_RETURN(double noise, rng.laplace(1.0 / epsilon));
    const double shifted = std::round(static_cast<double>(value) + noise);
    // Cyclic wrap into [0, k); fmod keeps the sign of the dividend.
    double wrapped = std::fmod(shifted, static_cast<double>(k));
    if (wrapped < 0) wrapped += k;
    return static_cast<int>(wrapped);
  }
  // Keep with probability e^eps / (e^eps + k - 1), else uniform over the other k - 1 symbols.
  const double keep = std::exp(epsilon) / (std::exp(epsilon) + k - 1);
  SHROUD_ASSIGN_OR_RETURN(double u, rng.uniform_open());
  if (u < keep) return value;
  SHROUD_ASSIGN_OR_RETURN(std::uint64_t other, rng.uniform_below(static_cast<std::uint64_t>(k - 1)));
  const int o = static_cast<int>(other);
  return o >= value ? o + 1 : o;
}

}  // namespace shroud::dp
