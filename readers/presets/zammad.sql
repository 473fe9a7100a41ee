-- assembly-import preset for Zammad (written against its db/migrate
-- 20120101000001_create_base.rb and _create_ticket.rb, Zammad 6.x, 2024-2025:
-- tickets, ticket_articles, ticket_article_senders, ticket_states, users,
-- stores, store_objects, store_files, store_provider_dbs).
--
-- A ticket's first article (not internal) is its body; every later
-- article from an agent or a customer is a reply, internal ones flagged.
-- Articles by the System sender (auto-replies, notifications) are not
-- migrated. Bodies of content type text/html are sent as readable text.
-- Times: Rails stores UTC without a zone.
-- Attachments: Zammad's stores for Ticket::Article. Those in the database
-- (provider DB, store_provider_dbs.data) are written out while planning;
-- those on disk (provider File) are where Zammad's Store::Provider::File
-- get_location puts them: the SHA-256 cut into folders of 4, 4, 5, 5, 7
-- and 7 characters, the rest the file's name, under storage/fs
-- (storage/fs/e5c6/2df5/dab5c/87b6a/015ef3d/4359707/4d1eec…; point
-- --attachments-root at Zammad's storage/fs folder).
-- Ids: a ticket keeps its number; a reply is article-<id>, so that a ticket
-- and a message of the same number never share a source_specific_id.

-- name: tickets
SELECT t.id AS ticket_id,
       t.title,
       t.created_at AT TIME ZONE 'UTC' AS created_at,
       NULLIF(cu.email, '') AS requester_email,
       NULLIF(trim(concat_ws(' ', cu.firstname, cu.lastname)), '') AS requester_name,
       'user-' || cu.id AS requester_id,
       st.name AS status,
       fa.body,
       fa.content_type AS body_type
FROM tickets t
LEFT JOIN users cu ON cu.id = t.customer_id
LEFT JOIN ticket_states st ON st.id = t.state_id
LEFT JOIN LATERAL (
  SELECT a.body, a.content_type FROM ticket_articles a
  JOIN ticket_article_senders s ON s.id = a.sender_id AND s.name <> 'System'
  WHERE a.ticket_id = t.id AND NOT a.internal
  ORDER BY a.created_at, a.id LIMIT 1
) fa ON true
ORDER BY t.id;

-- name: replies
SELECT 'article-' || a.id AS reply_id,
       a.ticket_id,
       a.created_at AT TIME ZONE 'UTC' AS created_at,
       NULLIF(u.email, '') AS author_email,
       NULLIF(trim(concat_ws(' ', u.firstname, u.lastname)), '') AS author_name,
       'user-' || u.id AS author_id,
       a.internal,
       a.body,
       a.content_type AS body_type
FROM ticket_articles a
JOIN ticket_article_senders s ON s.id = a.sender_id AND s.name <> 'System'
LEFT JOIN users u ON u.id = a.created_by_id
WHERE a.id IS DISTINCT FROM (
    SELECT f.id FROM ticket_articles f
    JOIN ticket_article_senders fs ON fs.id = f.sender_id AND fs.name <> 'System'
    WHERE f.ticket_id = a.ticket_id AND NOT f.internal
    ORDER BY f.created_at, f.id LIMIT 1)
ORDER BY a.id;

-- name: attachments
SELECT CASE WHEN a.id = first.id THEN NULL ELSE 'article-' || a.id END AS reply_id,
       a.ticket_id,
       st.filename AS name,
       CASE WHEN f.provider = 'File' THEN substr(f.sha, 1, 4) || '/' || substr(f.sha, 5, 4) || '/' || substr(f.sha, 9, 5) || '/' ||
                 substr(f.sha, 14, 5) || '/' || substr(f.sha, 19, 7) || '/' || substr(f.sha, 26, 7) || '/' || substr(f.sha, 33) END AS path,
       CASE WHEN f.provider = 'DB' THEN d.data END AS data
FROM stores st
JOIN store_objects so ON so.id = st.store_object_id AND so.name = 'Ticket::Article'
JOIN ticket_articles a ON a.id = st.o_id
JOIN ticket_article_senders s ON s.id = a.sender_id AND s.name <> 'System'
JOIN store_files f ON f.id = st.store_file_id
LEFT JOIN store_provider_dbs d ON d.sha = f.sha
LEFT JOIN LATERAL (
  SELECT fa.id FROM ticket_articles fa
  JOIN ticket_article_senders fs ON fs.id = fa.sender_id AND fs.name <> 'System'
  WHERE fa.ticket_id = a.ticket_id AND NOT fa.internal
  ORDER BY fa.created_at, fa.id LIMIT 1
) first ON true
ORDER BY st.id;
