package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/assembly-import/assembly-import/assembly/sandbox"
	"github.com/assembly-import/assembly-import/internal/wine"
)

// planCounts is what a plan read and would send, and its exit code: two
// mappings that read an export alike give the same.
func planCounts(t *testing.T, args ...string) string {
	t.Helper()
	r := runTool(t, append([]string{"plan"}, args...)...)
	lines := regexp.MustCompile(`(?m)^(Read|Skipped|To send|Problems: \d+ errors).*$`).FindAllString(r.stdout, -1)
	if len(lines) == 0 {
		t.Fatalf("plan %v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
	}
	return strings.Join(lines, "\n") + "\nexit " + string(rune('0'+r.code))
}

// TestInspectWritesMappingsThatPlan inspects each sample: it names the
// shape, and the mapping it writes reads the export as the sample's own
// mapping does (the same rows read, skipped and sent, the same errors; a
// recognised export plans the same with no mapping at all).
func TestInspectWritesMappingsThatPlan(t *testing.T) {
	for _, c := range []struct {
		sample, flag, path string
		extra              []string
		says               string
	}{
		{"jira", "--csv", "../../samples/jira/jira.csv", []string{"--default-author", "support-import@example.com"}, "Recognised: Jira"},
		{"messages", "--csv", "../../samples/messages/conversations.csv", []string{"--default-author", "support-import@example.com"}, "Recognised: a chat tool's conversation export"},
		// The zone is the admin's to give: inspect cannot read it off the export.
		{"foreign", "--csv", "../../samples/foreign", []string{"--timezone", "Europe/Berlin"}, "The layout that fits best: tickets-and-replies"},
		{"excel-de", "--csv", "../../samples/excel-de", []string{"--timezone", "Europe/Berlin"}, "The layout that fits best: tickets-and-replies"},
		{"zendesk-json", "--json", "../../samples/zendesk-json", nil, "Recognised: Zendesk's JSON export"},
	} {
		t.Run(c.sample, func(t *testing.T) {
			written := filepath.Join(wine.TempDir(t), "mapping.yaml")
			r := runTool(t, "inspect", c.path, "--write-mapping", written)
			if r.code != 0 || !strings.Contains(r.stdout, c.says) {
				t.Fatalf("inspect: exit %d, want it to say %q\n%s%s", r.code, c.says, r.stdout, r.stderr)
			}
			args := append([]string{c.flag, c.path}, c.extra...)
			var want string
			if own := filepath.Join("../../samples", c.sample, "mapping.yaml"); fileExists(own) {
				want = planCounts(t, append(args, "--mapping", own)...)
			} else {
				want = planCounts(t, args...) // a profile's own
			}
			if got := planCounts(t, append(args, "--mapping", written)...); got != want {
				t.Errorf("with the written mapping:\n%s\nwith the sample's:\n%s", got, want)
			}
			if strings.HasPrefix(c.says, "Recognised") && c.flag == "--csv" {
				people := []string{}
				if data, _ := os.ReadFile(written); strings.Contains(string(data), "\npeople:") {
					people = []string{"--people", filepath.Join(filepath.Dir(c.path), "people.csv")}
				}
				if got := planCounts(t, append(args, people...)...); got != want {
					t.Errorf("with no mapping:\n%s\nwith the sample's:\n%s", got, want)
				}
			}
		})
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestPlanRefusesZendeskCSV: Zendesk's CSV export has no conversation;
// plan says so and names the export to use, rather than sending tickets
// without text.
func TestPlanRefusesZendeskCSV(t *testing.T) {
	path := filepath.Join(wine.TempDir(t), "export.csv")
	os.WriteFile(path, []byte("Id,Requester,Requester id,Requester email,Subject,Tags,Status,Via,Created at,Requester wait time in minutes\n"+
		"1,Ann,11,ann@example.com,Hi,,open,Mail,2024-03-01 10:00:00 +0100,3\n"), 0o600)
	r := runTool(t, "plan", "--csv", path)
	if r.code != exitUsage || !strings.Contains(r.stderr, "has no conversation") || !strings.Contains(r.stderr, "JSON export") {
		t.Errorf("plan of Zendesk's CSV: exit %d\n%s", r.code, r.stderr)
	}
	r = runTool(t, "inspect", path)
	if r.code != 0 || !strings.Contains(r.stdout, "It cannot be migrated") {
		t.Errorf("inspect of Zendesk's CSV: exit %d\n%s", r.code, r.stdout)
	}
}

// TestPlanNamesInspect: an export in its own columns given with no
// mapping is refused with the way to a mapping.
func TestPlanNamesInspect(t *testing.T) {
	r := runTool(t, "plan", "--csv", "../../samples/foreign")
	if r.code != exitUsage || !strings.Contains(r.stderr, "assembly-import inspect ../../samples/foreign") {
		t.Errorf("exit %d\n%s", r.code, r.stderr)
	}
}

// TestEverySampleArrives migrates every file sample against the sandbox
// and checks the store holds the messages each is known to carry, each
// once. The three renderings of one helpdesk (the tool's CSV, its workbook,
// and the Berlin-time, own-columns CSV of samples/foreign) must arrive as
// the same messages at the same instants by the same people.
func TestEverySampleArrives(t *testing.T) {
	type message struct{ created, text, email string }
	stores := map[string]map[string]message{}
	for _, c := range []struct {
		name             string
		source           []string
		tickets, replies int // in the store: the replies lane's follow-ups count as replies
	}{
		{"csv", []string{"--csv", "../../samples/csv"}, 43, 117},
		{"xlsx", []string{"--xlsx", "../../samples/xlsx/helpdesk.xlsx"}, 43, 117},
		{"foreign", []string{"--csv", "../../samples/foreign", "--mapping", "../../samples/foreign/mapping.yaml"}, 43, 117},
		{"excel-de", []string{"--csv", "../../samples/excel-de", "--mapping", "../../samples/excel-de/mapping.yaml"}, 4, 6},
		{"jira", []string{"--csv", "../../samples/jira/jira.csv", "--mapping", "../../samples/jira/mapping.yaml"}, 4, 4},
		{"messages", []string{"--csv", "../../samples/messages/conversations.csv", "--mapping", "../../samples/messages/mapping.yaml"}, 2, 4},
		{"zendesk-json", []string{"--json", "../../samples/zendesk-json"}, 3, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			sb, url := newSandbox(t, sandbox.Options{EventsPerSec: 100, RepliesPerMin: 60000})
			r := runTool(t, append([]string{"run", "--api-url", url, "--checkpoint", filepath.Join(wine.TempDir(t), "cp.jsonl"),
				"--replies-per-min", "60000", "--events-per-sec", "100"}, c.source...)...)
			if r.code != exitOK {
				t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			store := map[string]message{}
			replies := 0
			for _, tk := range sb.Tickets() {
				store[tk.SSID] = message{tk.Created, tk.Query, fmt.Sprint(tk.User["email"])}
				for _, rp := range tk.Replies {
					if _, twice := store[rp.SSID]; twice {
						t.Errorf("reply %s is in the store twice", rp.SSID)
					}
					store[rp.SSID] = message{rp.Created, rp.Content, fmt.Sprint(rp.User["email"])}
					replies++
				}
			}
			if tickets := len(sb.Tickets()); tickets != c.tickets || replies != c.replies {
				t.Errorf("the store holds %d tickets and %d replies, want %d and %d", tickets, replies, c.tickets, c.replies)
			}
			stores[c.name] = store
		})
	}
	for _, other := range []string{"xlsx", "foreign"} {
		if len(stores["csv"]) == 0 || len(stores[other]) != len(stores["csv"]) {
			t.Errorf("%s: %d messages, csv %d", other, len(stores[other]), len(stores["csv"]))
			continue
		}
		for id, m := range stores["csv"] {
			if o := stores[other][id]; o != m {
				t.Errorf("%s: message %s arrived as %+v; from the CSV, %+v", other, id, o, m)
			}
		}
	}
}
