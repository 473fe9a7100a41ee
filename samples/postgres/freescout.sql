--
-- PostgreSQL database dump
--

\restrict WO1RqeIIzgYi0ojQ6IyQaIRKAe5WNepj3IVswVmsbJazFzAxPHPPUweTMTvmkYi

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: attachments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.attachments (
    id integer NOT NULL,
    thread_id integer,
    user_id integer,
    file_dir character varying(20),
    file_name character varying(255) NOT NULL,
    mime_type character varying(127) NOT NULL,
    type integer NOT NULL,
    size integer,
    embedded boolean DEFAULT false
);


--
-- Name: attachments_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.attachments_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: attachments_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.attachments_id_seq OWNED BY public.attachments.id;


--
-- Name: conversations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.conversations (
    id integer NOT NULL,
    number integer NOT NULL,
    threads_count integer DEFAULT 0,
    type smallint NOT NULL,
    folder_id integer NOT NULL,
    status smallint DEFAULT 1,
    state smallint DEFAULT 1,
    subject character varying(998) NOT NULL,
    preview character varying(255) NOT NULL,
    mailbox_id integer NOT NULL,
    user_id integer,
    customer_id integer NOT NULL,
    created_by_user_id integer,
    created_by_customer_id integer,
    source_via smallint NOT NULL,
    source_type smallint NOT NULL,
    created_at timestamp without time zone,
    updated_at timestamp without time zone
);


--
-- Name: conversations_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.conversations_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: conversations_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.conversations_id_seq OWNED BY public.conversations.id;


--
-- Name: customers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.customers (
    id integer NOT NULL,
    first_name character varying(255),
    last_name character varying(255),
    created_at timestamp without time zone,
    updated_at timestamp without time zone
);


--
-- Name: customers_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.customers_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: customers_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.customers_id_seq OWNED BY public.customers.id;


--
-- Name: emails; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.emails (
    id integer NOT NULL,
    customer_id integer NOT NULL,
    email character varying(191) NOT NULL,
    type smallint DEFAULT 1
);


--
-- Name: emails_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.emails_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: emails_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.emails_id_seq OWNED BY public.emails.id;


--
-- Name: threads; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.threads (
    id integer NOT NULL,
    conversation_id integer NOT NULL,
    user_id integer,
    type smallint NOT NULL,
    status smallint DEFAULT 1,
    state smallint DEFAULT 1,
    action_type smallint,
    body text,
    source_via smallint NOT NULL,
    source_type smallint NOT NULL,
    customer_id integer NOT NULL,
    created_by_user_id integer,
    created_by_customer_id integer,
    created_at timestamp without time zone,
    updated_at timestamp without time zone
);


--
-- Name: threads_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.threads_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: threads_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.threads_id_seq OWNED BY public.threads.id;


--
-- Name: users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.users (
    id integer NOT NULL,
    first_name character varying(20) NOT NULL,
    last_name character varying(30) NOT NULL,
    email character varying(100) NOT NULL
);


--
-- Name: users_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.users_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: users_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.users_id_seq OWNED BY public.users.id;


--
-- Name: attachments id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.attachments ALTER COLUMN id SET DEFAULT nextval('public.attachments_id_seq'::regclass);


--
-- Name: conversations id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.conversations ALTER COLUMN id SET DEFAULT nextval('public.conversations_id_seq'::regclass);


--
-- Name: customers id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.customers ALTER COLUMN id SET DEFAULT nextval('public.customers_id_seq'::regclass);


--
-- Name: emails id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.emails ALTER COLUMN id SET DEFAULT nextval('public.emails_id_seq'::regclass);


--
-- Name: threads id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.threads ALTER COLUMN id SET DEFAULT nextval('public.threads_id_seq'::regclass);


--
-- Name: users id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users ALTER COLUMN id SET DEFAULT nextval('public.users_id_seq'::regclass);


--
-- Data for Name: attachments; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.attachments (id, thread_id, user_id, file_dir, file_name, mime_type, type, size, embedded) FROM stdin;
1	400	\N	1/2/	lieferschein.pdf	application/pdf	0	8	f
2	403	\N	3/	label.png	image/png	0	3	f
3	403	\N	3/	inline.png	image/png	0	3	t
\.


