#include "security/KeysCommand.h"

#include "security/ApiKeyStore.h"
#include "security/CredentialCommand.h"

namespace atalaya::security {

int runKeysCommand(const QStringList& arguments, std::FILE* out, std::FILE* err) {
    std::unique_ptr<ApiKeyStore> store;
    const CredentialCommand command{
        .name = "keys",
        .noun = "key",
        .createdVerb = "created",
        .expiring = "the key",
        .idHeader = "ID",
        .open = [&store](const std::filesystem::path& file) -> Status {
            ATALAYA_ASSIGN_OR_RETURN(store, ApiKeyStore::open(file));
            return Status::ok();
        },
        .create = [&store](const ApiKeySpec& spec) -> Result<CreatedCredential> {
            ATALAYA_ASSIGN_OR_RETURN(const IssuedApiKey issued, store->create(spec));
            return CreatedCredential{
                .id = issued.info.id,
                .shownOnce =
                    "the key is shown only now; send it as \"Authorization: Bearer "
                    "<key>\":\n" +
                    issued.token + "\n"};
        },
        .list = [&store]() -> Result<std::vector<CredentialRow>> {
            ATALAYA_ASSIGN_OR_RETURN(const auto keys, store->list());
            std::vector<CredentialRow> rows;
            for (const ApiKeyInfo& key : keys)
                rows.push_back({key.id, key.spec, key.createdAtUnix, key.revokedAtUnix});
            return rows;
        },
        .revoke = [&store](std::string_view id) { return store->revoke(id); }};
    return runCredentialCommand(command, arguments, out, err);
}

}  // namespace atalaya::security
