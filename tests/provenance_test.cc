// Signed provenance (docs/provenance.md): signer key files, the record format, and end to end
// through the CLI: sign on a "camera" with a recipient key, verify and recover on the key
// holder's side; forgeries (recipient-mode containers without a trusted signature, an edited
// record, a container or carrier swapped under a genuine record, unknown signers, unsigned files
// with --require-signed) refused with no output.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <fstream>

#include "cli_util.h"
#include "shroud/container.h"
#include "shroud/engine.h"
#include "shroud/image_io.h"
#include "shroud/keys.h"
#include "shroud/provenance.h"
#include "shroud/signer.h"
#include "shroud/video_io.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace provenance_test {  // one namespace per file: unity builds batch the tests

using namespace shroud::testing;
namespace fs = std::filesystem;

std::vector<std::uint8_t> bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_bytes(const std::string& path, const std::vector<std::uint8_t>& b) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// ---- library: keys and records ------------------------------------------------------------

TEST(Provenance, SignerKeyFilesRoundTripAndArePrivate) {
  TempDir dir;
  auto key = SignerKey::generate("cam7");
  ASSERT_TRUE(key.ok()) << key.error().message;
  const std::string path = dir.file("cam.key");
  ASSERT_TRUE(save_signer(*key, path, false).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(save_signer(*key, path, false).ok()) << "an existing signing key is never replaced silently";
  auto loaded = load_signer(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->public_key().id, key->public_key().id);
  EXPECT_EQ(loaded->public_key().public_key, key->public_key().public_key);
  EXPECT_EQ(loaded->public_key().name, "cam7");
  EXPECT_EQ(key->public_key().id, signer_id(key->public_key().public_key));
  EXPECT_EQ(key->public_key().id.size(), 16u);
  // Same message, same signature from the reloaded key (Ed25519 is deterministic).
  const std::vector<std::uint8_t> msg = {1, 2, 3};
  EXPECT_EQ(*key->sign(msg), *loaded->sign(msg));
  ::chmod(path.c_str(), 0640);
  auto refused = load_signer(path);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kPermission);
  // Public file: parses back; an id that does not match its key is refused.
  const std::string pub = signer_public_to_json(key->public_key());
  auto p = parse_signer_public(pub);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->public_key, key->public_key().public_key);
  std::string bad = pub;
  const auto at = bad.find(key->public_key().id);
  bad[at] = bad[at] == '0' ? '1' : '0';
  EXPECT_FALSE(parse_signer_public(bad).ok());
  EXPECT_FALSE(parse_trusted_signers(bad).ok());
  // A public key is not a signing key, and the reverse.
  EXPECT_FALSE(parse_signer(pub).ok());
  // Trusted list with two keys; a duplicate is refused.
  auto other = SignerKey::generate();
  const std::string list = trusted_signers_to_json({key->public_key(), other->public_key()});
  auto trusted = parse_trusted_signers(list);
  ASSERT_TRUE(trusted.ok()) << trusted.error().message;
  EXPECT_EQ(trusted->size(), 2u);
  EXPECT_FALSE(parse_trusted_signers(trusted_signers_to_json({key->public_key(), key->public_key()})).ok());
}

