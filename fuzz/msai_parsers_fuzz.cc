// libFuzzer target: the MSAI message parsers (membrane, payload) and the JSON key/tau/scheme-key
// parsers. Every accepted input must re-serialise without crashing.
#include <string>
#include <vector>

#include "shroud/schemes/msai.h"
#include "shroud/schemes/scheme_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::uint8_t> bytes(data, data + size);
  shroud::schemes::MsaiLimits limits;
  limits.max_samples = 1 << 20;   // keep allocations small under the fuzzer
  limits.max_dimension = 4096;
  if (auto m = shroud::schemes::parse_membrane(bytes, limits); m.ok()) {
    (void)shroud::schemes::serialize_membrane(*m);
    (void)m->paper_lambda();
  }
  if (auto p = shroud::schemes::parse_payload(bytes, limits); p.ok()) {
    (void)shroud::schemes::serialize_payload(*p);
    (void)p->paper_masked();
  }
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (auto k = shroud::schemes::msai_key_from_json(text); k.ok()) (void)shroud::schemes::msai_key_to_json(*k);
  if (auto t = shroud::schemes::msai_tau_from_json(text); t.ok()) (void)shroud::schemes::msai_tau_to_json(*t);
  if (auto s = shroud::schemes::scheme_key_from_json(text); s.ok()) (void)shroud::schemes::scheme_key_to_json(*s);
  return 0;
}
