package main

import (
	"bufio"
	"fmt"
	"net/http"
	"net/textproto"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/http/httpguts"
)

// downloadHeaderEnv holds a login header for --download-urls, as
// --download-header-file does.
const downloadHeaderEnv = "ASSEMBLY_DOWNLOAD_HEADER"

// downloadHeader reads the login header(s) links need — "Name: value"
// lines from --download-header-file, or one from $ASSEMBLY_DOWNLOAD_HEADER —
// for the hosts --download-hosts names. A byte-order mark that an editor
// put before the first line is dropped; invisible or non-ASCII bytes
// elsewhere are refused here, rather than found when every download fails.
// A header from the environment with no hosts is ignored, with a warning
// that says what to add: the variable may be set for something else.
// Values are secrets: no error repeats one.
func downloadHeader(e *env, file string, hosts []string) (http.Header, error) {
	var lines []string
	var from string
	switch {
	case file != "":
		f, err := os.Open(file)
		if err != nil {
			return nil, exitf(exitUsage, "--download-header-file: %w", err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		if err := sc.Err(); err != nil {
			return nil, exitf(exitUsage, "--download-header-file %s: %w", file, err)
		}
		from = "--download-header-file " + file
		if othersMayRead(file) {
			e.log.Warn("the download header file can be read by other users of this machine; chmod 600 it", "file", file)
		}
	case e.getenv(downloadHeaderEnv) != "":
		lines, from = []string{e.getenv(downloadHeaderEnv)}, "$"+downloadHeaderEnv
	default:
		return nil, nil
	}
	if len(lines) > 0 {
		lines[0] = strings.TrimPrefix(lines[0], "\ufeff")
	}
	h := http.Header{}
	for i, line := range lines {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || name == "" || value == "" || !httpguts.ValidHeaderFieldName(name) {
			return nil, exitf(exitUsage, "%s line %d: want \"Header-Name: value\" (the value is not shown here)", from, i+1)
		}
		if at := strings.IndexFunc(value, func(r rune) bool { return r < 0x20 && r != '\t' || r >= 0x7f }); at >= 0 {
			return nil, exitf(exitUsage, "%s line %d: the value holds an invisible or non-ASCII character, its character %d "+
				"(a byte-order mark, a no-break or zero-width space pasted with it?); a login is plain ASCII: retype it", from, i+1, utf8.RuneCountInString(value[:at])+1)
		}
		h.Add(textproto.CanonicalMIMEHeaderKey(name), value)
	}
	if len(h) == 0 {
		return nil, exitf(exitUsage, "%s holds no header", from)
	}
	if len(hosts) == 0 {
		if file == "" {
			e.log.Warn("$"+downloadHeaderEnv+" is set, but --download-hosts names no host for it, so it is not sent: "+
				"add --download-hosts with the host(s) of the links that need the login (e.g. acme.atlassian.net)", "header", describeHeader(h))
			return nil, nil
		}
		return nil, exitf(exitUsage, "%s: say which hosts it goes to with --download-hosts (e.g. acme.atlassian.net); "+
			"a login must not go to every link's host", from)
	}
	return h, nil
}

// describeHeader names a header's fields for logs, never their values.
func describeHeader(h http.Header) string {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	return fmt.Sprint(names)
}