TEST(Provenance, RecordSignsParsesVerifiesAndEveryFlippedByteFails) {
  auto key = SignerKey::generate("cam");
  auto stranger = SignerKey::generate("evil");
  ASSERT_TRUE(key.ok() && stranger.ok());
  nlohmann::json j = {{"subject", "image"}, {"payload", {{"blake2b", std::string(64, 'a')}}}, {"note", "x"}};
  auto rec = sign_provenance(j, *key);
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  const std::vector<SignerPublicKey> trusted = {key->public_key()};
  auto parsed = parse_provenance(*rec);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->size, rec->size());
  EXPECT_EQ(parsed->signer, key->public_key().id);
  EXPECT_EQ(parsed->json["note"], "x");
  auto who = verify_provenance(*parsed, trusted);
  ASSERT_TRUE(who.ok()) << who.error().message;
  EXPECT_EQ(who->id, key->public_key().id);
  // Unknown signer: kPermission.
  auto theirs = sign_provenance(j, *stranger);
  auto unknown = verify_provenance(*parse_provenance(*theirs), trusted);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kPermission);
  // Every byte flipped: the parser or the signature rejects it, never a silent accept.
  int rejected_by_signature = 0;
  for (std::size_t i = 0; i < rec->size(); ++i) {
    std::vector<std::uint8_t> t = *rec;
    t[i] ^= 0x01;
    auto p = parse_provenance(t);
    if (!p.ok()) continue;
    auto v = verify_provenance(*p, trusted);
    ASSERT_FALSE(v.ok()) << "byte " << i << " flipped was accepted";
    if (v.error().code == ErrorCode::kAuthentication) ++rejected_by_signature;
  }
  EXPECT_GT(rejected_by_signature, 64) << "the signature itself must reject flipped JSON and signature bytes";
  // Truncations and a record with nothing after it (as an image payload).
  for (std::size_t n : {std::size_t{0}, std::size_t{10}, std::size_t{24}, rec->size() - 1}) {
    EXPECT_FALSE(parse_provenance(std::span<const std::uint8_t>(rec->data(), n)).ok()) << n;
  }
  EXPECT_FALSE(split_signed_payload(*rec).ok());
  // An unsigned payload passes through unchanged.
  const std::vector<std::uint8_t> plain = {'S', 'H', 'R', 'D', 1, 2};
  auto split = split_signed_payload(plain);
  ASSERT_TRUE(split.ok());
  EXPECT_FALSE(split->record.has_value());
  EXPECT_EQ(split->container.size(), plain.size());
}

// ---- Engine with keys in memory ---------------------------------------------------------------

// The record names the models that found the regions, by hash (issue #13: "the detector and
// model hashes"): a cascade from Debian's opencv-data beside the manual boxes.
TEST(ProvenanceEngine, RecordNamesTheDetectorsModelFilesByHash) {
  TempDir dir;
  const std::string regions = dir.file("r.json");
  write_text(regions, R"({"regions":[{"kind":"face","box":[8,8,20,20]}]})");
  const std::string cascade = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_alt2.xml";
  if (!std::filesystem::exists(cascade)) GTEST_SKIP() << "missing " << cascade << " (Debian opencv-data)";
  auto ks = Keyset::generate();
  ASSERT_TRUE(ks.ok());
  auto signer = SignerKey::generate("cam");
  ASSERT_TRUE(signer.ok());
  EngineOptions po;
  po.detector = "manual:" + regions + ",cascade:haarcascade_frontalface_alt2.xml";
  po.method = "seal";
  EngineKeys pk;
  pk.keyset = std::make_shared<const Keyset>(std::move(*ks));
  pk.signer = std::make_shared<const SignerKey>(std::move(*signer));
  auto protector = Engine::create(po, pk);
  ASSERT_TRUE(protector.ok()) << protector.error().message;
  auto png = encode_image(random_image(48, 64, CV_8UC3, 4), "png");
  ASSERT_TRUE(png.ok());
  auto out = protector->protect_encoded(*png, "png", "a.png");
  ASSERT_TRUE(out.ok()) << out.error().message;
  auto split = split_signed_payload(out->report.container);
  ASSERT_TRUE(split.ok() && split->record.has_value());
  const nlohmann::json& models = split->record->json["detector"]["models"];
  ASSERT_EQ(models.size(), 1u) << models.dump();
  EXPECT_EQ(models[0]["file"], "haarcascade_frontalface_alt2.xml");
  const std::string bytes = read_text(cascade);
  EXPECT_EQ(models[0]["blake2b"], bytes_blake2b_hex({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}));
}

