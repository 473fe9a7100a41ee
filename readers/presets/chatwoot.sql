-- assembly-import preset for Chatwoot (written against db/schema.rb of
-- Chatwoot v3/v4, 2024-2025: conversations, messages, contacts, users,
-- attachments and Active Storage).
--
-- A conversation is a ticket; its first public message (incoming or
-- outgoing) is the ticket's body and every later incoming or outgoing
-- message a reply. Activity messages (message_type 2: "conversation was
-- resolved by …") and templates (3) are not migrated. Private notes are
-- outgoing messages with private = true: replies flagged internal.
-- Chat conversations have no subject: the title is the email subject where
-- there is one, else "Conversation #<display id>".
-- Times: Rails stores created_at in UTC without a zone.
-- Attachments: Active Storage blobs on Chatwoot's disk service, stored at
-- storage/<key[0:2]>/<key[2:4]>/<key> (point --attachments-root at the
-- storage folder), or external URLs.
-- Ids: a ticket keeps its number; a reply is message-<id>, so that a ticket
-- and a message of the same number never share a source_specific_id.

-- name: tickets
SELECT c.id AS ticket_id,
       COALESCE(NULLIF(c.additional_attributes->>'mail_subject', ''), 'Conversation #' || c.display_id) AS title,
       c.created_at AT TIME ZONE 'UTC' AS created_at,
       ct.email AS requester_email,
       NULLIF(ct.name, '') AS requester_name,
       'contact-' || ct.id AS requester_id,
       CASE c.status WHEN 0 THEN 'open' WHEN 1 THEN 'resolved' WHEN 2 THEN 'pending' WHEN 3 THEN 'snoozed' END AS status,
       c.cached_label_list AS tags,
       fm.content AS body
FROM conversations c
LEFT JOIN contacts ct ON ct.id = c.contact_id
LEFT JOIN LATERAL (
  SELECT m.content FROM messages m
  WHERE m.conversation_id = c.id AND m.message_type IN (0, 1) AND NOT m.private
  ORDER BY m.created_at, m.id LIMIT 1
) fm ON true
ORDER BY c.id;

-- name: replies
SELECT 'message-' || m.id AS reply_id,
       m.conversation_id AS ticket_id,
       m.created_at AT TIME ZONE 'UTC' AS created_at,
       CASE m.sender_type WHEN 'Contact' THEN ct.email WHEN 'User' THEN u.email END AS author_email,
       CASE m.sender_type WHEN 'Contact' THEN NULLIF(ct.name, '') WHEN 'User' THEN u.name ELSE m.sender_type END AS author_name,
       CASE m.sender_type WHEN 'Contact' THEN 'contact-' || ct.id WHEN 'User' THEN 'user-' || u.id END AS author_id,
       m.private AS internal,
       m.content AS body
FROM messages m
LEFT JOIN contacts ct ON m.sender_type = 'Contact' AND ct.id = m.sender_id
LEFT JOIN users u ON m.sender_type = 'User' AND u.id = m.sender_id
WHERE m.message_type IN (0, 1)
  AND m.id IS DISTINCT FROM (
    SELECT f.id FROM messages f
    WHERE f.conversation_id = m.conversation_id AND f.message_type IN (0, 1) AND NOT f.private
    ORDER BY f.created_at, f.id LIMIT 1)
ORDER BY m.id;

-- name: attachments
SELECT CASE WHEN a.message_id = first.id THEN NULL ELSE 'message-' || a.message_id END AS reply_id,
       m.conversation_id AS ticket_id,
       CASE WHEN b.key IS NOT NULL THEN substr(b.key, 1, 2) || '/' || substr(b.key, 3, 2) || '/' || b.key END AS path,
       a.external_url AS url,
       COALESCE(b.filename, a.fallback_title) AS name
FROM attachments a
JOIN messages m ON m.id = a.message_id AND m.message_type IN (0, 1)
LEFT JOIN active_storage_attachments sa ON sa.record_type = 'Attachment' AND sa.record_id = a.id AND sa.name = 'file'
LEFT JOIN active_storage_blobs b ON b.id = sa.blob_id
LEFT JOIN LATERAL (
  SELECT f.id FROM messages f
  WHERE f.conversation_id = m.conversation_id AND f.message_type IN (0, 1) AND NOT f.private
  ORDER BY f.created_at, f.id LIMIT 1
) first ON true;
