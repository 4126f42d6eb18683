// Where study results live: a key (Point::key) -> encoded Metrics map.
//
// SqliteStore keeps them in an SQLite database file (table `points`: key primary key, the study's
// name, the point's labels, the encoded metrics). Every put() is its own transaction, committed
// before it returns, so a killed study loses at most the points that were still running; a re-run
// with the same database finds the finished points by key and skips them; INSERT OR REPLACE on the
// primary key means a point is never stored twice. MemoryStore is the same without a file.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace xpu::study {

class ResultStore {
 public:
  virtual ~ResultStore() = default;
  virtual std::optional<std::string> get(const std::string& key) const = 0;
  virtual void put(const std::string& key, const std::string& study, const std::string& labels,
                   const std::string& result) = 0;
  virtual std::size_t size() const = 0;
};

class MemoryStore : public ResultStore {
 public:
  std::optional<std::string> get(const std::string& key) const override;
  void put(const std::string& key, const std::string& study, const std::string& labels,
           const std::string& result) override;
  std::size_t size() const override { return rows_.size(); }

 private:
  std::map<std::string, std::string> rows_;
};

class SqliteStore : public ResultStore {
 public:
  // Opens (creating when needed) the database at `path`. Throws UserError naming the file.
  explicit SqliteStore(const std::string& path);
  ~SqliteStore() override;
  std::optional<std::string> get(const std::string& key) const override;
  void put(const std::string& key, const std::string& study, const std::string& labels,
           const std::string& result) override;
  std::size_t size() const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xpu::study