TEST(ProvenanceEngine, InMemorySignerAndTrustedSigners) {
  TempDir dir;
  const std::string regions = dir.file("r.json");
  write_text(regions, R"({"regions":[{"kind":"face","box":[8,8,20,20]}]})");
  auto ks = Keyset::generate();
  ASSERT_TRUE(ks.ok());
  auto rk = ks->add_recipient();
  ASSERT_TRUE(rk.ok());
  auto keyset = std::make_shared<const Keyset>(std::move(*ks));
  auto signer = SignerKey::generate("mem");
  ASSERT_TRUE(signer.ok());
  const SignerPublicKey pub = signer->public_key();
  auto shared_signer = std::make_shared<const SignerKey>(std::move(*signer));

  EngineOptions po;
  po.detector = "manual:" + regions;
  po.method = "seal";
  po.mask_scale = 1.0;
  EngineKeys pk;
  pk.recipient = *rk;
  pk.signer = shared_signer;
  auto protector = Engine::create(po, pk);
  ASSERT_TRUE(protector.ok()) << protector.error().message;
  const cv::Mat img = random_image(48, 64, CV_8UC3, 3);
  auto png = encode_image(img, "png");
  ASSERT_TRUE(png.ok());
  auto out = protector->protect_encoded(*png, "png", "a.png");
  ASSERT_TRUE(out.ok()) << out.error().message;
  ASSERT_TRUE(is_provenance_record(out->report.container));
  // protect_frame signs too: record || container bound to the frame's pixels as left.
  cv::Mat frame = img.clone();
  auto fr = protector->protect_frame(frame);
  ASSERT_TRUE(fr.ok()) << fr.error().message;
  ASSERT_TRUE(is_provenance_record(fr->container));

  EngineOptions ro;
  ro.mode = EngineOptions::Mode::kRecover;
  ro.require_signed = true;
  EngineKeys rkeys;
  rkeys.keyset = keyset;
  rkeys.trusted_signers = {pub};
  auto recoverer = Engine::create(ro, rkeys);
  ASSERT_TRUE(recoverer.ok()) << recoverer.error().message;
  auto rec = recoverer->recover_encoded(out->image, std::nullopt, "png");
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  EXPECT_EQ(rec->signed_by, pub.id + " (mem)");
  auto back = decode_image(rec->image);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(cv::norm(back->pixels, img, cv::NORM_INF), 0.0);
  auto frame_png = encode_image(frame, "png");
  auto rec_frame = recoverer->recover_encoded(*frame_png, fr->container, "png");
  ASSERT_TRUE(rec_frame.ok()) << rec_frame.error().message;
  auto back_frame = decode_image(rec_frame->image);
  EXPECT_EQ(cv::norm(back_frame->pixels, img, cv::NORM_INF), 0.0);
  // Another trusted list: unknown signer, refused (kPermission); no trusted list and
  // require_signed: refused at create().
  auto other = SignerKey::generate();
  EngineKeys wrong;
  wrong.keyset = keyset;
  wrong.trusted_signers = {other->public_key()};
  auto r2 = Engine::create(ro, wrong);
  ASSERT_TRUE(r2.ok());
  auto refused = r2->recover_encoded(out->image, std::nullopt, "png");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kPermission);
  EngineKeys none;
  none.keyset = keyset;
  EXPECT_FALSE(Engine::create(ro, none).ok());
  // JSON form of the options.
  auto j = EngineOptions::from_json_text(R"({"mode": "recover", "trusted_signers": "t.json", "allow_unsigned": true, "signer": ""})");
  ASSERT_TRUE(j.ok()) << j.error().message;
  EXPECT_EQ(j->trusted_signers, "t.json");
  EXPECT_TRUE(j->allow_unsigned);
  EXPECT_EQ(EngineOptions::from_json(j->to_json())->trusted_signers, "t.json");
  EXPECT_FALSE(EngineOptions::from_json_text(R"({"require_signed": true, "allow_unsigned": true})").ok());
}

// ---- CLI end to end -------------------------------------------------------------------------

