// shroud.Keyset and shroud.RecipientKey (include/shroud/keys.h; docs/keys.md for the file format).
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <filesystem>

#include "py_common.h"
#include "py_keys.h"
#include "shroud/schemes/scheme_file.h"

namespace shroud::py {
namespace {

void check_mutable(const PyKeyset& k) {
  if (k.frozen) {
    throw pyb::value_error("this Keyset is in use by an Engine and cannot change; save it, change a copy "
                           "(Keyset.load) and build a new Engine from that");
  }
}

const char* status_name(KeyStatus s) { return s == KeyStatus::kEnabled ? "enabled" : "disabled"; }

}  // namespace

void bind_keys(pyb::module_& m) {
  pyb::class_<RecipientKey>(m, "RecipientKey",
                            "The public half of a recipient (X25519) key pair: safe to give to cameras. An\n"
                            "Engine built with recipient=RecipientKey seals to it and can never open what it\n"
                            "sealed; the keyset holding the pair recovers.")
      .def_static("load", [](const std::filesystem::path& path) { return unwrap(load_recipient_key(path.string())); }, pyb::arg("path"),
                  "Reads a recipient public key file (JSON).")
      .def_static("from_json", [](const std::string& text) { return unwrap(parse_recipient_key(text)); },
                  pyb::arg("text"), "Parses a recipient public key from its JSON text.")
      .def("to_json", [](const RecipientKey& k) { return recipient_key_to_json(k); },
           "The JSON text of the public key file (no secrets).")
      .def_property_readonly("id", [](const RecipientKey& k) { return k.id; }, "Key id (32-bit, non-zero).")
      .def_property_readonly("public_key",
                             [](const RecipientKey& k) {
                               return pyb::bytes(reinterpret_cast<const char*>(k.public_key.data()), k.public_key.size());
                             },
                             "The 32-byte X25519 public key.")
      .def_property_readonly("created", [](const RecipientKey& k) { return k.created; }, "Creation time, RFC 3339 UTC.")
      .def("__repr__", [](const RecipientKey& k) { return "RecipientKey(id=" + std::to_string(k.id) + ")"; });

  m.def(
      "generate_scheme_key",
      [](const std::string& scheme, const std::filesystem::path& path, int block_size, bool overwrite) {
        if (scheme == "sisa") {
          throw pyb::value_error("sisa is built on the seal: use a shroud.Keyset (Keyset.generate())");
        }
        const schemes::SchemeMethod method = unwrap(schemes::parse_scheme_method(scheme));
        const schemes::SchemeKey key = unwrap(schemes::generate_scheme_key(method, block_size));
        check(schemes::save_scheme_key(key, path.string(), overwrite));
      },
      pyb::arg("scheme"), pyb::arg("path"), pyb::kw_only(), pyb::arg("block_size") = schemes::kDefaultBlockSize,
      pyb::arg("overwrite") = false,
      "Writes a new key file (mode 0600) for a paper scheme: msai-l, msai-paper, block-scramble, pbe, "
      "perceptual or sisa-paper (`shroud keygen --scheme NAME -o PATH`). Use it as Engine(method=scheme, "
      "key=path). These schemes are obfuscation, not encryption (docs/schemes.md); an existing file is "
      "replaced only with overwrite=True, which strands every image protected with the old key.");

  pyb::class_<PyKeyset, std::shared_ptr<PyKeyset>>(
      m, "Keyset",
      "Secret keys for seal (symmetric master keys) and recipient key pairs (include/shroud/keys.h).\n\n"
      "Key material never leaves the library except through save(), which writes the file with mode\n"
      "0600. load() refuses a file that group or others can read. Once given to Engine(keyset=...)\n"
      "(even if that fails), the Keyset is frozen: rotate(), add_recipient(), disable() and enable() raise\n"
      "ValueError, because an Engine's keys never change while it runs.")
      .def_static("generate",
                  [] {
                    auto k = std::make_shared<PyKeyset>();
                    k->keyset = std::make_shared<Keyset>(unwrap(Keyset::generate()));
                    return k;
                  },
                  "A new keyset with one freshly generated symmetric key (primary).")
      .def_static("load",
                  [](const std::filesystem::path& path) {
                    auto k = std::make_shared<PyKeyset>();
                    k->keyset = std::make_shared<Keyset>(unwrap(load_keyset(path.string())));
                    return k;
                  },
                  pyb::arg("path"),
                  "Reads a keyset file; PermissionDeniedError when group or others may read it, CorruptError "
                  "when malformed, NotFoundError when missing.")
      .def("save",
           [](const PyKeyset& k, const std::filesystem::path& path, bool overwrite) {
             check(save_keyset(*k.keyset, path.string(), overwrite));
           },
           pyb::arg("path"), pyb::arg("overwrite") = false,
           "Writes the keyset atomically with mode 0600. An existing file is an error unless overwrite; a "
           "symlink at path is always refused.")
      .def("rotate",
           [](PyKeyset& k) {
             check_mutable(k);
             return unwrap(k.keyset->rotate());
           },
           "Adds a new symmetric key and makes it primary (older keys still open what they sealed). Returns its id.")
      .def("add_recipient",
           [](PyKeyset& k) {
             check_mutable(k);
             return unwrap(k.keyset->add_recipient());
           },
           "Adds an X25519 recipient key pair; returns its public half (a RecipientKey).")
      .def("disable",
           [](PyKeyset& k, std::uint32_t id) {
             check_mutable(k);
             check(k.keyset->set_status(id, KeyStatus::kDisabled));
           },
           pyb::arg("id"), "Disables key `id` (it opens nothing); the primary cannot be disabled.")
      .def("enable",
           [](PyKeyset& k, std::uint32_t id) {
             check_mutable(k);
             check(k.keyset->set_status(id, KeyStatus::kEnabled));
           },
           pyb::arg("id"), "Enables key `id` again.")
      .def("recipient", [](const PyKeyset& k, std::uint32_t id) { return unwrap(k.keyset->recipient(id)); },
           pyb::arg("id"), "The public half of recipient key `id`.")
      .def_property_readonly("primary_id", [](const PyKeyset& k) { return k.keyset->primary_id(); },
                             "Id of the primary symmetric key (the one seal uses).")
      .def_property_readonly("frozen", [](const PyKeyset& k) { return k.frozen; },
                             "True once given to an Engine (it can no longer change).")
      .def("keys",
           [](const PyKeyset& k) {
             pyb::list out;
             for (const auto& info : k.keyset->keys()) {
               pyb::dict d;
               d["id"] = info.id;
               d["algorithm"] = std::string(key_algorithm_name(info.algorithm));
               d["status"] = std::string(status_name(info.status));
               d["created"] = info.created;
               d["primary"] = info.primary;
               out.append(d);
             }
             return out;
           },
           "What may be shown about each key, as dicts: id, algorithm, status, created, primary (no material).")
      .def("__repr__", [](const PyKeyset& k) {
        return "Keyset(primary_id=" + std::to_string(k.keyset->primary_id()) + ", keys=" +
               std::to_string(k.keyset->keys().size()) + (k.frozen ? ", frozen" : "") + ")";
      });
}

}  // namespace shroud::py
