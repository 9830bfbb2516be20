package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Bad serve settings are refused with the setting's name, before a
// database file is created.
func TestServeRefusesBadSettings(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{args: []string{"--webhook-per-endpoint", "0"}, want: "--webhook-per-endpoint (KASSA_WEBHOOK_PER_ENDPOINT) 0: want 1 to 128"},
		{args: []string{"--webhook-per-endpoint", "129"}, want: "want 1 to 128"},
		{env: map[string]string{"KASSA_WEBHOOK_PER_ENDPOINT": "many"}, want: `KASSA_WEBHOOK_PER_ENDPOINT "many": want a number`},
		{args: []string{"--sqlite-synchronous", "off"}, want: `--sqlite-synchronous (KASSA_SQLITE_SYNCHRONOUS) "off": want normal or full`},
		{env: map[string]string{"KASSA_SQLITE_SYNCHRONOUS": "extra"}, want: `"extra": want normal or full`},
		{args: []string{"--sqlite-wal-restart-mb", "0"}, want: `--sqlite-wal-restart-mb (KASSA_SQLITE_WAL_RESTART_MB) "0": want a positive number of MB`},
		{env: map[string]string{"KASSA_SQLITE_WAL_RESTART_MB": "1.5"}, want: `"1.5": want a positive number of MB`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v) // undone when the subtest ends
			}
			db := filepath.Join(t.TempDir(), "kassa.db")
			var out bytes.Buffer
			args := append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, tt.args...)
			err := run(context.Background(), args, &out, &out)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%v %v: error %v, want %q", tt.args, tt.env, err, tt.want)
			}
			if _, statErr := os.Stat(db); !os.IsNotExist(statErr) {
				t.Errorf("%v %v: the database was created (%v)", tt.args, tt.env, statErr)
			}
		})
	}
}