class ProvenanceCli : public ::testing::Test {
 protected:
  void SetUp() override {
    // The "camera" input: a JPEG (so the coefficient path is exercised too).
    cv::Mat img = random_image(96, 128, CV_8UC3, 7);
    cv::GaussianBlur(img, img, cv::Size(5, 5), 2);
    in_ = dir_.file("in.jpg");
    ASSERT_TRUE(cv::imwrite(in_, img));
    regions_ = dir_.file("r.json");
    write_text(regions_, R"({"regions":[{"kind":"face","box":[16,16,40,40]},{"kind":"plate","box":[70,50,40,24]}]})");
    ASSERT_EQ(run_shroud({"-q", "keygen", dir_.file("dc.json"), "--recipient", dir_.file("dc.pub")}).exit_code, 0);
    auto r = run_shroud({"-q", "keygen", "--signer", dir_.file("cam.key"), "--name", "camera 7"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ASSERT_TRUE(fs::exists(dir_.file("cam.key.pub")));
    auto pub = parse_signer_public(read_text(dir_.file("cam.key.pub")));
    ASSERT_TRUE(pub.ok());
    cam_id_ = pub->id;
    ASSERT_EQ(run_shroud({"-q", "keygen", "--signer", dir_.file("evil.key")}).exit_code, 0);
  }

  RunResult protect(const std::string& out, std::vector<std::string> extra = {}, const std::string& in = "") {
    std::vector<std::string> args = {"-q", "protect", in.empty() ? in_ : in, "-o", out, "--regions-in", regions_,
                                     "--mask-scale", "1", "--method", "seal", "--recipient", dir_.file("dc.pub")};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_shroud(args);
  }
  RunResult verify(const std::string& file, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"verify", file, "--trusted", dir_.file("cam.key.pub")};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_shroud(args);
  }
  RunResult recover(const std::string& file, const std::string& out, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"-q", "recover", file, "-o", out, "--key", dir_.file("dc.json")};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_shroud(args);
  }
  std::string signer() { return dir_.file("cam.key"); }
  std::string trusted() { return dir_.file("cam.key.pub"); }

  TempDir dir_;
  std::string in_, regions_, cam_id_;
};

TEST_F(ProvenanceCli, SignedImagesVerifyAndRecoverExactlyPngSidecarJpeg) {
  const cv::Mat original = cv::imread(in_, cv::IMREAD_UNCHANGED);
  struct Case {
    std::string out;
    std::vector<std::string> extra;
    std::string sidecar;
  };
  const std::vector<Case> cases = {
      {dir_.file("a.png"), {}, ""},
      {dir_.file("b.png"), {"--sidecar"}, dir_.file("b.png.shroud")},
      {dir_.file("c.jpg"), {}, ""},  // JPEG coefficient path
      {dir_.file("d.jpg"), {"--jpeg-path", "pixel"}, ""},
  };
  for (const Case& c : cases) {
    std::vector<std::string> extra = c.extra;
    extra.insert(extra.end(), {"--signer", signer()});
    auto p = protect(c.out, extra);
    ASSERT_EQ(p.exit_code, 0) << c.out << ": " << p.output;
    std::vector<std::string> side;
    if (!c.sidecar.empty()) side = {"--sidecar", c.sidecar};
    auto v = verify(c.out, side);
    EXPECT_EQ(v.exit_code, 0) << c.out << ": " << v.output;
    EXPECT_NE(v.output.find("signed by " + cam_id_ + " (camera 7)"), std::string::npos) << v.output;
    auto j = verify(c.out, [&] { auto s = side; s.push_back("--json"); return s; }());
    ASSERT_EQ(j.exit_code, 0) << j.output;
    const auto rec = nlohmann::json::parse(j.output.substr(j.output.find('{')));
    EXPECT_EQ(rec["signer"], cam_id_);
    EXPECT_EQ(rec["payload"]["key_mode"], "recipient");
    EXPECT_EQ(rec["redaction"]["protected"].size(), 2u);
    EXPECT_EQ(rec["redaction"]["protected"][0]["kind"], "face");
    EXPECT_EQ(rec["policy"]["blake2b"].get<std::string>().size(), 64u);
    EXPECT_EQ(rec["detector"]["spec"], "manual:" + regions_);
    const std::string rec_out = c.out + ".rec.png";
    std::vector<std::string> rx = side;
    rx.insert(rx.end(), {"--trusted", trusted(), "--require-signed"});
    auto r = recover(c.out, rec_out, rx);
    ASSERT_EQ(r.exit_code, 0) << c.out << ": " << r.output;
    const cv::Mat back = cv::imread(rec_out, cv::IMREAD_UNCHANGED);
    ASSERT_EQ(back.size(), original.size());
    // The sealed regions come back exactly (outside them a JPEG carrier is lossy).
    // (The coefficient path, c.jpg, is checked byte for byte below.)
    if (c.out != dir_.file("c.jpg")) {
      for (const cv::Rect box : {cv::Rect(16, 16, 40, 40), cv::Rect(70, 50, 40, 24)}) {
        EXPECT_EQ(cv::norm(back(box), original(box), cv::NORM_INF), 0.0) << c.out;
      }
    }
    if (c.out == dir_.file("a.png") || c.out == dir_.file("b.png")) {
      EXPECT_EQ(cv::norm(back, original, cv::NORM_INF), 0.0) << "lossless carrier: the whole image is the original";
    }
  }
  // Coefficient path written back as JPEG: the original file, byte for byte.
  ASSERT_EQ(recover(dir_.file("c.jpg"), dir_.file("c.rec.jpg"), {"--trusted", trusted()}).exit_code, 0);
  EXPECT_EQ(bytes_of(dir_.file("c.rec.jpg")), bytes_of(in_));
}

