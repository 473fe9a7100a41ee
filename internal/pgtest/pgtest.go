// Package pgtest starts a throwaway PostgreSQL server for tests: initdb
// and pg_ctl from the installed PostgreSQL, in a temporary folder, on a free
// loopback port, stopped and removed when the test ends. No mocks.
package pgtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// Server is a running throwaway server.
type Server struct {
	// DSN connects to its "postgres" database as the superuser "test".
	DSN string
}

// Bin finds a PostgreSQL program on PATH or in Debian's versioned folders.
func Bin(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	matches, _ := filepath.Glob(filepath.Join("/usr/lib/postgresql", "*", "bin", name))
	if len(matches) > 0 {
		return matches[len(matches)-1], nil
	}
	return "", fmt.Errorf("%s not found: install PostgreSQL (Debian: apt-get install postgresql)", name)
}

// Start starts a server for t. Without PostgreSQL installed the test is
// skipped — or fails when $CI is set, since CI must run every test.
func Start(t testing.TB) *Server {
	t.Helper()
	initdb, err := Bin("initdb")
	if err == nil {
		_, err = Bin("pg_ctl")
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	pgCtl, _ := Bin("pg_ctl")
	// PostgreSQL will not run as root: run it as the postgres user then, in a
	// folder of its own (the test's temp dir is root's alone).
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, PostgreSQL needs the postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	run := func(name string, args ...string) {
		cmd := exec.Command(name, args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", filepath.Base(name), args, err, out)
		}
	}
	data := filepath.Join(dir, "data")
	run(initdb, "-D", data, "-U", "test", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	port := freePort(t)
	run(pgCtl, "-D", data, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start",
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", port, dir))
	t.Cleanup(func() {
		cmd := exec.Command(pgCtl, "-D", data, "-m", "immediate", "-w", "stop")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		cmd.Run()
	})
	return &Server{DSN: fmt.Sprintf("postgres://test@127.0.0.1:%d/postgres?sslmode=disable", port)}
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
