package main

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// redactArgs returns args with the password taken out of every --postgres
// value: a command line to print, never a secret. The password then comes
// from $PGPASSWORD or ~/.pgpass, as the README says.
func redactArgs(args []string) []string {
	out := slices.Clone(args)
	for i, a := range out {
		switch {
		case strings.HasPrefix(a, "--postgres="):
			out[i] = "--postgres=" + redactDSN(strings.TrimPrefix(a, "--postgres="))
		case a == "--postgres" && i+1 < len(out):
			out[i+1] = redactDSN(out[i+1])
		}
	}
	return out
}

// dsnPassword finds the password of a "key=value" connection string.
var dsnPassword = regexp.MustCompile(`(^|\s+)password\s*=\s*('(\\.|[^'])*'|\S*)`)

// redactDSN removes the password from a Postgres URL or key=value string.
func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		if u.User != nil {
			u.User = url.User(u.User.Username())
		}
		q := u.Query()
		if q.Has("password") {
			q.Del("password")
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	return strings.TrimSpace(dsnPassword.ReplaceAllString(dsn, ""))
}

// shellJoin quotes args for a command line to copy.
func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,@", r))
		}) < 0 {
			out[i] = a
		} else {
			out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(out, " ")
}
