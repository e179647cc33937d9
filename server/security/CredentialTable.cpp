#include "security/CredentialTable.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "core/UnixTime.h"
#include "security/Base64Url.h"
#include "security/Crypto.h"

namespace atalaya::security {
namespace {

// The id column comes first, so "<id column>" + kOtherColumns is every column in row order.
constexpr std::string_view kOtherColumns =
    ", name, owner, scopes, models, secret_sha256, expires_at, rate_per_second, burst, "
    "requests_per_day, requests_per_month, created_at, revoked_at";

std::string schemaOf(const CredentialKind& kind) {
    return "CREATE TABLE IF NOT EXISTS " + std::string(kind.table) + "(" +
           std::string(kind.idColumn) +
           " TEXT PRIMARY KEY,"
           " name TEXT NOT NULL,"
           " owner TEXT NOT NULL,"
           " scopes INTEGER NOT NULL,"
           " models TEXT NOT NULL,"
           " secret_sha256 TEXT NOT NULL,"
           " expires_at INTEGER NOT NULL,"
           " rate_per_second REAL NOT NULL,"
           " burst REAL NOT NULL,"
           " requests_per_day INTEGER NOT NULL,"
           " requests_per_month INTEGER NOT NULL,"
           " created_at INTEGER NOT NULL,"
           " revoked_at INTEGER NOT NULL)";
}

StoredCredential readRow(const SqliteStatement& row) {
    StoredCredential credential;
    credential.id = std::string(row.columnText(0));
    credential.spec.name = std::string(row.columnText(1));
    credential.spec.owner = std::string(row.columnText(2));
    credential.spec.scopes = static_cast<std::uint8_t>(row.columnInt(3));
    credential.spec.models =
        nlohmann::json::parse(row.columnText(4)).get<std::vector<std::string>>();
    credential.secretHash = std::string(row.columnText(5));
    credential.spec.expiresAtUnix = row.columnInt(6);
    credential.spec.limits = {.ratePerSecond = row.columnDouble(7),
                              .burst = row.columnDouble(8),
                              .requestsPerDay = row.columnInt(9),
                              .requestsPerMonth = row.columnInt(10)};
    credential.createdAtUnix = row.columnInt(11);
    credential.revokedAtUnix = row.columnInt(12);
    return credential;
}

std::int64_t systemNow() {
    return systemUnixSeconds();
}

}  // namespace

Result<std::string> secretHashOf(std::string_view secret) {
    ATALAYA_ASSIGN_OR_RETURN(const Sha256Digest digest, sha256(secret));
    return toHex({reinterpret_cast<const char*>(digest.data()), digest.size()});
}

Result<CredentialTable> CredentialTable::open(const std::filesystem::path& file,
                                              CredentialKind kind, UnixClock clock) {
    std::error_code error;
    std::filesystem::create_directories(file.parent_path(), error);
    ATALAYA_ASSIGN_OR_RETURN(auto db,
                             SqliteDatabase::open(file, SqliteDatabase::Access::ReadWrite));
    ATALAYA_RETURN_IF_ERROR(db.setBusyTimeout(std::chrono::milliseconds(5000)));
    // The hashes are not secrets, but nothing else on the box needs to read them either. Set
    // before WAL mode: SQLite gives the -wal and -shm files the database file's permissions.
    std::filesystem::permissions(
        file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, error);
    ATALAYA_RETURN_IF_ERROR(db.execute("PRAGMA journal_mode=WAL"));
    ATALAYA_RETURN_IF_ERROR(db.execute(schemaOf(kind)));
    CredentialTable table(std::move(db), kind, clock ? std::move(clock) : UnixClock(systemNow));
    ATALAYA_RETURN_IF_ERROR(table.prepareStatements());
    return table;
}

CredentialTable::CredentialTable(SqliteDatabase db, CredentialKind kind, UnixClock clock)
    : m_db(std::move(db)), m_kind(kind), m_clock(std::move(clock)) {}

Status CredentialTable::prepareStatements() {
    const std::string table(m_kind.table);
    const std::string id(m_kind.idColumn);
    const std::string columns = id + std::string(kOtherColumns);
    ATALAYA_ASSIGN_OR_RETURN(m_insert,
                             m_db.prepare("INSERT INTO " + table + "(" + columns +
                                          ") VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,0)"));
    ATALAYA_ASSIGN_OR_RETURN(
        m_selectAll, m_db.prepare("SELECT " + columns + " FROM " + table + " ORDER BY created_at"));
    ATALAYA_ASSIGN_OR_RETURN(m_selectOne, m_db.prepare("SELECT " + columns + " FROM " + table +
                                                       " WHERE " + id + " = ?1"));
    ATALAYA_ASSIGN_OR_RETURN(
        m_revoke, m_db.prepare("UPDATE " + table + " SET revoked_at = max(?1, 1) WHERE " + id +
                               " = ?2 AND revoked_at = 0"));
    ATALAYA_ASSIGN_OR_RETURN(m_setLimits,
                             m_db.prepare("UPDATE " + table +
                                          " SET rate_per_second = ?1, burst = ?3, "
                                          "requests_per_day = ?4, requests_per_month = ?5 WHERE " +
                                          id + " = ?2"));
    ATALAYA_ASSIGN_OR_RETURN(m_dataVersion, m_db.prepare("PRAGMA data_version"));
    return Status::ok();
}

Result<NewCredential> CredentialTable::make(const ApiKeySpec& spec) const {
    const std::string noun(m_kind.noun);
    const std::string reason = "invalid_" + noun + "_spec";
    if (spec.name.empty() || spec.name.size() > 200)
        return invalidArgument("a " + noun + " needs a name of 1..200 bytes", reason);
    if (spec.scopes == 0 || spec.scopes > 7)
        return invalidArgument("a " + noun + " needs at least one scope", reason);
    ATALAYA_ASSIGN_OR_RETURN(const std::string idBytes, randomBytes(kCredentialIdBytes));
    ATALAYA_ASSIGN_OR_RETURN(const std::string secretBytes, randomBytes(kCredentialSecretBytes));
    NewCredential made;
    made.secret = base64UrlEncode(secretBytes);
    made.stored.id = toHex(idBytes);
    made.stored.spec = spec;
    made.stored.createdAtUnix = m_clock();
    ATALAYA_ASSIGN_OR_RETURN(made.stored.secretHash, secretHashOf(made.secret));
    return made;
}

Status CredentialTable::insert(const StoredCredential& credential) {
    SqliteStatement& insert = *m_insert;
    insert.reset();
    const ApiKeySpec& spec = credential.spec;
    ATALAYA_RETURN_IF_ERROR(insert.bindText(1, credential.id));
    ATALAYA_RETURN_IF_ERROR(insert.bindText(2, spec.name));
    ATALAYA_RETURN_IF_ERROR(insert.bindText(3, spec.owner));
    ATALAYA_RETURN_IF_ERROR(insert.bindInt(4, spec.scopes));
    ATALAYA_RETURN_IF_ERROR(insert.bindText(5, nlohmann::json(spec.models).dump()));
    ATALAYA_RETURN_IF_ERROR(insert.bindText(6, credential.secretHash));
    ATALAYA_RETURN_IF_ERROR(insert.bindInt(7, spec.expiresAtUnix));
    ATALAYA_RETURN_IF_ERROR(insert.bindDouble(8, spec.limits.ratePerSecond));
    ATALAYA_RETURN_IF_ERROR(insert.bindDouble(9, spec.limits.burst));
    ATALAYA_RETURN_IF_ERROR(insert.bindInt(10, spec.limits.requestsPerDay));
    ATALAYA_RETURN_IF_ERROR(insert.bindInt(11, spec.limits.requestsPerMonth));
    ATALAYA_RETURN_IF_ERROR(insert.bindInt(12, credential.createdAtUnix));
    const Status inserted = insert.step().status();
    insert.reset();
    ATALAYA_RETURN_IF_ERROR(inserted);
    m_cache[credential.id] = credential;
    return Status::ok();
}

Result<std::vector<StoredCredential>> CredentialTable::list() {
    SqliteStatement& select = *m_selectAll;
    select.reset();
    std::vector<StoredCredential> credentials;
    while (true) {
        const auto step = select.step();
        if (!step.isOk()) {
            select.reset();
            return step.status();
        }
        if (*step == SqliteStatement::Step::Done)
            break;
        credentials.push_back(readRow(select));
    }
    select.reset();
    return credentials;
}

Result<const StoredCredential*> CredentialTable::find(std::string_view id) {
    const auto now = std::chrono::steady_clock::now();
    if (now - m_lastExternalCheck < kExternalChangeCheck) {
        if (const auto it = m_cache.find(id); it != m_cache.end())
            return &it->second;
    }
    m_lastExternalCheck = now;
    SqliteStatement& version = *m_dataVersion;
    version.reset();
    const auto versionStep = version.step();
    const std::int64_t dataVersion = versionStep.isOk() ? version.columnInt(0) : 0;
    version.reset();
    ATALAYA_RETURN_IF_ERROR(versionStep.status());
    if (dataVersion != m_dataVersionSeen) {
        m_cache.clear();
        m_dataVersionSeen = dataVersion;
    }
    if (const auto it = m_cache.find(id); it != m_cache.end())
        return &it->second;

    SqliteStatement& select = *m_selectOne;
    select.reset();
    ATALAYA_RETURN_IF_ERROR(select.bindText(1, id));
    const auto step = select.step();
    std::optional<StoredCredential> row;
    if (step.isOk() && *step == SqliteStatement::Step::Row)
        row = readRow(select);
    select.reset();
    ATALAYA_RETURN_IF_ERROR(step.status());
    if (!row)
        return static_cast<const StoredCredential*>(nullptr);
    return &m_cache.emplace(std::string(id), std::move(*row)).first->second;
}

Status CredentialTable::revoke(std::string_view id) {
    SqliteStatement& update = *m_revoke;
    update.reset();
    ATALAYA_RETURN_IF_ERROR(update.bindInt(1, m_clock()));
    ATALAYA_RETURN_IF_ERROR(update.bindText(2, id));
    return applyUpdate(update, id);
}

Status CredentialTable::setLimits(std::string_view id, const ClientLimits& limits) {
    SqliteStatement& update = *m_setLimits;
    update.reset();
    ATALAYA_RETURN_IF_ERROR(update.bindDouble(1, limits.ratePerSecond));
    ATALAYA_RETURN_IF_ERROR(update.bindText(2, id));
    ATALAYA_RETURN_IF_ERROR(update.bindDouble(3, limits.burst));
    ATALAYA_RETURN_IF_ERROR(update.bindInt(4, limits.requestsPerDay));
    ATALAYA_RETURN_IF_ERROR(update.bindInt(5, limits.requestsPerMonth));
    return applyUpdate(update, id);
}

Status CredentialTable::applyUpdate(SqliteStatement& update, std::string_view id) {
    const Status updated = update.step().status();
    update.reset();
    ATALAYA_RETURN_IF_ERROR(updated);
    m_cache.erase(std::string(id));
    if (m_db.changes() == 0) {
        // Nothing changed: an unknown id, or (revoke) one revoked already.
        ATALAYA_ASSIGN_OR_RETURN(const StoredCredential* existing, find(id));
        if (existing == nullptr) {
            return notFound("no " + std::string(m_kind.longNoun) + " " + std::string(id),
                            std::string(m_kind.noun) + "_not_found");
        }
    }
    return Status::ok();
}

}  // namespace atalaya::security
