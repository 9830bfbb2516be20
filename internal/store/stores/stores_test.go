package stores

import "testing"

func TestRedact(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"kassa.db", "kassa.db"},
		{"/var/lib/kassa/kassa.db", "/var/lib/kassa/kassa.db"},
		{"postgres://kassa@db:5432/kassa", "postgres://kassa@db:5432/kassa"},
		{"postgres://kassa:s3cret@db:5432/kassa?sslmode=require", "postgres://kassa:redacted@db:5432/kassa?sslmode=require"},
		{"postgresql://kassa@db/kassa?password=s3cret&pool_max_conns=20", "postgresql://kassa@db/kassa?password=redacted&pool_max_conns=20"},
	} {
		if got := Redact(c.in); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestIsPostgres(t *testing.T) {
	for in, want := range map[string]bool{
		"kassa.db": false, "postgres.db": false, "./postgres://x": false,
		"postgres://x/y": true, "postgresql://x/y": true,
	} {
		if IsPostgres(in) != want {
			t.Errorf("IsPostgres(%q) = %v", in, !want)
		}
	}
}