--
-- Data for Name: conversations; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.conversations (id, number, threads_count, type, folder_id, status, state, subject, preview, mailbox_id, user_id, customer_id, created_by_user_id, created_by_customer_id, source_via, source_type, created_at, updated_at) FROM stdin;
40	1040	0	1	1	3	2	Lieferung fehlt		1	\N	1	\N	\N	1	1	2024-06-01 10:00:00	\N
41	1041	0	1	1	1	1	A draft		1	\N	1	\N	\N	2	1	2024-06-02 10:00:00	\N
42	1042	0	1	1	2	2	From nobody		1	\N	2	\N	\N	1	1	2024-06-03 10:00:00	\N
\.


--
-- Data for Name: customers; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.customers (id, first_name, last_name, created_at, updated_at) FROM stdin;
1	Jürgen	Groß	2026-11-26 00:16:00.144875	2026-11-26 00:16:00.144875
2	Anon	\N	2026-11-26 00:16:00.144875	2026-11-26 00:16:00.144875
\.


--
-- Data for Name: emails; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.emails (id, customer_id, email, type) FROM stdin;
1	1	juergen@example.de	1
2	1	j.gross@example.de	1
\.


--
-- Data for Name: threads; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.threads (id, conversation_id, user_id, type, status, state, action_type, body, source_via, source_type, customer_id, created_by_user_id, created_by_customer_id, created_at, updated_at) FROM stdin;
400	40	\N	1	1	2	\N	<p>Meine Lieferung <b>fehlt</b>.</p><p>Grüße</p>	1	1	1	\N	1	2024-06-01 10:00:00	\N
401	40	\N	4	1	2	\N	\N	2	1	1	3	\N	2024-06-01 10:05:00	\N
403	40	\N	2	1	2	\N	<div>Sorry! See <a href="https://track.example/1">tracking</a>.</div>	2	1	1	3	\N	2024-06-01 11:00:00	\N
402	40	\N	3	1	2	\N	<p>Carrier lost it</p>	2	1	1	3	\N	2024-06-01 10:30:00	\N
404	40	\N	2	1	1	\N	<p>unsent draft</p>	2	1	1	3	\N	2024-06-01 12:00:00	\N
420	42	\N	1	1	2	\N	<p>hello</p>	1	1	2	\N	2	2024-06-03 10:00:00	\N
421	42	\N	1	1	2	\N	<p>anyone?</p>	1	1	2	\N	2	2024-06-03 11:00:00	\N
\.


--
-- Data for Name: users; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.users (id, first_name, last_name, email) FROM stdin;
3	Marco	Rossi	marco@helpdesk.example
\.


--
-- Name: attachments_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.attachments_id_seq', 3, true);


--
-- Name: conversations_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.conversations_id_seq', 1, false);


--
-- Name: customers_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.customers_id_seq', 1, false);


--
-- Name: emails_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.emails_id_seq', 2, true);


--
-- Name: threads_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.threads_id_seq', 1, false);


--
-- Name: users_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.users_id_seq', 1, false);


--
-- Name: attachments attachments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.attachments
    ADD CONSTRAINT attachments_pkey PRIMARY KEY (id);


--
-- Name: conversations conversations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.conversations
    ADD CONSTRAINT conversations_pkey PRIMARY KEY (id);


--
-- Name: customers customers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.customers
    ADD CONSTRAINT customers_pkey PRIMARY KEY (id);


--
-- Name: emails emails_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.emails
    ADD CONSTRAINT emails_pkey PRIMARY KEY (id);


--
-- Name: threads threads_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.threads
    ADD CONSTRAINT threads_pkey PRIMARY KEY (id);


--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);


--
-- PostgreSQL database dump complete
--

\unrestrict WO1RqeIIzgYi0ojQ6IyQaIRKAe5WNepj3IVswVmsbJazFzAxPHPPUweTMTvmkYi

