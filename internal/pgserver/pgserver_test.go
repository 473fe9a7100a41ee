package pgserver_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/assembly-import/assembly-import/internal/pgserver"
	"github.com/assembly-import/assembly-import/internal/pgtest"
)

// beOwner makes the test binary, run again, start a server, print its
// folder and DSN and wait to be killed.
const beOwner = "PGSERVER_TEST_OWNER"

func TestMain(m *testing.M) {
	if os.Getenv(beOwner) != "" {
		s, err := pgserver.Start()
		if err != nil {
			os.Stderr.WriteString(err.Error())
			os.Exit(1)
		}
		os.Stdout.WriteString(s.Dir + "\n" + s.DSN + "\n")
		select {}
	}
	os.Exit(m.Run())
}

// The server's programs get none of the tool's secrets: a child process
// lists its environment.
func TestProgramsGetAMinimalEnvironment(t *testing.T) {
	pgtest.Require(t)
	pgtest.SetTempDir(t)
	t.Setenv("ASSEMBLY_API_KEY", "the-api-key")
	t.Setenv("ASSEMBLY_DOWNLOAD_HEADER", "Authorization: Basic x")
	t.Setenv("PGPASSWORD", "the-helpdesk-password")
	s, err := pgserver.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	env, err := exec.LookPath("env")
	if err != nil {
		t.Skip("no env program to list a child's environment:", err)
	}
	out, err := s.Command(env).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"the-api-key", "Basic x", "the-helpdesk-password"} {
		if strings.Contains(string(out), secret) {
			t.Errorf("a PostgreSQL program's environment holds %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(string(out), "PATH=") {
		t.Errorf("the environment lacks PATH:\n%s", out)
	}
}

// A process killed with kill -9 leaves its server running; the next Start
// stops and removes it, and leaves a live process's server alone.
func TestStartReclaimsServersOfKilledProcesses(t *testing.T) {
	pgtest.Require(t)
	pgtest.SetTempDir(t)

	live, err := pgserver.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer live.Stop()

	owner := exec.Command(os.Args[0], "-test.run=^$")
	owner.Env = append(os.Environ(), beOwner+"=1")
	out, err := owner.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	owner.Stderr = os.Stderr
	if err := owner.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	var dir, dsn string
	if lines.Scan() {
		dir = lines.Text()
	}
	if lines.Scan() {
		dsn = lines.Text()
	}
	if dsn == "" {
		owner.Process.Kill()
		t.Fatalf("the owner process did not start a server: %v", owner.Wait())
	}
	owner.Process.Kill() // SIGKILL: no chance to stop its server
	owner.Wait()
	if err := ping(dsn); err != nil {
		t.Fatalf("the killed process's server should still be running: %v", err)
	}

	next, err := pgserver.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer next.Stop()
	if !slices.Equal(next.Reclaimed, []string{dir}) {
		t.Errorf("reclaimed %v, want [%s]", next.Reclaimed, dir)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the killed process's folder is still there: %v", err)
	}
	if err := ping(dsn); err == nil {
		t.Error("the killed process's server still answers")
	}
	if err := ping(live.DSN); err != nil {
		t.Errorf("the live process's server was touched: %v", err)
	}
}

func ping(dsn string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.Ping(ctx)
}
