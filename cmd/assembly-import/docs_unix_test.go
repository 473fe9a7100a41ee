//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/assembly-import/assembly-import/assembly/sandbox"
	"github.com/assembly-import/assembly-import/internal/wine"
)

// runnableBlock is a shell example the documentation marks as runnable:
// the line before its ```sh fence is <!-- runnable -->.
var runnableBlock = regexp.MustCompile("(?s)<!-- runnable -->\n```sh\n(.*?)```")

// TestDocsExamples runs every example the README and docs/ mark runnable,
// as a reader would paste it, with assembly-import on PATH, the samples
// beside it and the sandbox at http://127.0.0.1:8080: an example that
// no longer runs (a flag renamed, a sample moved) fails here. Exit codes
// 0, 2 (plan found the samples' deliberate errors) and 3 are results;
// 1 (a usage or configuration error) and crashes are broken examples.
func TestDocsExamples(t *testing.T) {
	files, _ := filepath.Glob("../../docs/*.md")
	files = append(files, "../../README.md")
	bin := wine.TempDir(t)
	wrapper := "#!/bin/sh\nexec \"" + os.Args[0] + "\" \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "assembly-import"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	samples, err := filepath.Abs("../../samples")
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range runnableBlock.FindAllSubmatch(data, -1) {
			_, url := newSandbox(t, sandbox.Options{EventsPerSec: 1000, RepliesPerMin: 600000})
			script := strings.NewReplacer("http://127.0.0.1:8080", url, "test-key", testKey).Replace(string(m[1]))
			dir := wine.TempDir(t)
			os.Symlink(samples, filepath.Join(dir, "samples"))
			// Stop at the first command that exits other than 0, 2 or 3.
			guard := "trap 'c=$?; if [ $c -ne 2 ] && [ $c -ne 3 ]; then exit $c; fi' ERR\n"
			cmd := exec.Command("bash", "-c", guard+script+"exit 0\n")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), beMain+"=1", keyEnv+"="+testKey, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
			out, err := cmd.CombinedOutput()
			code := cmd.ProcessState.ExitCode()
			if err != nil {
				t.Errorf("%s, runnable example %d exits %d:\n%s\n---\n%s", filepath.Base(file), i+1, code, script, out)
			}
			ran++
		}
	}
	t.Logf("%d runnable examples ran", ran)
	if ran < 8 {
		t.Errorf("only %d runnable examples found: the markers went missing?", ran)
	}
}
