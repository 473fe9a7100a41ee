package main

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
)

// httpClient is the client for the API: TLS verification always on, with
// the system's CAs plus those of caFile.
func httpClient(caFile string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, exitf(exitUsage, "--ca-file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, exitf(exitUsage, "--ca-file %s holds no PEM certificate", caFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr}, nil // the API client times each request by its size
}

// checkAPIURL allows plain http only to this machine: the key must not
// cross a network in the clear.
func checkAPIURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return exitf(exitUsage, "--api-url %q is not a URL", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
		return exitf(exitUsage, "--api-url %s: plain http is allowed only to this machine (localhost); use https", raw)
	}
	return exitf(exitUsage, "--api-url %q must be an https URL", raw)
}

// othersMayRead says a file's permissions let users other than its owner
// read it. Windows keeps access in ACLs, which Go's mode bits do not show:
// there it says false.
func othersMayRead(path string) bool {
	st, err := os.Stat(path)
	return err == nil && runtime.GOOS != "windows" && st.Mode().Perm()&0o044 != 0
}

// apiKey reads the key from a file or the environment.
func apiKey(e *env, file string) (string, error) {
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return "", exitf(exitUsage, "--api-key-file: %w", err)
		}
		if key := strings.TrimSpace(string(data)); key != "" {
			return key, nil
		}
		return "", exitf(exitUsage, "--api-key-file %s is empty", file)
	}
	if key := strings.TrimSpace(e.getenv(keyEnv)); key != "" {
		return key, nil
	}
	return "", exitf(exitUsage, "no API key: set $%s or use --api-key-file FILE", keyEnv)
}
