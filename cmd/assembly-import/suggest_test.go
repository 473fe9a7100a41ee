package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestFlagMistakes(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"plan", "--cvs", "x"}, "did you mean --csv?"},
		{[]string{"run", "--xslx", "x"}, "did you mean --xlsx?"},
		{[]string{"status", "--checkpont=x"}, "did you mean --checkpoint?"},
		{[]string{"run", "--api-key", "secret"}, "there is no --api-key: the key is read from $ASSEMBLY_API_KEY or from the file --api-key-file names"},
		{[]string{"run", "--api-key=secret"}, "there is no --api-key"},
		{[]string{"plan", "--zzzzzz"}, "unknown flag: --zzzzzz (see assembly-import plan --help)"},
	} {
		var stdout, stderr bytes.Buffer
		code := execute(t.Context(), "assembly-import", c.args, &stdout, &stderr)
		if code != exitUsage || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr.String(), exitUsage, c.want)
		}
		if strings.Contains(stderr.String(), "secret") {
			t.Errorf("%v: the key was printed: %q", c.args, stderr.String())
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"csv", "csv", 0}, {"cvs", "csv", 1}, {"xslx", "xlsx", 1},
		{"checkpont", "checkpoint", 1}, {"", "abc", 3}, {"kitten", "sitting", 3},
	} {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestUsageListsEverySource(t *testing.T) {
	for _, command := range []string{"plan", "run"} {
		var stdout, stderr bytes.Buffer
		execute(t.Context(), "assembly-import", []string{command, "--help"}, &stdout, &stderr)
		usage, _, _ := strings.Cut(stdout.String()+"\n", "\nFlags:")
		for _, source := range []string{"--csv DIR", "--xlsx FILE", "--postgres DSN", "--pg-dump FILE"} {
			if !strings.Contains(usage, source) {
				t.Errorf("%s --help: the usage does not name %s:\n%s", command, source, usage)
			}
		}
	}
}

func TestVersion(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := execute(t.Context(), "assembly-import", []string{"version"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("version: exit %d: %s", code, stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), "assembly-import ") || !strings.Contains(stdout.String(), "go1.") {
		t.Errorf("version printed %q", stdout.String())
	}
}

func TestDefaultAuthorMustBeAnEmail(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := execute(t.Context(), "assembly-import", []string{"plan", "--csv", "../../samples/csv", "--default-author", "Migration Bot"}, &stdout, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), `"Migration Bot" is not an email address`) {
		t.Errorf("exit %d, %q", code, stderr.String())
	}
}
