package planner

import (
	"cmp"
	"hash/maphash"
	"slices"
)

// Reply ids are checked once everything is read, not as each reply comes:
// looking every reply's id up in a table of the others missed the
// processor's caches at each of millions of replies, more often the
// larger the export. Sorting their hashes instead reads and writes memory
// in order.

// checkIDs reports each reply whose id an earlier reply has, and each
// whose id a ticket has.
func (b *builder) checkIDs(plan *Plan) error {
	seed := maphash.MakeSeed()
	replies, err := b.duplicateReplies(plan, seed)
	if err != nil {
		return err
	}
	b.idClashes(replies, seed)
	return nil
}

// hashedIDs holds records' ids as their hash's top 32 bits above the
// record's index, sorted: records whose ids have the same hash are
// neighbours, a run.
type hashedIDs []uint64

// bucketBits is how many top bits of a hash hashIDs places it by.
const bucketBits = 12

// hashIDs hashes the ids of the first n records, skipping records without
// one. It places each hash in a bucket by its top bits, then sorts each
// bucket: memory is written in a few thousand streams and sorted within
// the processor's caches, where sorting it whole missed them (twice the
// time: 1.4 s against 0.65 s for 10M ids on a 2-core VM). It hashes every
// id twice, once to count each bucket and once to place it, so that the
// array is made once at its exact size with no scratch copy beside it
// (appending to a growing slice took 1.19 s at 10M and more memory).
func hashIDs(seed maphash.Seed, n int, id func(int32) string) hashedIDs {
	ends := make([]int, 1<<bucketBits+1) // bucket k is s[ends[k]:ends[k+1]]
	each := func(do func(h uint64, i int32)) {
		for i := range int32(n) {
			if v := id(i); v != "" {
				do(maphash.String(seed, v)>>32, i)
			}
		}
	}
	each(func(h uint64, _ int32) { ends[h>>(32-bucketBits)+1]++ })
	for k := 1; k < len(ends); k++ {
		ends[k] += ends[k-1]
	}
	s := make(hashedIDs, ends[len(ends)-1])
	next := slices.Clone(ends[:len(ends)-1])
	each(func(h uint64, i int32) {
		k := h >> (32 - bucketBits)
		s[next[k]] = h<<32 | uint64(i)
		next[k]++
	})
	for k := range 1 << bucketBits {
		slices.Sort(s[ends[k]:ends[k+1]])
	}
	return s
}

func (s hashedIDs) hash(k int) uint32 { return uint32(s[k] >> 32) }
func (s hashedIDs) index(k int) int32 { return indexOf(s[k]) }

// indexOf returns the record index an entry of hashedIDs holds.
func indexOf(v uint64) int32 { return int32(uint32(v)) }

// run returns the end of the run that starts at k.
func (s hashedIDs) run(k int) (end int) {
	for end = k + 1; end < len(s) && s.hash(end) == s.hash(k); end++ {
	}
	return end
}

// sameID is a record whose id an earlier record has: first.
type sameID struct{ i, first int32 }

// dedupe removes from s the records whose id an earlier one has, and
// returns them in the order they were read. Only ids whose hashes are the
// same are compared: a few thousand pairs in ten million ids.
func (s hashedIDs) dedupe(id func(int32) string) (hashedIDs, []sameID) {
	var dups []sameID
	w := 0
	for k := 0; k < len(s); {
		end := s.run(k)
		if end-k == 1 { // the most: a hash no other id has
			s[w] = s[k]
			w, k = w+1, end
			continue
		}
		slices.SortFunc(s[k:end], func(x, y uint64) int { // by id, then read order
			return cmp.Or(cmp.Compare(id(indexOf(x)), id(indexOf(y))), cmp.Compare(x, y))
		})
		var first int32
		var firstID string
		for j := k; j < end; j++ {
			i := s.index(j)
			if v := id(i); j == k || v != firstID {
				first, firstID = i, v
				s[w] = s[j]
				w++
				continue
			}
			dups = append(dups, sameID{i, first})
		}
		k = end
	}
	slices.SortFunc(dups, func(x, y sameID) int { return cmp.Compare(x.i, y.i) })
	return s[:w], dups
}

// duplicateReplies reports each reply whose id an earlier reply has, and
// takes it out of the plan: its payload is spilled already, so its
// attachments come off the stats. It returns the other replies' hashed
// ids, one for each id.
func (b *builder) duplicateReplies(plan *Plan, seed maphash.Seed) (hashedIDs, error) {
	replies, dups := hashIDs(seed, b.replies.Len(), b.replyIDAt).dedupe(b.replyIDAt)
	for _, d := range dups {
		m := b.replies.At(int(d.i))
		b.problems.add(SeverityError, ProblemDuplicate, b.replyOrigin(d.i), itemID{ReplyGroup, b.replyID(m)}, "reply_id",
			"duplicate reply id: first seen at %s, which is the one migrated", b.replyOrigin(d.first))
		if !m.ok() {
			continue
		}
		m.state &^= replyOK | replyFiles
		r, err := load(plan, Job{at: m.at, n: m.n}, (*spillDecoder).reply)
		if err != nil {
			return nil, err
		}
		b.count(placed{files: r.Files, imageURLs: r.ImageURLs, downloads: r.Downloads}, -1)
	}
	return replies, nil
}

// idClashes warns of each reply whose id a ticket has too: the two would
// share a source_specific_id (Assembly's page does not say whether those
// may be equal, and a server that held them as one would answer the
// second as a duplicate). It walks the tickets' hashed ids beside the
// replies', in step; replies holds one reply for each id.
func (b *builder) idClashes(replies hashedIDs, seed maphash.Seed) {
	tickets := hashIDs(seed, b.tickets.Len(), b.ticketIDAt)
	var clashes []sameID // a reply, and the first ticket with its id
	r := 0
	for t := 0; t < len(tickets); {
		end := tickets.run(t)
		for r < len(replies) && replies.hash(r) < tickets.hash(t) {
			r++
		}
		for k := r; k < len(replies) && replies.hash(k) == tickets.hash(t); k++ {
			id := b.replyIDAt(replies.index(k))
			// The run's tickets are in read order: the first with the id is the one migrated.
			if j := slices.IndexFunc(tickets[t:end], func(v uint64) bool { return b.ticketIDAt(indexOf(v)) == id }); j >= 0 {
				clashes = append(clashes, sameID{replies.index(k), tickets.index(t + j)})
			}
		}
		t = end
	}
	slices.SortFunc(clashes, func(x, y sameID) int { return cmp.Compare(x.first, y.first) })
	for _, c := range clashes {
		b.problems.add(SeverityWarning, ProblemDuplicate, b.replyOrigin(c.i), itemID{ReplyGroup, b.replyIDAt(c.i)}, "reply_id",
			"a ticket and a reply share this id (the other is at %s), and so a source_specific_id; Assembly's page does not say "+
				"whether they may: give replies ids of their own in the export (the presets write message-<id>)", b.ticketOrigin(c.first))
	}
}
