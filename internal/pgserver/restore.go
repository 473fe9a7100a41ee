package pgserver

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// restoredDB is the database Restore restores a dump into.
const restoredDB = "restored"

// Restore starts a private PostgreSQL server, restores the dump at path
// into it, and returns a connection string and the function that stops the
// server and removes its files. A custom or tar archive (pg_dump -Fc, -Ft)
// goes through pg_restore, plain SQL through psql; ownership and privilege
// statements of the old server fail harmlessly and are counted, not fatal.
// Progress goes to log. When ctx ends first, the restore is killed, the
// server stopped, and the error is ctx's.
func Restore(ctx context.Context, log *slog.Logger, path string) (string, func(), error) {
	f, err := os.Open(path)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	archive := bytes.HasPrefix(head, []byte("PGDMP")) || len(head) > 262 && string(head[257:262]) == "ustar"
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", nil, err
	}
	tool := "psql"
	if archive {
		tool = "pg_restore"
	}
	bin, err := Bin(tool)
	if err != nil {
		return "", nil, err
	}
	psql, err := Bin("psql")
	if err != nil {
		return "", nil, err
	}
	log.Info("starting a private PostgreSQL server for the dump")
	srv, err := Start()
	if err != nil {
		return "", nil, err
	}
	for _, dir := range srv.Reclaimed {
		log.Warn("stopped and removed the private PostgreSQL server of an earlier run that was killed", "folder", dir)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			if err := srv.Stop(); err != nil {
				log.Warn("stopping the private PostgreSQL server", "err", err, "folder", srv.Dir)
			}
		})
	}
	if err := srv.Run(psql, "-X", "-q", "-d", srv.DSN, "-c", "CREATE DATABASE "+restoredDB); err != nil {
		stop()
		return "", nil, err
	}
	dsn := strings.Replace(srv.DSN, "/postgres?", "/"+restoredDB+"?", 1)
	args := []string{"-X", "-q", "-d", dsn} // psql reads the dump from stdin
	if archive {
		args = []string{"--no-owner", "--no-privileges", "-d", dsn}
	}
	cmd := srv.Command(bin, args...)
	cmd.Stdin = f // read by us: the server's user may not be able to open the file
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	log.Info("restoring the dump", "file", path, "with", filepath.Base(bin))
	if err := cmd.Start(); err != nil {
		stop()
		return "", nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for waiting := true; waiting; {
		select {
		case err = <-done:
			waiting = false
		case <-tick.C:
			log.Info("restoring the dump", "file", path, "elapsed", time.Since(start).Round(time.Second))
		case <-ctx.Done():
			cmd.Process.Kill()
			<-done
			stop()
			return "", nil, ctx.Err()
		}
	}
	if errs := strings.Count(stderr.String(), "ERROR"); errs > 0 || err != nil {
		first, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
		log.Warn("the dump restored with errors (ownership and privileges of the old server are expected to fail)",
			"errors", errs, "first", first, "exit", errString(err))
	}
	log.Info("dump restored", "file", path, "took", time.Since(start).Round(100*time.Millisecond))
	return dsn, stop, nil
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
