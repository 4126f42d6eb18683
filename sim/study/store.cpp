#include "sim/study/store.h"

#include <sqlite3.h>

#include "sim/core/error.h"

namespace xpu::study {

std::optional<std::string> MemoryStore::get(const std::string& key) const {
  auto it = rows_.find(key);
  if (it == rows_.end()) return std::nullopt;
  return it->second;
}

void MemoryStore::put(const std::string& key, const std::string&, const std::string&, const std::string& result) {
  rows_[key] = result;
}

struct SqliteStore::Impl {
  std::string path;
  sqlite3* db = nullptr;
  sqlite3_stmt* get = nullptr;
  sqlite3_stmt* put = nullptr;
  [[noreturn]] void fail(const std::string& what) const {
    throw UserError("results database '" + path + "': " + what + ": " + (db ? sqlite3_errmsg(db) : "cannot open"));
  }
};

SqliteStore::SqliteStore(const std::string& path) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  if (sqlite3_open_v2(path.c_str(), &impl_->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    std::string msg = impl_->db ? sqlite3_errmsg(impl_->db) : "cannot open";
    sqlite3_close(impl_->db);
    impl_->db = nullptr;
    throw UserError("results database '" + path + "': cannot open: " + msg);
  }
  sqlite3_busy_timeout(impl_->db, 10000);
  const char* schema =
      "CREATE TABLE IF NOT EXISTS points ("
      " key TEXT PRIMARY KEY NOT NULL,"  // Point::key (hash of the resolved point)
      " study TEXT NOT NULL,"            // the study (sweep, plan, scale) that first stored it
      " labels TEXT NOT NULL,"           // the point's axis values, for people reading the file
      " result TEXT NOT NULL);";         // encoded Metrics (sim/study/point.h)
  char* err = nullptr;
  if (sqlite3_exec(impl_->db, schema, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "?";
    sqlite3_free(err);
    sqlite3_close(impl_->db);
    impl_->db = nullptr;
    throw UserError("results database '" + path + "': not an xpusim results database (" + msg + ")");
  }
  if (sqlite3_prepare_v2(impl_->db, "SELECT result FROM points WHERE key = ?1", -1, &impl_->get, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(impl_->db, "INSERT OR REPLACE INTO points (key, study, labels, result) VALUES (?1, ?2, ?3, ?4)",
                         -1, &impl_->put, nullptr) != SQLITE_OK)
    impl_->fail("not an xpusim results database");
}

SqliteStore::~SqliteStore() {
  sqlite3_finalize(impl_->get);
  sqlite3_finalize(impl_->put);
  sqlite3_close(impl_->db);
}

std::optional<std::string> SqliteStore::get(const std::string& key) const {
  sqlite3_reset(impl_->get);
  sqlite3_bind_text(impl_->get, 1, key.c_str(), -1, SQLITE_TRANSIENT);
  const int rc = sqlite3_step(impl_->get);
  if (rc == SQLITE_ROW) {
    const unsigned char* t = sqlite3_column_text(impl_->get, 0);
    std::string out = t ? reinterpret_cast<const char*>(t) : "";
    sqlite3_reset(impl_->get);
    return out;
  }
  if (rc != SQLITE_DONE) impl_->fail("cannot read");
  sqlite3_reset(impl_->get);
  return std::nullopt;
}

void SqliteStore::put(const std::string& key, const std::string& study, const std::string& labels,
                      const std::string& result) {
  sqlite3_reset(impl_->put);
  sqlite3_bind_text(impl_->put, 1, key.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(impl_->put, 2, study.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(impl_->put, 3, labels.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(impl_->put, 4, result.c_str(), -1, SQLITE_TRANSIENT);
  // Autocommit: the row is durable when step() returns.
  if (sqlite3_step(impl_->put) != SQLITE_DONE) impl_->fail("cannot write");
  sqlite3_reset(impl_->put);
}

std::size_t SqliteStore::size() const {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(impl_->db, "SELECT COUNT(*) FROM points", -1, &st, nullptr) != SQLITE_OK) impl_->fail("cannot read");
  std::size_t n = 0;
  if (sqlite3_step(st) == SQLITE_ROW) n = static_cast<std::size_t>(sqlite3_column_int64(st, 0));
  sqlite3_finalize(st);
  return n;
}

}  // namespace xpu::study
