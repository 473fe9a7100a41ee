-- assembly-import preset for FreeScout (written against its migrations up to
-- 1.8.x, 2025: conversations, threads, customers, emails, users,
-- attachments; constants from App\Conversation and App\Thread).
--
-- A published conversation (state 2; drafts and deleted ones are left out)
-- is a ticket; its first published customer or agent thread is the body and
-- every later customer (type 1), agent (2), note (3) or chat (8) thread a
-- reply, notes flagged internal. Line items (4: "assigned to …", status
-- changes) are not migrated. Bodies are HTML: they are sent as readable
-- text. Customers' email is their first address in emails.
-- Times: Laravel stores UTC without a zone.
-- Attachments (not embedded ones, which are inline images of the HTML) are
-- files under storage/app/attachment/<file_dir>/<file_name>: point
-- --attachments-root at storage/app/attachment.
-- Ids: a ticket keeps its number; a reply is thread-<id>, so that a ticket
-- and a message of the same number never share a source_specific_id.

-- name: tickets
SELECT c.id AS ticket_id,
       c.subject AS title,
       c.created_at AT TIME ZONE 'UTC' AS created_at,
       (SELECT e.email FROM emails e WHERE e.customer_id = c.customer_id ORDER BY e.id LIMIT 1) AS requester_email,
       NULLIF(trim(concat_ws(' ', cu.first_name, cu.last_name)), '') AS requester_name,
       'customer-' || c.customer_id AS requester_id,
       CASE c.status WHEN 1 THEN 'active' WHEN 2 THEN 'pending' WHEN 3 THEN 'closed' WHEN 4 THEN 'spam' END AS status,
       ft.body AS body_html
FROM conversations c
LEFT JOIN customers cu ON cu.id = c.customer_id
LEFT JOIN LATERAL (
  SELECT t.body FROM threads t
  WHERE t.conversation_id = c.id AND t.type IN (1, 2, 8) AND t.state = 2
  ORDER BY t.created_at, t.id LIMIT 1
) ft ON true
WHERE c.state = 2
ORDER BY c.id;

-- name: replies
SELECT 'thread-' || t.id AS reply_id,
       t.conversation_id AS ticket_id,
       t.created_at AT TIME ZONE 'UTC' AS created_at,
       CASE WHEN t.created_by_customer_id IS NOT NULL
            THEN (SELECT e.email FROM emails e WHERE e.customer_id = t.created_by_customer_id ORDER BY e.id LIMIT 1)
            ELSE u.email END AS author_email,
       NULLIF(trim(CASE WHEN t.created_by_customer_id IS NOT NULL THEN concat_ws(' ', cu.first_name, cu.last_name)
                        ELSE concat_ws(' ', u.first_name, u.last_name) END), '') AS author_name,
       CASE WHEN t.created_by_customer_id IS NOT NULL THEN 'customer-' || t.created_by_customer_id
            ELSE 'user-' || t.created_by_user_id END AS author_id,
       t.type = 3 AS internal,
       t.body AS body_html
FROM threads t
JOIN conversations c ON c.id = t.conversation_id AND c.state = 2
LEFT JOIN customers cu ON cu.id = t.created_by_customer_id
LEFT JOIN users u ON u.id = t.created_by_user_id
WHERE t.type IN (1, 2, 3, 8) AND t.state = 2
  AND t.id IS DISTINCT FROM (
    SELECT f.id FROM threads f
    WHERE f.conversation_id = t.conversation_id AND f.type IN (1, 2, 8) AND f.state = 2
    ORDER BY f.created_at, f.id LIMIT 1)
ORDER BY t.id;

-- name: attachments
SELECT CASE WHEN a.thread_id = first.id THEN NULL ELSE 'thread-' || a.thread_id END AS reply_id,
       t.conversation_id AS ticket_id,
       CASE WHEN trim(both '/' FROM coalesce(a.file_dir, '')) = '' THEN a.file_name
            ELSE trim(both '/' FROM a.file_dir) || '/' || a.file_name END AS path,
       a.file_name AS name
FROM attachments a
JOIN threads t ON t.id = a.thread_id AND t.type IN (1, 2, 3, 8) AND t.state = 2
JOIN conversations c ON c.id = t.conversation_id AND c.state = 2
LEFT JOIN LATERAL (
  SELECT f.id FROM threads f
  WHERE f.conversation_id = t.conversation_id AND f.type IN (1, 2, 8) AND f.state = 2
  ORDER BY f.created_at, f.id LIMIT 1
) first ON true
WHERE NOT a.embedded;
