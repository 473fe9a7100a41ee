// Package wine tells whether the program runs under Wine, which runs the
// project's Windows test binaries on Linux (make test-windows), and gives
// the tests a temporary folder Wine can remove.
//
// Wine 8 does not implement what Go's os.RemoveAll uses on Windows to
// delete a file (NtSetInformationFile with FileDispositionInformationEx:
// "Invalid function"), so testing.T.TempDir's cleanup fails there while
// it works on Windows itself; tmpfile.RemoveAll works on both.
package wine

import (
	"os"
	"testing"

	"github.com/assembly-import/assembly-import/internal/tmpfile"
)

// TempDir is t.TempDir, except under Wine, where the folder is made with
// os.MkdirTemp and removed file by file when t ends.
func TempDir(t testing.TB) string {
	t.Helper()
	if !Detected() {
		return t.TempDir()
	}
	dir, err := os.MkdirTemp("", "wine-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := tmpfile.RemoveAll(dir); err != nil {
			t.Errorf("removing the test's folder: %v", err)
		}
	})
	return dir
}
