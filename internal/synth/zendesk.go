package synth

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

// WriteZendesk writes a Zendesk-shaped JSON export into dir, the same for
// the same seed: tickets.json with one ticket object per line, its
// comments nested (the first is the description), each with the fields a
// real export carries (body, html_body, plain_body, via, metadata), and
// users.json, the people the comments name by id. It stops once the
// tickets file reaches size bytes.
func WriteZendesk(dir string, size int64, seed uint64) (tickets, comments int, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, 0, err
	}
	const people = 5000
	rng := rand.New(rand.NewPCG(seed, 43))
	f, err := os.Create(filepath.Join(dir, "tickets.json"))
	if err != nil {
		return 0, 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(w)
	base := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	var written int64
	for written < size {
		tickets++
		created := base.Add(time.Duration(rng.Int64N(int64(5 * 365 * 24 * time.Hour)))).Truncate(time.Second)
		requester := rng.IntN(people)
		n := 1 + rng.IntN(7)
		cs := make([]map[string]any, n)
		for c := range cs {
			comments++
			author := requester
			if c%2 == 1 {
				author = rng.IntN(50) // an agent
			}
			text := sentence(rng, 10+rng.IntN(60))
			cs[c] = map[string]any{
				"id": 20_000_000_000 + comments, "type": "Comment", "author_id": 10_000 + author, "public": rng.IntN(10) > 0,
				"body": text, "html_body": `<div class="zd-comment" dir="auto"><p>` + text + `</p></div>`, "plain_body": text,
				"attachments": []any{}, "audit_id": 30_000_000_000 + comments,
				"via": map[string]any{"channel": "email", "source": map[string]any{
					"from": map[string]any{"address": fmt.Sprintf("person%d@example.com", author), "name": fmt.Sprintf("Person %d", author)},
					"to":   map[string]any{"address": "support@acme.zendesk.com", "name": "Acme"}, "rel": nil}},
				"metadata": map[string]any{"system": map[string]any{"client": "Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "ip_address": "203.0.113.7",
					"location": "Berlin, BE, Germany", "latitude": 52.52, "longitude": 13.40}, "custom": map[string]any{}},
				"created_at": created.Add(time.Duration(c) * time.Hour).Format(time.RFC3339),
			}
		}
		t := map[string]any{
			"url": fmt.Sprintf("https://acme.zendesk.com/api/v2/tickets/%d.json", tickets), "id": tickets, "external_id": nil,
			"via": map[string]any{"channel": "email"}, "created_at": created.Format(time.RFC3339), "updated_at": created.Add(time.Duration(n) * time.Hour).Format(time.RFC3339),
			"type": "question", "subject": sentence(rng, 3+rng.IntN(6)), "description": cs[0]["body"], "priority": "normal",
			"status": []string{"new", "open", "pending", "solved", "closed"}[rng.IntN(5)], "requester_id": 10_000 + requester,
			"submitter_id": 10_000 + requester, "assignee_id": 10_000 + rng.IntN(50), "organization_id": nil, "group_id": 360001,
			"tags": []string{"synthetic"}, "custom_fields": []map[string]any{{"id": 360011, "value": "x"}}, "brand_id": 360003,
			"comments": cs,
		}
		if err := enc.Encode(t); err != nil {
			f.Close()
			return 0, 0, err
		}
		written = int64(w.Buffered())
		if st, err := f.Stat(); err == nil {
			written += st.Size()
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, 0, err
	}
	if err := f.Close(); err != nil {
		return 0, 0, err
	}
	u, err := os.Create(filepath.Join(dir, "users.json"))
	if err != nil {
		return 0, 0, err
	}
	uw := bufio.NewWriter(u)
	for i := range people {
		fmt.Fprintf(uw, `{"id":%d,"name":"Person %d","email":"person%d@example.com","role":"end-user","active":true}`+"\n", 10_000+i, i, i)
	}
	if err := uw.Flush(); err != nil {
		u.Close()
		return 0, 0, err
	}
	return tickets, comments, u.Close()
}
