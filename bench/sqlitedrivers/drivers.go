package main

import (
	_ "github.com/mattn/go-sqlite3" // "sqlite3"
	_ "modernc.org/sqlite"          // "sqlite"
)
