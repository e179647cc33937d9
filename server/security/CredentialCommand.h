#pragma once

#include <atalaya/Result.h>

#include <QStringList>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "security/ApiKeyStore.h"

namespace atalaya::security {

// A credential as `list` prints it.
struct CredentialRow {
    std::string id;
    ApiKeySpec spec;
    std::int64_t createdAtUnix = 0;
    std::int64_t revokedAtUnix = 0;
};

// What a new credential's owner must copy now: the id and the text shown only once.
struct CreatedCredential {
    std::string id;
    std::string shownOnce;  // printed after the summary line, ends in a newline
};

// How `atalaya-server keys` and `atalaya-server clients` differ; runCredentialCommand() does
// the rest (options, create / list / revoke, usage errors, messages). The operations run on the
// store open() opened on <dataDir>/security.sqlite.
struct CredentialCommand {
    std::string_view name;         // "keys": the subcommand, in messages and usage
    std::string_view noun;         // "key": "Name of the key.", "revoked key <id>"
    std::string_view createdVerb;  // "created": "created key <id> (<name>), ..."
    std::string_view expiring;     // "the key": "Days until the key expires ..."
    std::string_view idHeader;     // "ID": the list's first column and revoke's argument
    std::function<Status(const std::filesystem::path& file)> open;
    std::function<Result<CreatedCredential>(const ApiKeySpec& spec)> create;
    std::function<Result<std::vector<CredentialRow>>()> list;
    std::function<Status(std::string_view id)> revoke;
};

// `arguments` are those after the subcommand. --data-dir defaults to $ATALAYA_DATA_DIR, else
// "data". Returns the process exit code: 0, 1 on failure, 2 on a usage error.
int runCredentialCommand(const CredentialCommand& command, const QStringList& arguments,
                         std::FILE* out, std::FILE* err);

}  // namespace atalaya::security
