package main

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestDist builds the host's archive and a Windows one (the two archive
// kinds), checks that SHA256SUMS verifies them and that they hold the
// binary and the README, runs the host binary's version command, and
// builds the host archive again to check it is byte for byte the same.
func TestDist(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("the go command is not on PATH:", err)
	}
	host := runtime.GOOS + "/" + runtime.GOARCH
	other := "windows/amd64"
	if runtime.GOOS == "windows" {
		other = "linux/amd64"
	}
	out := t.TempDir()
	names, err := Build(t.Context(), "../..", out, []string{host, other}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 2 {
		t.Fatalf("archives: %v", names)
	}
	sums := readSums(t, filepath.Join(out, sumsFile))
	if len(sums) != 2 {
		t.Fatalf("%s lists %d files, want 2: %v", sumsFile, len(sums), sums)
	}
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(out, n))
		if err != nil {
			t.Fatal(err)
		}
		got := sha256.Sum256(data)
		if sums[n] != hex.EncodeToString(got[:]) {
			t.Errorf("%s: checksum %x, %s says %s", n, got, sumsFile, sums[n])
		}
	}
	hostArchive, otherArchive := names[0], names[1]
	wantSuffix := map[string]string{"windows": ".zip"}
	for _, c := range []struct{ name, target string }{{hostArchive, host}, {otherArchive, other}} {
		goos, goarch, _ := strings.Cut(c.target, "/")
		suffix := wantSuffix[goos]
		if suffix == "" {
			suffix = ".tar.gz"
		}
		if !strings.HasPrefix(c.name, "assembly-import_") || !strings.HasSuffix(c.name, "_"+goos+"_"+goarch+suffix) {
			t.Errorf("archive %q: want assembly-import_VERSION_%s_%s%s", c.name, goos, goarch, suffix)
		}
	}

	bin := extract(t, filepath.Join(out, hostArchive), t.TempDir())
	version, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("%s version: %v", bin, err)
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal("git rev-parse HEAD:", err)
	}
	if !strings.Contains(string(version), "commit "+strings.TrimSpace(string(head))) || !strings.Contains(string(version), runtime.Version()) {
		t.Errorf("version printed:\n%s\nwant the commit %s and %s", version, head, runtime.Version())
	}

	again := t.TempDir()
	if _, err := Build(t.Context(), "../..", again, []string{host}, io.Discard); err != nil {
		t.Fatal(err)
	}
	if second := readSums(t, filepath.Join(again, sumsFile)); second[hostArchive] != sums[hostArchive] {
		t.Errorf("%s is not reproducible: %s then %s", hostArchive, sums[hostArchive], second[hostArchive])
	}
}

// readSums reads a sha256sum file into name → hex digest.
func readSums(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("%s: line %q is not \"SUM  NAME\"", path, sc.Text())
		}
		sums[name] = sum
	}
	return sums
}

// extract unpacks an archive into dir, checks that it holds the README,
// the man pages, the completions and the binary under one folder, and
// returns the binary's path.
func extract(t *testing.T, archive, dir string) string {
	t.Helper()
	var bin string
	seen := map[string]bool{}
	write := func(name string, r io.Reader) {
		folder, file, ok := strings.Cut(name, "/")
		if !ok || !strings.HasPrefix(archive[strings.LastIndex(archive, string(filepath.Separator))+1:], folder) {
			t.Fatalf("%s: entry %q is not under the archive's folder", archive, name)
		}
		seen[file] = true
		path := filepath.Join(dir, filepath.FromSlash(file))
		os.MkdirAll(filepath.Dir(path), 0o755)
		data, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o755); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(file, "assembly-import") && !strings.Contains(file, "/") {
			bin = path
		}
	}
	if strings.HasSuffix(archive, ".zip") {
		zr, err := zip.OpenReader(archive)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			write(f.Name, rc)
			rc.Close()
		}
	} else {
		f, err := os.Open(archive)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(gz)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			write(h.Name, tr)
		}
	}
	if !seen["README.md"] || bin == "" || !seen["man/assembly-import.1"] || !seen["man/assembly-import-run.1"] || !seen["completions/assembly-import.bash"] {
		t.Fatalf("%s holds %v, want the binary, README.md, the man pages and the completions", archive, seen)
	}
	return bin
}