// The recipient-mode forgery: the attacker holds dc.pub (every camera does) but no trusted
// signing key. Containers they build are accepted without --trusted (the old gap) and refused
// with it, whether unsigned, signed by their own key, or glued under a genuine record.
TEST_F(ProvenanceCli, RecipientModeForgeriesAreRefused) {
  ASSERT_EQ(protect(dir_.file("genuine.png"), {"--sidecar", "--signer", signer()}).exit_code, 0);
  // Attacker: other "originals" in the regions, same visible carrier (the fill placeholder
  // covers the regions), sealed to the public key.
  cv::Mat fake = cv::imread(in_, cv::IMREAD_UNCHANGED);
  fake(cv::Rect(16, 16, 40, 40)).setTo(cv::Scalar(0, 0, 255));
  const std::string fake_in = dir_.file("fake.png");
  ASSERT_TRUE(cv::imwrite(fake_in, fake));
  ASSERT_EQ(protect(dir_.file("forged.png"), {"--sidecar", "--jpeg-path", "pixel"}, fake_in).exit_code, 0);
  ASSERT_EQ(protect(dir_.file("evil.png"), {"--sidecar", "--signer", dir_.file("evil.key")}, fake_in).exit_code, 0);
  const std::string genuine = dir_.file("genuine.png"), genuine_side = genuine + ".shroud";
  // The fill placeholder makes the carriers identical: the forged container fits the genuine carrier.
  const std::vector<std::string> forged_side = {"--sidecar", dir_.file("forged.png.shroud")};
  auto gap = recover(genuine, dir_.file("gap.png"), forged_side);
  ASSERT_EQ(gap.exit_code, 0) << "the forgery needs a matching carrier to be meaningful: " << gap.output;

  // 1. Unsigned forged container: refused with --trusted (exit 3), and by verify.
  auto r1 = recover(genuine, dir_.file("o1.png"), {"--sidecar", dir_.file("forged.png.shroud"), "--trusted", trusted()});
  EXPECT_EQ(r1.exit_code, 3) << r1.output;
  EXPECT_NE(r1.output.find("not signed"), std::string::npos) << r1.output;
  EXPECT_FALSE(fs::exists(dir_.file("o1.png")));
  EXPECT_EQ(verify(genuine, {"--sidecar", dir_.file("forged.png.shroud")}).exit_code, 3);
  // 2. Signed by the attacker's own key: unknown signer (exit 7).
  auto r2 = recover(genuine, dir_.file("o2.png"), {"--sidecar", dir_.file("evil.png.shroud"), "--trusted", trusted()});
  EXPECT_EQ(r2.exit_code, 7) << r2.output;
  EXPECT_NE(r2.output.find("unknown signer"), std::string::npos) << r2.output;
  EXPECT_FALSE(fs::exists(dir_.file("o2.png")));
  // 3. The genuine record glued onto the forged container: the container digest differs (exit 6).
  const auto g = bytes_of(genuine_side);
  auto split = split_signed_payload(g);
  ASSERT_TRUE(split.ok() && split->record.has_value());
  std::vector<std::uint8_t> glued(g.begin(), g.begin() + static_cast<std::ptrdiff_t>(split->record->size));
  const auto forged = bytes_of(dir_.file("forged.png.shroud"));
  glued.insert(glued.end(), forged.begin(), forged.end());
  write_bytes(dir_.file("glued.shroud"), glued);
  auto r3 = recover(genuine, dir_.file("o3.png"), {"--sidecar", dir_.file("glued.shroud"), "--trusted", trusted()});
  EXPECT_EQ(r3.exit_code, 6) << r3.output;
  EXPECT_NE(r3.output.find("container is not the one"), std::string::npos) << r3.output;
  EXPECT_FALSE(fs::exists(dir_.file("o3.png")));
  EXPECT_EQ(verify(genuine, {"--sidecar", dir_.file("glued.shroud")}).exit_code, 6);
  // The genuine file still verifies and recovers.
  EXPECT_EQ(recover(genuine, dir_.file("ok.png"), {"--sidecar", genuine_side, "--trusted", trusted()}).exit_code, 0);
}

