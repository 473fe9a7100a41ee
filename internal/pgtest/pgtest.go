// Package pgtest starts a throwaway PostgreSQL server for tests (see
// internal/pgserver), stopped and removed when the test ends. No mocks.
package pgtest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/assembly-import/assembly-import/internal/pgserver"
	"github.com/assembly-import/assembly-import/internal/wine"
)

// Server is a running throwaway server.
type Server struct {
	// DSN connects to its "postgres" database as a superuser.
	DSN string
}

// Require skips t when PostgreSQL is not installed — or fails it when $CI
// is set, since CI must run every test — except under Wine, where the
// Windows test binaries run and no Windows PostgreSQL is: the Linux run
// covers Postgres.
func Require(t testing.TB) {
	t.Helper()
	if wine.Detected() {
		t.Skip("under Wine: no PostgreSQL server for Windows here (the Linux run of the tests covers Postgres)")
	}
	if _, err := pgserver.Bin("initdb"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
}

// SetTempDir points $TMPDIR, for t and the processes it starts, at a folder
// of t's own, where the postgres user (which runs the servers when the tests
// run as root) can enter, and returns it: a test can then check what a
// program leaves behind without seeing other tests' servers.
func SetTempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("TMPDIR", dir)
	return dir
}

// Start starts a server for t (see Require).
func Start(t testing.TB) *Server {
	t.Helper()
	Require(t)
	s, err := pgserver.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() })
	return &Server{DSN: s.DSN}
}

// Load runs sql (a schema and its rows) on the server's database.
func (s *Server) Load(t testing.TB, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatal(err)
	}
}
