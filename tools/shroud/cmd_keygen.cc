// shroud keygen KEYSET [--rotate | --recipient PUB | --disable ID | --enable ID | --list]
//
// Without options: creates a new keyset (mode 0600) with one symmetric primary key.
// --rotate: adds a new symmetric key and makes it primary (old keys still open old files).
// --recipient PUB: adds an X25519 pair (creating KEYSET if missing) and writes its public half
// to PUB, for cameras (`protect --recipient PUB`). --list prints ids, never material.
// --scheme NAME -o FILE: a scheme key file for `protect --method NAME` (paper schemes;
// docs/schemes.md); --scheme sisa makes a keyset (SISA is built on the seal).
// --signer OUT [--name NAME]: an Ed25519 device signing key (OUT, mode 0600) and its public half
// (OUT.pub) for signed provenance (docs/provenance.md).
#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "commands.h"
#include "shroud/image_io.h"
#include "shroud/keys.h"
#include "shroud/schemes/scheme_file.h"
#include "shroud/signer.h"

namespace shroud::cli {
namespace {
// Named as the file, so unity builds (SHROUD_UNITY) can batch the commands together.
namespace cmd_keygen {

struct Opts {
  std::string keyset;
  bool rotate = false;
  std::string recipient;
  std::int64_t disable = 0;
  std::int64_t enable = 0;
  bool list = false;
  bool force = false;
  bool discard_old_keys = false;
  std::string scheme;
  std::string output;
  int block_size = 8;
  std::string signer;
  std::string name;
};

// A secret key file is replaced only with --discard-old-keys: every file sealed with its keys
// becomes unrecoverable. --force alone (for public key files) never replaces one.
Status refuse_replacing(const std::string& path, const Opts& o) {
  std::error_code ec;
  if (o.discard_old_keys || !std::filesystem::exists(std::filesystem::symlink_status(path, ec))) return ok_status();
  return make_error(ErrorCode::kInvalidArgument,
                    "'" + path + "' exists; replacing it makes every file sealed with its keys unrecoverable. "
                    "Use --rotate to add a key, or --discard-old-keys to replace it anyway");
}

Status run_scheme(Opts o) {
  if (o.keyset.empty() == o.output.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "give the key file once: `shroud keygen --scheme NAME -o FILE`");
  }
  const std::string path = o.output.empty() ? o.keyset : o.output;
  if (o.rotate || !o.recipient.empty() || o.disable != 0 || o.enable != 0 || o.list) {
    return make_error(ErrorCode::kInvalidArgument, "--scheme cannot be combined with --rotate, --recipient, --disable, --enable, --list");
  }
  if (o.scheme == "sisa") {   // SISA on the seal: an ordinary keyset
    SHROUD_RETURN_IF_ERROR(refuse_replacing(path, o));
    SHROUD_ASSIGN_OR_RETURN(Keyset ks, Keyset::generate());
    SHROUD_RETURN_IF_ERROR(save_keyset(ks, path, o.discard_old_keys));
    spdlog::info("created keyset {} (mode 0600) for --method sisa, primary key {}", path, ks.primary_id());
    return ok_status();
  }
  SHROUD_ASSIGN_OR_RETURN(schemes::SchemeMethod method, schemes::parse_scheme_method(o.scheme));
  SHROUD_ASSIGN_OR_RETURN(schemes::SchemeKey key, schemes::generate_scheme_key(method, o.block_size));
  SHROUD_RETURN_IF_ERROR(refuse_replacing(path, o));
  SHROUD_RETURN_IF_ERROR(schemes::save_scheme_key(key, path, o.discard_old_keys));
  spdlog::info("created {} key file {} (mode 0600); keep it secret: it recovers every image protected with it",
               o.scheme, path);
  return ok_status();
}

Status list_keys(const Keyset& ks) {
  for (const auto& k : ks.keys()) {
    fmt::print("{:>10}  {:<8}  {:<30}  {}{}\n", k.id, k.status == KeyStatus::kEnabled ? "enabled" : "disabled",
               key_algorithm_name(k.algorithm), k.created, k.primary ? "  (primary)" : "");
  }
  return ok_status();
}

// A device signing key: the secret file first (mode 0600), then OUT.pub, as for recipient keys.
Status run_signer(const Opts& o) {
  if (!o.keyset.empty() || !o.scheme.empty() || !o.output.empty() || o.rotate || !o.recipient.empty() || o.disable != 0 ||
      o.enable != 0 || o.list) {
    return make_error(ErrorCode::kInvalidArgument, "--signer OUT makes a signing key on its own: `shroud keygen --signer OUT [--name NAME]`");
  }
  const std::string pub_path = o.signer + ".pub";
  SHROUD_RETURN_IF_ERROR(refuse_replacing(o.signer, o));
  SHROUD_RETURN_IF_ERROR(check_write_target(pub_path, o.force));
  SHROUD_ASSIGN_OR_RETURN(SignerKey key, SignerKey::generate(o.name));
  SHROUD_RETURN_IF_ERROR(save_signer(key, o.signer, o.discard_old_keys));
  const std::string text = signer_public_to_json(key.public_key());
  WriteOptions wo;
  wo.overwrite = o.force;
  SHROUD_RETURN_IF_ERROR(write_file_atomic(pub_path, {text.begin(), text.end()}, wo));
  spdlog::info("created signing key {} (mode 0600), id {}; public key written to {}", o.signer, key.public_key().id, pub_path);
  return ok_status();
}

Status run(const Opts& o) {
  if (!o.signer.empty()) return run_signer(o);
  if (!o.name.empty()) return make_error(ErrorCode::kInvalidArgument, "--name applies to --signer");
  if (!o.scheme.empty()) return run_scheme(o);
  if (!o.output.empty()) return make_error(ErrorCode::kInvalidArgument, "-o is for --scheme key files; give the keyset as the argument");
  if (o.keyset.empty()) return make_error(ErrorCode::kInvalidArgument, "give a KEYSET file (or --scheme NAME -o FILE)");
  std::error_code ec;
  const bool exists = std::filesystem::exists(std::filesystem::symlink_status(o.keyset, ec));
  const int modes = int(o.rotate) + int(!o.recipient.empty()) + int(o.disable != 0) + int(o.enable != 0) + int(o.list);
  if (modes > 1) return make_error(ErrorCode::kInvalidArgument, "give only one of --rotate, --recipient, --disable, --enable, --list");
  if (modes == 0) {
    SHROUD_RETURN_IF_ERROR(refuse_replacing(o.keyset, o));
    SHROUD_ASSIGN_OR_RETURN(Keyset ks, Keyset::generate());
    SHROUD_RETURN_IF_ERROR(save_keyset(ks, o.keyset, o.discard_old_keys));
    spdlog::info("created keyset {} (mode 0600) with primary key {}", o.keyset, ks.primary_id());
    return ok_status();
  }
  if (!o.recipient.empty() && !exists) {
    SHROUD_ASSIGN_OR_RETURN(Keyset ks, Keyset::generate());
    SHROUD_ASSIGN_OR_RETURN(RecipientKey pub, ks.add_recipient());
    const std::string text = recipient_key_to_json(pub);
    // The keyset first: a public key is never handed out for a secret key that was not stored.
    SHROUD_RETURN_IF_ERROR(check_write_target(o.recipient, o.force));
    SHROUD_RETURN_IF_ERROR(save_keyset(ks, o.keyset, false));
    WriteOptions wo;
    wo.overwrite = o.force;
    SHROUD_RETURN_IF_ERROR(write_file_atomic(o.recipient, {text.begin(), text.end()}, wo));
    spdlog::info("created keyset {} with recipient key {}; public key written to {}", o.keyset, pub.id, o.recipient);
    return ok_status();
  }
  SHROUD_ASSIGN_OR_RETURN(Keyset ks, load_keyset(o.keyset));
  if (o.list) return list_keys(ks);
  if (o.rotate) {
    SHROUD_ASSIGN_OR_RETURN(std::uint32_t id, ks.rotate());
    SHROUD_RETURN_IF_ERROR(save_keyset(ks, o.keyset, true));
    spdlog::info("added key {} to {} as the new primary; older keys still open older files", id, o.keyset);
    return ok_status();
  }
  if (o.disable != 0 || o.enable != 0) {
    const std::int64_t id = o.disable != 0 ? o.disable : o.enable;
    if (id < 0 || id > 0xFFFFFFFFLL) return make_error(ErrorCode::kInvalidArgument, "key ids are 32-bit numbers");
    SHROUD_RETURN_IF_ERROR(ks.set_status(static_cast<std::uint32_t>(id), o.disable != 0 ? KeyStatus::kDisabled : KeyStatus::kEnabled));
    SHROUD_RETURN_IF_ERROR(save_keyset(ks, o.keyset, true));
    spdlog::info("key {} {}", id, o.disable != 0 ? "disabled" : "enabled");
    return ok_status();
  }
  SHROUD_ASSIGN_OR_RETURN(RecipientKey pub, ks.add_recipient());
  const std::string text = recipient_key_to_json(pub);
  SHROUD_RETURN_IF_ERROR(check_write_target(o.recipient, o.force));
  SHROUD_RETURN_IF_ERROR(save_keyset(ks, o.keyset, true));
  WriteOptions wo;
  wo.overwrite = o.force;
  SHROUD_RETURN_IF_ERROR(write_file_atomic(o.recipient, {text.begin(), text.end()}, wo));
  spdlog::info("added recipient key {} to {}; public key written to {}", pub.id, o.keyset, o.recipient);
  return ok_status();
}

}  // namespace cmd_keygen
}  // namespace

