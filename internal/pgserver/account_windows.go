//go:build windows

package pgserver

import (
	"os"
	"os/exec"
	"path/filepath"
)

// installDirs are where the EDB installer puts PostgreSQL's programs when
// they are not on PATH.
func installDirs() []string {
	var dirs []string
	for _, env := range []string{"ProgramFiles", "ProgramW6432"} {
		if pf := os.Getenv(env); pf != "" {
			dirs = append(dirs, filepath.Join(pf, "PostgreSQL", "*", "bin"))
		}
	}
	return dirs
}

const (
	exeSuffix   = ".exe"
	installHint = "install PostgreSQL for Windows (the EDB installer or winget install PostgreSQL.PostgreSQL), or put its bin folder on PATH"
)

// account is who runs the server: on Windows, always the current user
// (PostgreSQL refuses only an administrator's elevated token, which pg_ctl
// drops by itself).
type account struct{}

func serverAccount() (account, error) { return account{}, nil }

func (account) own(string) error { return nil }

func (account) apply(*exec.Cmd) {}