TEST_F(ProvenanceCli, EditedRecordSwappedCarrierUnknownSignerAndUnsignedFiles) {
  ASSERT_EQ(protect(dir_.file("s.png"), {"--sidecar", "--signer", signer()}).exit_code, 0);
  const std::string side = dir_.file("s.png.shroud");
  const auto good = bytes_of(side);
  auto parsed = parse_provenance(good);
  ASSERT_TRUE(parsed.ok());
  // Edited record bytes: a JSON byte (the time's last digit) and a signature byte.
  const std::string text(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(parsed->size));
  const std::size_t time_at = text.find("\"time\":\"") + 8 + 18;   // the seconds' last digit
  for (std::size_t at : {time_at, parsed->size - 1}) {
    auto t = good;
    t[at] ^= 0x01;
    write_bytes(dir_.file("edited.shroud"), t);
    auto v = verify(dir_.file("s.png"), {"--sidecar", dir_.file("edited.shroud")});
    EXPECT_EQ(v.exit_code, 6) << at << ": " << v.output;
    EXPECT_NE(v.output.find("bad signature"), std::string::npos) << v.output;
    auto r = recover(dir_.file("s.png"), dir_.file("e.png"), {"--sidecar", dir_.file("edited.shroud"), "--trusted", trusted(),
                                                               "--allow-unsigned"});
    EXPECT_EQ(r.exit_code, 6) << "--allow-unsigned never accepts a bad signature: " << r.output;
    EXPECT_FALSE(fs::exists(dir_.file("e.png")));
  }
  // Swapped carrier: the genuine container and record beside another image of the same size.
  cv::Mat other = cv::imread(dir_.file("s.png"), cv::IMREAD_UNCHANGED);
  other(cv::Rect(0, 0, 8, 8)).setTo(cv::Scalar(1, 2, 3));
  ASSERT_TRUE(cv::imwrite(dir_.file("swapped.png"), other));
  auto sw = verify(dir_.file("swapped.png"), {"--sidecar", side});
  EXPECT_EQ(sw.exit_code, 6) << sw.output;
  EXPECT_NE(sw.output.find("pixels differ"), std::string::npos) << sw.output;
  EXPECT_EQ(recover(dir_.file("swapped.png"), dir_.file("sw.png"), {"--sidecar", side, "--trusted", trusted()}).exit_code, 6);
  EXPECT_FALSE(fs::exists(dir_.file("sw.png")));
  // Unknown signer: refused, accepted with --allow-unsigned (and a warning).
  auto other_trusted = run_shroud({"verify", dir_.file("s.png"), "--sidecar", side, "--trusted", dir_.file("evil.key.pub")});
  EXPECT_EQ(other_trusted.exit_code, 7) << other_trusted.output;
  auto allowed = recover(dir_.file("s.png"), dir_.file("al.png"),
                         {"--sidecar", side, "--trusted", dir_.file("evil.key.pub"), "--allow-unsigned"});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.output;
  // Unsigned file: recovers as before without flags; refused with --trusted / --require-signed.
  ASSERT_EQ(protect(dir_.file("u.png")).exit_code, 0);
  EXPECT_EQ(recover(dir_.file("u.png"), dir_.file("u1.png")).exit_code, 0);
  auto req = recover(dir_.file("u.png"), dir_.file("u2.png"), {"--trusted", trusted(), "--require-signed"});
  EXPECT_EQ(req.exit_code, 3) << req.output;
  EXPECT_FALSE(fs::exists(dir_.file("u2.png")));
  EXPECT_EQ(recover(dir_.file("u.png"), dir_.file("u3.png"), {"--require-signed"}).exit_code, 2) << "needs --trusted";
  EXPECT_EQ(verify(dir_.file("u.png")).exit_code, 3);
  // Signed file without --trusted: recovers, with a warning that the record was not checked.
  auto unchecked = run_shroud({"recover", dir_.file("s.png"), "-o", dir_.file("uc.png"), "--key", dir_.file("dc.json"),
                               "--sidecar", side});
  EXPECT_EQ(unchecked.exit_code, 0) << unchecked.output;
  EXPECT_NE(unchecked.output.find("not checked"), std::string::npos) << unchecked.output;
  // A secret key as the trusted list, and --signer with a non-seal method, are refused.
  EXPECT_NE(verify(dir_.file("s.png"), {"--sidecar", side, "--trusted", signer()}).exit_code, 0);
  EXPECT_EQ(run_shroud({"-q", "protect", in_, "-o", dir_.file("f.png"), "--regions-in", regions_, "--method", "fill",
                        "--signer", signer()}).exit_code, 2);
}

