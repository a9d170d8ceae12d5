#include "cli/arguments.h"

#include "common/failure.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <optional>

namespace unifork::cli {

std::uint64_t parse_memory_size(std::string_view text)
{
    auto invalid = [&](std::string const& why) {
        return UsageError("--mem: invalid size \"" + std::string(text) + "\": " + why);
    };
    if (text.empty())
        throw invalid("empty");
    std::uint64_t multiplier = 1;
    auto digits = text;
    switch (text.back()) {
    case 'm': case 'M': multiplier = 1; digits.remove_suffix(1); break;
    case 'g': case 'G': multiplier = 1024; digits.remove_suffix(1); break;
    case 't': case 'T': multiplier = 1024 * 1024; digits.remove_suffix(1); break;
    default: break;
    }
    if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
        throw invalid("expected a whole number with an optional M, G or T suffix");
    std::uint64_t value = 0;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (error != std::errc {} || end != digits.data() + digits.size() || value > maximum_memory_mib / multiplier)
        throw invalid("too large");
    value *= multiplier;
    if (value < minimum_memory_mib)
        throw invalid("the VM needs at least " + std::to_string(minimum_memory_mib) + "M");
    return value;
}

AddMapping parse_add_mapping(std::string_view text)
{
    auto separator = text.rfind(":/");
    if (separator == std::string_view::npos || separator == 0)
        throw UsageError("--add: expected HOST_PATH:GUEST_PATH with an absolute guest path, got \"" + std::string(text) + "\"");
    return AddMapping { std::string(text.substr(0, separator)), std::string(text.substr(separator + 1)) };
}

std::pair<std::string, std::string> parse_environment_assignment(std::string_view text)
{
    auto equals = text.find('=');
    if (equals == std::string_view::npos)
        throw UsageError("--env: expected KEY=VALUE, got \"" + std::string(text) + "\"");
    if (equals == 0)
        throw UsageError("--env: the variable name is empty in \"" + std::string(text) + "\"");
    return { std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)) };
}

std::vector<std::string> build_environment(std::vector<std::string> const& assignments)
{
    std::vector<std::pair<std::string, std::string>> variables;
    for (auto const& assignment : assignments) {
        auto [key, value] = parse_environment_assignment(assignment);
        auto existing = std::find_if(variables.begin(), variables.end(), [&](auto const& variable) { return variable.first == key; });
        if (existing != variables.end())
            existing->second = std::move(value);
        else
            variables.emplace_back(std::move(key), std::move(value));
    }
    std::vector<std::string> environment;
    for (auto const& [key, value] : variables)
        environment.push_back(key + "=" + value);
    return environment;
}

namespace {

std::optional<double> parse_seconds(std::string_view text)
{
    std::string copy(text);
    char* end = nullptr;
    double seconds = std::strtod(copy.c_str(), &end);
    bool starts_well = !copy.empty() && ((copy[0] >= '0' && copy[0] <= '9') || copy[0] == '.');
    if (!starts_well || end != copy.c_str() + copy.size() || !std::isfinite(seconds) || seconds < 0 || seconds > 1e9)
        return std::nullopt;
    return seconds;
}

}

double parse_timeout(std::string_view text)
{
    auto seconds = parse_seconds(text);
    if (!seconds || *seconds <= 0)
        throw UsageError("--timeout: expected a positive number of seconds, got \"" + std::string(text) + "\"");
    return *seconds;
}

double parse_stop_timeout(std::string_view text)
{
    auto seconds = parse_seconds(text);
    if (!seconds)
        throw UsageError("--stop-timeout: expected a number of seconds (0 or more), got \"" + std::string(text) + "\"");
    return *seconds;
}

}
