// Command dist builds assembly-import's release archives: a static binary
// for each system admins run it on, stamped with its version, in a zip
// (Windows) or tar.gz (elsewhere), and a SHA256SUMS file that
// `sha256sum -c` verifies.
//
// The archives are reproducible: the binaries are built with -trimpath and
// without cgo, and every entry carries the commit's time, so the same
// commit and Go version give the same bytes.
//
//	go run ./cmd/dist --out dist
package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"
)

// Targets are the systems a release covers, as GOOS/GOARCH.
const Targets = "linux/amd64,linux/arm64,darwin/amd64,darwin/arm64,windows/amd64,windows/arm64"

const (
	pkg      = "./cmd/assembly-import"
	name     = "assembly-import"
	sumsFile = "SHA256SUMS"
)

func main() {
	out := flag.String("out", "dist", "folder the archives and "+sumsFile+" are written to (emptied first)")
	targets := flag.String("targets", Targets, "comma-separated GOOS/GOARCH pairs")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	archives, err := Build(ctx, ".", *out, strings.Split(*targets, ","), os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dist:", err)
		os.Exit(1)
	}
	for _, a := range archives {
		fmt.Println(filepath.Join(*out, a))
	}
	fmt.Println(filepath.Join(*out, sumsFile))
}

// Build builds an archive per target of the module at root into out, writes
// their checksums to out/SHA256SUMS and returns the archives' names, with
// the go command found on PATH.
func Build(ctx context.Context, root, out string, targets []string, log io.Writer) ([]string, error) {
	if err := os.RemoveAll(out); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	stage, err := os.MkdirTemp("", "assembly-import-dist-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	var names []string
	var sums strings.Builder
	for _, t := range targets {
		goos, goarch, ok := strings.Cut(strings.TrimSpace(t), "/")
		if !ok || goos == "" || goarch == "" {
			return nil, fmt.Errorf("target %q: want GOOS/GOARCH, like linux/amd64", t)
		}
		fmt.Fprintf(log, "building %s/%s\n", goos, goarch)
		bin := filepath.Join(stage, goos+"-"+goarch, name+exeSuffix(goos))
		if err := build(ctx, root, bin, goos, goarch); err != nil {
			return nil, err
		}
		archive, data, err := pack(root, bin, goos, goarch)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(out, archive), data, 0o644); err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(&sums, "%s  %s\n", hex.EncodeToString(sum[:]), archive)
		names = append(names, archive)
	}
	return names, os.WriteFile(filepath.Join(out, sumsFile), []byte(sums.String()), 0o644)
}

func exeSuffix(goos string) string {
	if goos == "windows" {
		return ".exe"
	}
	return ""
}

// build compiles one static binary. -buildvcs=auto overrides a GOFLAGS that
// turns version stamping off; the binary's `version` command reads it.
func build(ctx context.Context, root, bin, goos, goarch string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=auto", "-ldflags=-s -w", "-o", bin, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build %s/%s: %w", goos, goarch, err)
	}
	return nil
}

// archived is a file of an archive: where it is read from, its path in
// the archive's folder, and its mode.
type archived struct {
	from, name string
	mode       os.FileMode
}

// extras are the files every archive carries beside the binary: the
// README, the man pages (man/) and the shell completions (completions/),
// generated from the commands into docs/ (make docs).
func extras(root string) ([]archived, error) {
	files := []archived{{filepath.Join(root, "README.md"), "README.md", 0o644}}
	for _, dir := range []string{"man", "completions"} {
		entries, err := os.ReadDir(filepath.Join(root, "docs", dir))
		if err != nil {
			return nil, fmt.Errorf("docs/%s: %w (make docs generates it)", dir, err)
		}
		for _, e := range entries {
			files = append(files, archived{filepath.Join(root, "docs", dir, e.Name()), dir + "/" + e.Name(), 0o644})
		}
	}
	return files, nil
}

// pack archives one binary with the README, man pages and completions
// under a folder named like the archive, dated at the commit's time, and
// returns the archive's name and bytes.
func pack(root, bin, goos, goarch string) (string, []byte, error) {
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		return "", nil, err
	}
	version := info.Main.Version
	if version == "" || version == "(devel)" {
		return "", nil, errors.New("the binary carries no version: build from a git clone (a release is cut from a tagged commit)")
	}
	stamp := time.Unix(0, 0).UTC()
	for _, s := range info.Settings {
		if s.Key == "vcs.time" {
			if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
				stamp = t
			}
		}
	}
	base := fmt.Sprintf("%s_%s_%s_%s", name, strings.TrimPrefix(version, "v"), goos, goarch)
	more, err := extras(root)
	if err != nil {
		return "", nil, err
	}
	files := append([]archived{{bin, filepath.Base(bin), 0o755}}, more...)
	var buf bytes.Buffer
	if goos == "windows" {
		zw := zip.NewWriter(&buf)
		for _, f := range files {
			data, err := os.ReadFile(f.from)
			if err != nil {
				return "", nil, err
			}
			h := &zip.FileHeader{Name: base + "/" + f.name, Method: zip.Deflate, Modified: stamp}
			h.SetMode(f.mode)
			w, err := zw.CreateHeader(h)
			if err != nil {
				return "", nil, err
			}
			if _, err := w.Write(data); err != nil {
				return "", nil, err
			}
		}
		if err := zw.Close(); err != nil {
			return "", nil, err
		}
		return base + ".zip", buf.Bytes(), nil
	}
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // level is valid
	tw := tar.NewWriter(gz)
	for _, f := range files {
		data, err := os.ReadFile(f.from)
		if err != nil {
			return "", nil, err
		}
		h := &tar.Header{Name: base + "/" + f.name, Mode: int64(f.mode), Size: int64(len(data)),
			ModTime: stamp, Typeflag: tar.TypeReg, Format: tar.FormatPAX, Uname: "root", Gname: "root"}
		if err := tw.WriteHeader(h); err != nil {
			return "", nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return "", nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return "", nil, err
	}
	if err := gz.Close(); err != nil {
		return "", nil, err
	}
	return base + ".tar.gz", buf.Bytes(), nil
}