TEST_F(ProvenanceCli, KeygenSignerNeverReplacesAKeyAndBadTrustedFilesAreErrors) {
  const std::string before = read_text(signer());
  auto again = run_shroud({"-q", "keygen", "--signer", signer(), "-f"});
  EXPECT_EQ(again.exit_code, 2) << again.output;
  EXPECT_EQ(read_text(signer()), before) << "-f replaces only a public file, never a signing key";
  EXPECT_EQ(run_shroud({"-q", "keygen", "--signer", dir_.file("x.key"), "--rotate"}).exit_code, 2);
  ASSERT_EQ(protect(dir_.file("k.png"), {"--signer", signer()}).exit_code, 0);
  // Malformed trusted lists: an error before anything is checked (exit 5), never "verified".
  for (const char* text : {R"({"format": "shroud-trusted-signers", "version": 1, "signers": []})", "not json",
                           R"({"format": "shroud-trusted-signers", "version": 2, "signers": []})"}) {
    write_text(dir_.file("bad.json"), text);
    auto r = run_shroud({"verify", dir_.file("k.png"), "--trusted", dir_.file("bad.json")});
    EXPECT_EQ(r.exit_code, 5) << text << ": " << r.output;
    auto rc = recover(dir_.file("k.png"), dir_.file("k.rec.png"), {"--trusted", dir_.file("bad.json")});
    EXPECT_EQ(rc.exit_code, 5) << rc.output;
    EXPECT_FALSE(fs::exists(dir_.file("k.rec.png")));
  }
  // A trusted list naming two devices accepts either.
  auto a = parse_signer_public(read_text(trusted()));
  auto b = parse_signer_public(read_text(dir_.file("evil.key.pub")));
  write_text(dir_.file("two.json"), trusted_signers_to_json({*b, *a}));
  EXPECT_EQ(run_shroud({"verify", dir_.file("k.png"), "--trusted", dir_.file("two.json")}).exit_code, 0);
}

