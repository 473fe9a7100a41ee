// Package pgserver runs a private, temporary PostgreSQL server from the
// installed PostgreSQL programs: initdb and pg_ctl in a temporary folder,
// listening on a free loopback port only (no Unix socket: a socket's path
// is limited to 107 bytes, which a long $TMPDIR exceeds), stopped and
// removed by Stop. The tool uses it to read a dump file; tests use it
// for a real database.
//
// A process killed with kill -9 cannot stop its server: each server's folder
// is an owned.Dir, and Start stops and removes the servers of dead processes.
package pgserver

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/assembly-import/assembly-import/internal/owned"
)

// Server is a running temporary server.
type Server struct {
	// DSN connects to its "postgres" database as the superuser "assembly".
	DSN  string
	Port int
	Dir  string
	// Reclaimed lists the folders of servers that earlier processes left
	// running when they died, which Start stopped and removed.
	Reclaimed []string
	data      string
	as        account
	ctl       string
	dir       *owned.Dir
}

// dirPrefix starts the name of every server's folder in the temporary folder.
const dirPrefix = "assembly-import-postgres-"

// Bin finds a PostgreSQL program on PATH or in Debian's versioned folders.
func Bin(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range installDirs() {
		matches, _ := filepath.Glob(filepath.Join(dir, name+exeSuffix))
		if len(matches) > 0 {
			return matches[len(matches)-1], nil
		}
	}
	return "", fmt.Errorf("the PostgreSQL program %s is not installed (%s)", name, installHint)
}

// Start initialises and starts a server. PostgreSQL will not run as root:
// as root, it runs as the postgres user, in a folder of its own.
func Start() (*Server, error) {
	initdb, err := Bin("initdb")
	if err != nil {
		return nil, err
	}
	ctl, err := Bin("pg_ctl")
	if err != nil {
		return nil, err
	}
	as, err := serverAccount()
	if err != nil {
		return nil, err
	}
	// Servers of processes that died without stopping them (kill -9).
	reclaimed := owned.Reclaim(dirPrefix, func(dir string) {
		old := &Server{Dir: dir, data: filepath.Join(dir, "data"), ctl: ctl, as: as}
		if _, err := os.Stat(filepath.Join(old.data, "postmaster.pid")); err == nil {
			old.Run(ctl, "-D", old.data, "-m", "immediate", "-w", "stop") // fails only if it is no longer running
		}
	})
	od, err := owned.MkdirTemp(dirPrefix)
	if err != nil {
		return nil, err
	}
	dir := od.Path
	s := &Server{Dir: dir, Reclaimed: reclaimed, data: filepath.Join(dir, "data"), ctl: ctl, as: as, dir: od}
	fail := func(err error) (*Server, error) {
		od.Release()
		return nil, err
	}
	if err := as.own(dir); err != nil {
		return fail(err)
	}
	if err := s.Run(initdb, "-D", s.data, "-U", "assembly", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		return fail(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	s.Port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if err := s.Run(ctl, "-D", s.data, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start",
		"-o", fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off", s.Port)); err != nil {
		return fail(err)
	}
	s.DSN = fmt.Sprintf("postgres://assembly@127.0.0.1:%d/postgres?sslmode=disable", s.Port)
	return s, nil
}

// Run runs a PostgreSQL program as the server's user, in its folder.
func (s *Server) Run(name string, args ...string) error {
	cmd := s.Command(name, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %w\n%s", filepath.Base(name), err, out)
	}
	return nil
}

// Command prepares a PostgreSQL program to run as the server's user, with
// the environment of childEnv.
func (s *Server) Command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	s.as.apply(cmd)
	cmd.Dir = s.Dir
	cmd.Env = childEnv()
	return cmd
}

// childEnv is the environment PostgreSQL's programs run with: what a
// program needs to start and to find its files (PATH, the temporary
// folder, the locale and time zone; Windows' system folders), and nothing
// else of the tool's — not the API key, not a download login, not the PG*
// variables meant for a helpdesk's database.
func childEnv() []string {
	var env []string
	for _, name := range []string{"PATH", "TMPDIR", "TEMP", "TMP", "TZ", "LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES",
		"SYSTEMROOT", "WINDIR", "COMSPEC", "PATHEXT", "SYSTEMDRIVE"} {
		if v, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+v)
		}
	}
	return env
}

// Stop stops the server at once and removes its folder.
func (s *Server) Stop() error {
	err := s.Run(s.ctl, "-D", s.data, "-m", "immediate", "-w", "stop")
	return errors.Join(err, s.dir.Release())
}
