// Package pgserver runs a private, temporary PostgreSQL server from the
// installed PostgreSQL programs: initdb and pg_ctl in a temporary folder,
// listening on a free loopback port and a socket in that folder, stopped
// and removed by Stop. The tool uses it to read a dump file; tests use it
// for a real database.
package pgserver

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// Server is a running temporary server.
type Server struct {
	// DSN connects to its "postgres" database as the superuser "assembly".
	DSN  string
	Port int
	Dir  string
	data string
	cred *syscall.Credential
	ctl  string
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
	return "", fmt.Errorf("the PostgreSQL program %s is not installed (Debian and Ubuntu: apt-get install postgresql)", name)
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
	dir, err := os.MkdirTemp("", "assembly-import-postgres-")
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, data: filepath.Join(dir, "data"), ctl: ctl}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root, PostgreSQL needs the postgres user (apt-get install postgresql creates it): %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	if err := s.Run(initdb, "-D", s.data, "-U", "assembly", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.Port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if err := s.Run(ctl, "-D", s.data, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start",
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", s.Port, dir)); err != nil {
		os.RemoveAll(dir)
		return nil, err
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

// Command prepares a PostgreSQL program to run as the server's user.
func (s *Server) Command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	cmd.Dir = s.Dir
	return cmd
}

// Stop stops the server at once and removes its folder.
func (s *Server) Stop() error {
	err := s.Run(s.ctl, "-D", s.data, "-m", "immediate", "-w", "stop")
	return errors.Join(err, os.RemoveAll(s.Dir))
}