void add_keygen(CLI::App& app, Globals& g) {
  using namespace cmd_keygen;
  auto* cmd = app.add_subcommand("keygen", "create a keyset, rotate keys, or make a recipient key pair (docs/keys.md)");
  auto o = std::make_shared<Opts>();
  cmd->add_option("keyset", o->keyset, "keyset file (JSON, kept at mode 0600)");
  cmd->add_flag("--rotate", o->rotate, "add a new symmetric key and make it primary");
  cmd->add_option("--recipient", o->recipient, "add an X25519 recipient pair; write its public key to this file");
  cmd->add_option("--disable", o->disable, "disable the key with this id");
  cmd->add_option("--enable", o->enable, "re-enable the key with this id");
  cmd->add_flag("--list", o->list, "list key ids, algorithms and status (no key material)");
  cmd->add_flag("-f,--force", o->force, "replace an existing public key file (never a keyset or key file)");
  cmd->add_flag("--discard-old-keys", o->discard_old_keys,
                "replace an existing keyset or scheme key file: files sealed with its keys become unrecoverable");
  cmd->add_option("--scheme", o->scheme,
                  "make a scheme key file for protect --method NAME: msai-l, msai-paper, block-scramble, pbe, perceptual, "
                  "sisa-paper (sisa: a keyset)");
  cmd->add_option("-o,--output", o->output, "with --scheme: the key file to create (mode 0600)");
  cmd->add_option("--signer", o->signer, "make an Ed25519 device signing key OUT (mode 0600) and OUT.pub (docs/provenance.md)");
  cmd->add_option("--name", o->name, "with --signer: a name for the device, recorded in its public key");
  cmd->add_option("--block-size", o->block_size, "with --scheme block-scramble/msai-*: block side in pixels (default 8)")
      ->check(CLI::Range(1, 4096));
  cmd->callback([&g, o] {
    Status s = run(*o);
    if (!s.ok()) g.exit_code = report(s.error());
  });
}

}  // namespace shroud::cli
