// A zip archive of existing files (libzip, deflated), as the new CDS packs a
// request mixing accumulated and instantaneous fields. Member times are fixed
// (1980-01-01) so the same members give the same bytes.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace rf::io::synth {

// members: (name in the archive, file to store).
void write_zip(const std::string& path, const std::vector<std::pair<std::string, std::string>>& members);

}  // namespace rf::io::synth
