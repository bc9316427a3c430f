// `shroud msai`: the three roles run as separate processes exchanging files.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>

#include "shroud/image_io.h"
#include "cli_util.h"

namespace shroud {
namespace {
namespace schemes_msai_cli_test {  // one namespace per file: unity builds batch the tests

using shroud::testing::random_image;
using shroud::testing::TempDir;

using testing::run_shroud_quiet;

using shroud::testing::mats_equal;

void write_png(const cv::Mat& img, const std::string& path) {
  auto bytes = encode_image(img, "png");
  ASSERT_TRUE(bytes.ok());
  ASSERT_TRUE(write_file_atomic(path, *bytes).ok());
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 0777;
}

TEST(SchemesMsaiCli, ThreePartiesRoundTripBitExact) {
  SHROUD_REQUIRE_FILE(testing::shroud_bin());
  for (int type : {CV_8UC3, CV_16UC1}) {
    TempDir dir;
    auto f = [&](const char* name) { return "'" + dir.file(name) + "'"; };
    const cv::Mat img = random_image(53, 37, type, 5);
    write_png(img, dir.file("in.png"));
    ASSERT_EQ(run_shroud_quiet("msai camera request " + f("in.png") + " --region 3,4,20,30 -o " + f("req.json")), 0);
    ASSERT_EQ(run_shroud_quiet("msai cloud --request " + f("req.json") + " --key-out " + f("k.json") + " --membrane-out " +
                  f("m.msai")),
              0);
    ASSERT_EQ(run_shroud_quiet("msai datacenter tau -o " + f("tau.json")), 0);
    EXPECT_EQ(mode_of(dir.file("k.json")), 0600u);
    EXPECT_EQ(mode_of(dir.file("m.msai")), 0600u);
    EXPECT_EQ(mode_of(dir.file("tau.json")), 0600u);
    ASSERT_EQ(run_shroud_quiet("msai camera protect " + f("in.png") + " --membrane " + f("m.msai") + " --tau " + f("tau.json") +
                  " --region 3,4,20,30 --frame 7 -o " + f("vis.png") + " --payload " + f("p.msai")),
              0);
    ASSERT_EQ(run_shroud_quiet("msai datacenter recover " + f("vis.png") + " --payload " + f("p.msai") + " --key " + f("k.json") +
                  " --tau " + f("tau.json") + " -o " + f("out.png")),
              0);
    auto out = read_image(dir.file("out.png"));
    ASSERT_TRUE(out.ok());
    EXPECT_TRUE(mats_equal(out->pixels, img));
    auto vis = read_image(dir.file("vis.png"));
    ASSERT_TRUE(vis.ok());
    EXPECT_FALSE(mats_equal(vis->pixels, img));
    if (type != CV_8UC3) continue;   // the error paths once

    // A second key: rejected (exit code 6 = authentication), no output left behind.
    ASSERT_EQ(run_shroud_quiet("msai cloud --rows 30 --cols 20 --key-out " + f("k2.json") + " --membrane-out " + f("m2.msai")), 0);
    EXPECT_EQ(run_shroud_quiet("msai datacenter recover " + f("vis.png") + " --payload " + f("p.msai") + " --key " + f("k2.json") +
                  " --tau " + f("tau.json") + " -o " + f("bad.png")),
              6);
    EXPECT_FALSE(std::filesystem::exists(dir.file("bad.png")));
    // Existing output without --force.
    EXPECT_EQ(run_shroud_quiet("msai datacenter recover " + f("vis.png") + " --payload " + f("p.msai") + " --key " + f("k.json") +
                  " --tau " + f("tau.json") + " -o " + f("out.png")),
              2);
    // A key readable by others is refused (exit 7).
    std::filesystem::permissions(dir.file("k.json"), std::filesystem::perms::others_read,
                                 std::filesystem::perm_options::add);
    EXPECT_EQ(run_shroud_quiet("msai datacenter recover " + f("vis.png") + " --payload " + f("p.msai") + " --key " + f("k.json") +
                  " --tau " + f("tau.json") + " -o " + f("out2.png")),
              7);
    EXPECT_FALSE(std::filesystem::exists(dir.file("out2.png")));
    // Area larger than the membrane; non-PNG visible output.
    EXPECT_NE(run_shroud_quiet("msai camera protect " + f("in.png") + " --membrane " + f("m.msai") + " --tau " + f("tau.json") +
                  " --region 0,0,30,30 -o " + f("v2.png") + " --payload " + f("p2.msai")),
              0);
    EXPECT_FALSE(std::filesystem::exists(dir.file("v2.png")));
    EXPECT_FALSE(std::filesystem::exists(dir.file("p2.msai")));
    EXPECT_EQ(run_shroud_quiet("msai camera protect " + f("in.png") + " --membrane " + f("m.msai") + " --tau " + f("tau.json") +
                  " --region 3,4,20,30 -o " + f("v3.jpg") + " --payload " + f("p3.msai")),
              2);
    // A truncated payload.
    std::filesystem::resize_file(dir.file("p.msai"), 100);
    EXPECT_EQ(run_shroud_quiet("msai datacenter recover " + f("vis.png") + " --payload " + f("p.msai") + " --key " + f("k.json") +
                  " --tau " + f("tau.json") + " -o " + f("out3.png")),
              7);   // key permission is checked first
  }
}

}  // namespace schemes_msai_cli_test
}  // namespace
}  // namespace shroud