TEST_F(ProvenanceCli, SignedVideoTrackVerifiesRecoversAndDetectsTampering) {
  VideoWriterOptions o;
  o.path = dir_.file("in.avi");
  o.size = cv::Size(128, 96);
  o.fps = 12;
  o.codec = "mpeg4";
  auto w = VideoWriter::open(o);
  ASSERT_TRUE(w.ok()) << w.error().message;
  for (int i = 0; i < 12; ++i) ASSERT_TRUE((*w)->write(random_image(96, 128, CV_8UC3, 50 + i)).ok());
  ASSERT_TRUE((*w)->finish().ok());
  const std::string video = dir_.file("out.mkv"), track = video + ".shroudv";
  auto p = run_shroud({"-q", "protect", o.path, "-o", video, "-d", "manual:" + regions_, "--method", "seal", "--recipient",
                       dir_.file("dc.pub"), "--signer", signer(), "--codec", "ffv1"});
  ASSERT_EQ(p.exit_code, 0) << p.output;
  auto v = verify(video);
  ASSERT_EQ(v.exit_code, 0) << v.output;
  EXPECT_NE(v.output.find("signed by " + cam_id_), std::string::npos) << v.output;
  EXPECT_NE(v.output.find("video, 24 region(s)"), std::string::npos) << v.output;
  auto r = recover(video, dir_.file("rec.mkv"), {"--trusted", trusted(), "--require-signed"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(recover(video, dir_.file("rec2.mkv")).exit_code, 0) << "a signed track recovers without --trusted too";
  const auto good_track = bytes_of(track);
  // A record byte edited (the signature's last byte): bad signature.
  auto t = good_track;
  t.back() ^= 0x01;
  write_bytes(track, t);
  EXPECT_EQ(verify(video).exit_code, 6);
  EXPECT_EQ(recover(video, dir_.file("rec3.mkv"), {"--trusted", trusted()}).exit_code, 6);
  EXPECT_FALSE(fs::exists(dir_.file("rec3.mkv")));
  // The record cut off: an unsigned track (refused with --trusted, still recovers without).
  auto parsed_at = good_track.size();
  for (std::size_t i = 0; i + 8 <= good_track.size(); ++i) {
    if (is_provenance_record({good_track.data() + i, good_track.size() - i})) parsed_at = i;
  }
  ASSERT_LT(parsed_at, good_track.size());
  write_bytes(track, std::vector<std::uint8_t>(good_track.begin(), good_track.begin() + static_cast<std::ptrdiff_t>(parsed_at)));
  EXPECT_EQ(verify(video).exit_code, 3);
  EXPECT_EQ(recover(video, dir_.file("rec4.mkv"), {"--trusted", trusted()}).exit_code, 3);
  EXPECT_EQ(recover(video, dir_.file("rec5.mkv")).exit_code, 0);
  // Junk after the final record (not a record) is still refused by the reader.
  auto junk = std::vector<std::uint8_t>(good_track.begin(), good_track.begin() + static_cast<std::ptrdiff_t>(parsed_at));
  junk.push_back(0);
  write_bytes(track, junk);
  EXPECT_EQ(recover(video, dir_.file("rec6.mkv")).exit_code, 5);
  // The genuine track over another video (a changed file): the carrier does not match.
  write_bytes(track, good_track);
  auto vid = bytes_of(video);
  write_bytes(dir_.file("copy.mkv"), vid);
  std::ofstream(dir_.file("copy.mkv"), std::ios::binary | std::ios::app) << '\0';
  auto sw = verify(dir_.file("copy.mkv"), {"--track", track});
  EXPECT_EQ(sw.exit_code, 6) << sw.output;
  EXPECT_NE(sw.output.find("the video is not the one"), std::string::npos) << sw.output;
}

}  // namespace provenance_test
}  // namespace
}  // namespace shroud
