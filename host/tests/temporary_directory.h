#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>

namespace unifork::testing {

// A scratch directory removed with everything in it when the test ends.
class TemporaryDirectory {
public:
    TemporaryDirectory()
    {
        auto const* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base && *base ? base : "/tmp") + "/unifork-test-XXXXXX";
        if (!::mkdtemp(pattern.data()))
            throw std::runtime_error("mkdtemp failed");
        m_path = pattern;
    }
    ~TemporaryDirectory()
    {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    TemporaryDirectory(TemporaryDirectory const&) = delete;
    TemporaryDirectory& operator=(TemporaryDirectory const&) = delete;

    std::string const& path() const { return m_path; }
    std::string operator/(std::string const& relative) const { return m_path + "/" + relative; }

    // Creates a file (and its parents) with `contents` and `mode`.
    std::string write_file(std::string const& relative, std::string const& contents, mode_t mode = 0644) const
    {
        auto full = *this / relative;
        std::filesystem::create_directories(std::filesystem::path(full).parent_path());
        std::ofstream(full, std::ios::binary) << contents;
        ::chmod(full.c_str(), mode);
        return full;
    }

private:
    std::string m_path;
};

}
