package db

import (
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// IsUniqueViolation reports whether err is a unique-constraint failure.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// IsForeignKeyViolation reports whether err is a foreign-key failure.
func IsForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23503"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

// OutboxHorizon is the SQL expression below which every outbox transaction
// id is settled. PostgreSQL allocates ids before commit, so events become
// visible out of id order; reading only transactions older than the oldest
// one still running keeps the consumer from skipping any. SQLite has one
// writer, so everything committed is settled.
func (d *DB) OutboxHorizon() string {
	if d.Dialect == Postgres {
		return "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
	}
	return "9223372036854775807"
}

// FullText returns a WHERE fragment matching records whose title or
// description match the user's query, bound to placeholder $n, and the
// argument to bind. The query is reduced to plain words, so no search
// syntax reaches the engine.
func (d *DB) FullText(alias string, n string, q string) (string, any) {
	words := searchWords(q)
	if d.Dialect == Postgres {
		if len(words) == 0 {
			return "(" + n + "::text IS NULL)", ""
		}
		return alias + ".search @@ to_tsquery('english', " + n + ")", pgTSQuery(words)
	}
	return alias + ".id IN (SELECT rowid FROM records_fts WHERE records_fts MATCH " + n + ")", ftsQuery(words)
}

// FullTextNewestFirst returns, on SQLite, the FROM clause and condition
// that read matches straight from the full-text index in descending rowid
// order, joined to records as alias: a newest-first page then stops after
// its rows instead of sorting every match of a common word. ok is false
// where the engine has no such order (PostgreSQL) or the query has no words.
func (d *DB) FullTextNewestFirst(alias, n, q string) (from, where, order string, arg any, ok bool) {
	words := searchWords(q)
	if d.Dialect != SQLite || len(words) == 0 {
		return "", "", "", nil, false
	}
	return "records_fts CROSS JOIN records " + alias + " ON " + alias + ".id = records_fts.rowid",
		"records_fts MATCH " + n, "records_fts.rowid DESC", ftsQuery(words), true
}

// searchWord is a word of a search query. Words match whole (after
// stemming, so "printers" finds "printer"); a word typed with a trailing *
// matches as a prefix. Prefixes are asked for, not assumed: the engines
// gather every match of a prefix before they can return the first, which
// for a common word costs many times a whole-word search.
type searchWord struct {
	text   string
	prefix bool
}

func searchWords(q string) []searchWord {
	var out []searchWord
	for _, chunk := range strings.Fields(strings.ToLower(q)) {
		words := strings.FieldsFunc(chunk, func(r rune) bool {
			return !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r > 127)
		})
		for i, w := range words {
			out = append(out, searchWord{text: w, prefix: i == len(words)-1 && strings.HasSuffix(chunk, "*")})
		}
	}
	if len(out) > 16 {
		out = out[:16]
	}
	return out
}

// ftsQuery makes an FTS5 query: every word must match.
func ftsQuery(words []searchWord) string {
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(`"` + w.text + `"`)
		if w.prefix {
			b.WriteByte('*')
		}
	}
	if b.Len() == 0 {
		return `""`
	}
	return b.String()
}

func pgTSQuery(words []searchWord) string {
	var parts []string
	for _, w := range words {
		p := "'" + strings.ReplaceAll(w.text, "'", "") + "'"
		if w.prefix {
			p += ":*"
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "''"
	}
	return strings.Join(parts, " & ")
}

// Limit returns "LIMIT n" with n written into the SQL. A bound LIMIT makes
// SQLite prepare its statement again on every run (the planner reads the
// value), so row counts, which are always our own integers, go in as text.
func Limit(n int) string {
	return "LIMIT " + strconv.Itoa(n)
}
