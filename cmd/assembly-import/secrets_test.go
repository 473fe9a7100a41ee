package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestRedactArgs(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{[]string{"run", "--postgres", "postgres://helpdesk:s3cret@db.example:5432/zammad?sslmode=require"},
			"run --postgres postgres://helpdesk@db.example:5432/zammad?sslmode=require"},
		{[]string{"run", "--postgres=postgresql://u:p%40ss@h/db?password=other"}, "run --postgres=postgresql://u@h/db"},
		{[]string{"run", "--postgres", "host=db user=helpdesk password=s3cret dbname=zammad"}, "run --postgres host=db user=helpdesk dbname=zammad"},
		{[]string{"run", "--postgres", "host=db password='s3 cret' dbname=z"}, "run --postgres host=db dbname=z"},
		{[]string{"run", "--csv", "password=x"}, "run --csv password=x"},
	}
	for _, tt := range tests {
		got := strings.Join(redactArgs(tt.in), " ")
		if got != tt.want {
			t.Errorf("redactArgs(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.Contains(got, "s3cret") || strings.Contains(got, "s3 cret") || strings.Contains(got, "p%40ss") {
			t.Errorf("redactArgs(%q) kept the password: %q", tt.in, got)
		}
	}
}

func TestOthersMayRead(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows keeps access in ACLs")
	}
	path := filepath.Join(t.TempDir(), "key")
	os.WriteFile(path, []byte("k"), 0o600)
	if othersMayRead(path) {
		t.Errorf("othersMayRead(0600) = true")
	}
	os.Chmod(path, 0o644)
	if !othersMayRead(path) {
		t.Errorf("othersMayRead(0644) = false")
	}
}
