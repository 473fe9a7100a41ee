package main

import (
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
		r := runTool(t, c.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, r.code, r.stderr, exitUsage, c.want)
		}
		if strings.Contains(r.stderr, "secret") {
			t.Errorf("%v: the key was printed: %q", c.args, r.stderr)
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
		usage, _, _ := strings.Cut(runTool(t, command, "--help").stdout+"\n", "\nFlags:")
		for _, source := range []string{"--csv DIR|FILE", "--xlsx FILE", "--postgres DSN", "--pg-dump FILE"} {
			if !strings.Contains(usage, source) {
				t.Errorf("%s --help: the usage does not name %s:\n%s", command, source, usage)
			}
		}
	}
}

func TestVersion(t *testing.T) {
	r := runTool(t, "version")
	if r.code != exitOK {
		t.Fatalf("version: exit %d: %s", r.code, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "assembly-import ") || !strings.Contains(r.stdout, "go1.") {
		t.Errorf("version printed %q", r.stdout)
	}
}

func TestDefaultAuthorMustBeAnEmail(t *testing.T) {
	r := runTool(t, "plan", "--csv", "../../samples/csv", "--default-author", "Migration Bot")
	if r.code != exitUsage || !strings.Contains(r.stderr, `"Migration Bot" is not an email address`) {
		t.Errorf("exit %d, %q", r.code, r.stderr)
	}
}
