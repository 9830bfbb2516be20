// Command sqlitedrivers compares two SQLite drivers on the SQL a
// create+confirm writes in Kassa: an idempotency claim then its
// completion, a payment method, an intent and two events, in Kassa's
// schema, with writes grouped in one transaction, each in a savepoint, as
// Kassa's committer does. "sqlite" is modernc.org/sqlite (pure Go, what
// Kassa uses), "sqlite3" is github.com/mattn/go-sqlite3 (cgo). It is its
// own module so that Kassa itself never depends on cgo:
//
//	cd bench/sqlitedrivers && go run . -driver sqlite3 -batch 8
//
// The flags -nosave, -onestep, -noauto and -nocreated each leave out one
// thing Kassa does, to weigh it: the savepoints, the two-step idempotency
// row, AUTOINCREMENT, the idempotency_keys created index.
package main

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// id is a time-ordered id, as Kassa's are.
func id(prefix string) string {
	b := make([]byte, 12)
	rand.Read(b)
	return prefix + "_" + fmt.Sprintf("%013x", time.Now().UnixNano()/1e6) + hex.EncodeToString(b)[:16]
}

func blob(n int) string { return strings.Repeat("x", n) }

func main() {
	driver := flag.String("driver", "sqlite", `"sqlite" (modernc.org/sqlite) or "sqlite3" (github.com/mattn/go-sqlite3)`)
	batch := flag.Int("batch", 4, "writes per commit")
	n := flag.Int("n", 20000, "writes")
	nosave := flag.Bool("nosave", false, "no savepoints")
	onestep := flag.Bool("onestep", false, "idempotency row inserted complete")
	noauto := flag.Bool("noauto", false, "no AUTOINCREMENT")
	nocreated := flag.Bool("nocreated", false, "no idempotency_keys_created index")
	schemaFile := flag.String("schema", "../../internal/store/sqlite/migrations/0001_payments.sql", "Kassa's first migration")
	flag.Parse()
	dir, _ := os.MkdirTemp("", "drv")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "k.db")
	var dsn string
	if *driver == "sqlite" { // modernc
		dsn = "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)&_txlock=immediate"
	} else { // mattn
		dsn = "file:" + path + "?_busy_timeout=5000&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate"
	}
	db, err := sql.Open(*driver, dsn)
	if err != nil {
		panic(err)
	}
	db.SetMaxOpenConns(1)
	raw, err := os.ReadFile(*schemaFile)
	if err != nil {
		panic(err)
	}
	schema := string(raw)
	if *noauto {
		schema = strings.ReplaceAll(schema, "AUTOINCREMENT", "")
	}
	if *nocreated {
		schema = strings.ReplaceAll(schema, "CREATE INDEX idempotency_keys_created ON idempotency_keys(created);", "")
	}
	if _, err := db.Exec(schema); err != nil {
		panic(err)
	}
	if _, err := db.Exec("PRAGMA temp_store=MEMORY"); err != nil {
		panic(err)
	}
	must(db.Exec(`INSERT INTO accounts VALUES ('acct_1','Shop','v',0)`))
	prepare := func(q string) *sql.Stmt {
		st, err := db.Prepare(q)
		if err != nil {
			panic(err)
		}
		return st
	}
	claim := prepare(`INSERT INTO idempotency_keys (account_id, key, endpoint, params_hash, claim, status, body, created) VALUES (?,?,?,?,?,0,?,?)`)
	complete := prepare(`UPDATE idempotency_keys SET status = 200, body = ? WHERE account_id = ? AND key = ?`)
	insertMethod := prepare(`INSERT INTO payment_methods (id, account_id, created, data) VALUES (?,?,?,?)`)
	insertIntent := prepare(`INSERT INTO payment_intents (id, account_id, created, status, attempt, deadline, data) VALUES (?,?,?,?,?,NULL,?)`)
	insertEvents := prepare(`INSERT INTO events (id, account_id, type, api_version, created, request_id, idempotency_key, object_type, data)
		VALUES (?,?,?,?,?,?,'k','payment_intent',?), (?,?,?,?,?,?,'k','payment_intent',?)`)
	// The sizes of a Sofort create+confirm's stored JSON in Kassa.
	body, pm, pi, ev := blob(1300), blob(190), blob(690), blob(560)
	start := time.Now()
	for done := 0; done < *n; {
		tx, err := db.Begin()
		if err != nil {
			panic(err)
		}
		for range *batch {
			now := time.Now().UnixNano()
			key := id("key")
			if !*nosave {
				must(tx.Exec(`SAVEPOINT w`))
			}
			var stored any // the response, stored when the request completes
			if *onestep {
				stored = body
			}
			must(tx.Stmt(claim).Exec("acct_1", key, "POST /v1/payment_intents", blob(64), blob(24), stored, now))
			must(tx.Stmt(insertMethod).Exec(id("pm"), "acct_1", now, pm))
			must(tx.Stmt(insertIntent).Exec(id("pi"), "acct_1", now, "requires_action", id("att"), pi))
			must(tx.Stmt(insertEvents).Exec(id("evt"), "acct_1", "payment_intent.created", "v", now, "req", ev,
				id("evt"), "acct_1", "payment_intent.requires_action", "v", now, "req", ev))
			if !*onestep {
				must(tx.Stmt(complete).Exec(body, "acct_1", key))
			}
			if !*nosave {
				must(tx.Exec(`RELEASE w`))
			}
			done++
		}
		if err := tx.Commit(); err != nil {
			panic(err)
		}
	}
	el := time.Since(start)
	fmt.Printf("%s batch %d: %.1f µs per write, %.0f writes/s\n", *driver, *batch, float64(el.Microseconds())/float64(*n), float64(*n)/el.Seconds())
}

func must(_ sql.Result, err error) {
	if err != nil {
		panic(err)
	}
}
