// fuzz/replay_main.cc — runs a fuzz harness over files, without a fuzzing engine.
//
//   fuzz_replay_<h> PATH... [--optional PATH...]
//
// Each PATH is a file (run once) or a directory (every regular file in it, recursively, in
// sorted order). After --optional a missing PATH counts as an empty directory (CMake passes
// corpora/regressions/<h> that way). The harness aborts on a finding, so a clean exit means every
// input passed. Prints one line: "fuzz_replay: N inputs from M paths". Exit status 2 on bad usage
// or an unreadable path.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace fs = std::filesystem;

namespace {

bool read_file(const fs::path& p, std::vector<std::uint8_t>* out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  bool optional = false;
  std::vector<fs::path> files;
  int paths = 0;
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    if (a == "--optional") {
      optional = true;
      continue;
    }
    if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "fuzz_replay: unknown option '%s' (usage: %s PATH... [--optional PATH...])\n", a.c_str(),
                   argv[0]);
      return 2;
    }
    paths++;
    std::error_code ec;
    const fs::path p(a);
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        if (it->is_regular_file(ec)) found.push_back(it->path());
      }
      if (ec) {
        std::fprintf(stderr, "fuzz_replay: %s: cannot list: %s\n", a.c_str(), ec.message().c_str());
        return 2;
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      files.push_back(p);
    } else if (!optional) {
      std::fprintf(stderr, "fuzz_replay: %s: no such file or directory\n", a.c_str());
      return 2;
    }
  }
  if (paths == 0) {
    std::fprintf(stderr, "usage: %s PATH... [--optional PATH...]\n", argv[0]);
    return 2;
  }
  std::vector<std::uint8_t> data;
  for (const fs::path& f : files) {
    if (!read_file(f, &data)) {
      std::fprintf(stderr, "fuzz_replay: %s: cannot read\n", f.c_str());
      return 2;
    }
    // Announced first, so that an abort names its input.
    std::fprintf(stderr, "fuzz_replay: %s (%zu bytes)\n", f.c_str(), data.size());
    LLVMFuzzerTestOneInput(data.data(), data.size());
  }
  std::printf("fuzz_replay: %zu inputs from %d paths\n", files.size(), paths);
  return 0;
}
