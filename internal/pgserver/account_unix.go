//go:build unix

package pgserver

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
)

// installDirs are where PostgreSQL's programs live when they are not on
// PATH: Debian's versioned folders, Homebrew's and Postgres.app's.
func installDirs() []string {
	return []string{"/usr/lib/postgresql/*/bin", "/opt/homebrew/opt/postgresql*/bin", "/usr/local/opt/postgresql*/bin",
		"/Applications/Postgres.app/Contents/Versions/*/bin"}
}

const (
	exeSuffix   = ""
	installHint = "Debian and Ubuntu: apt-get install postgresql; macOS: brew install postgresql"
)

// account is who runs the server: PostgreSQL will not run as root, so
// root runs it as the postgres user (cred nil: as ourselves).
type account struct{ cred *syscall.Credential }

func serverAccount() (account, error) {
	if os.Geteuid() != 0 {
		return account{}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return account{}, fmt.Errorf("running as root, PostgreSQL needs the postgres user (apt-get install postgresql creates it): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return account{&syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}, nil
}

// own hands dir to the account.
func (a account) own(dir string) error {
	if a.cred == nil {
		return nil
	}
	return os.Chown(dir, int(a.cred.Uid), int(a.cred.Gid))
}

// apply makes cmd run as the account.
func (a account) apply(cmd *exec.Cmd) {
	if a.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: a.cred}
	}
}
