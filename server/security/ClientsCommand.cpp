#include "security/ClientsCommand.h"

#include "security/CredentialCommand.h"
#include "security/OAuthClientStore.h"

namespace atalaya::security {

int runClientsCommand(const QStringList& arguments, std::FILE* out, std::FILE* err) {
    std::unique_ptr<OAuthClientStore> store;
    const CredentialCommand command{
        .name = "clients",
        .noun = "client",
        .createdVerb = "registered",
        .expiring = "the registration",
        .idHeader = "CLIENT_ID",
        .open = [&store](const std::filesystem::path& file) -> Status {
            ATALAYA_ASSIGN_OR_RETURN(store, OAuthClientStore::open(file));
            return Status::ok();
        },
        .create = [&store](const OAuthClientSpec& spec) -> Result<CreatedCredential> {
            ATALAYA_ASSIGN_OR_RETURN(const RegisteredClient registered, store->create(spec));
            return CreatedCredential{
                .id = registered.info.clientId,
                .shownOnce =
                    "the secret is shown only now; POST /oauth/token with HTTP Basic:\n"
                    "client_id " +
                    registered.info.clientId + "\nclient_secret " + registered.secret + "\n"};
        },
        .list = [&store]() -> Result<std::vector<CredentialRow>> {
            ATALAYA_ASSIGN_OR_RETURN(const auto clients, store->list());
            std::vector<CredentialRow> rows;
            for (const OAuthClientInfo& client : clients) {
                rows.push_back(
                    {client.clientId, client.spec, client.createdAtUnix, client.revokedAtUnix});
            }
            return rows;
        },
        .revoke = [&store](std::string_view id) { return store->revoke(id); }};
    return runCredentialCommand(command, arguments, out, err);
}

}  // namespace atalaya::security
