--
-- PostgreSQL database dump
--

\restrict vOGPBIxGoxad3ym0yYRenOjJ6b0o95dYFyANdcFYDziSUevZuyTc2VZCkVsdms2

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
-- Name: store_files; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.store_files (
    id integer NOT NULL,
    sha character varying(128) NOT NULL,
    provider character varying(20)
);


--
-- Name: store_files_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.store_files_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: store_files_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.store_files_id_seq OWNED BY public.store_files.id;


--
-- Name: store_objects; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.store_objects (
    id integer NOT NULL,
    name character varying(250) NOT NULL
);


--
-- Name: store_objects_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.store_objects_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: store_objects_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.store_objects_id_seq OWNED BY public.store_objects.id;


--
-- Name: store_provider_dbs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.store_provider_dbs (
    id integer NOT NULL,
    sha character varying(128) NOT NULL,
    data bytea
);


--
-- Name: store_provider_dbs_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.store_provider_dbs_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: store_provider_dbs_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.store_provider_dbs_id_seq OWNED BY public.store_provider_dbs.id;


--
-- Name: stores; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.stores (
    id integer NOT NULL,
    store_object_id integer NOT NULL,
    store_file_id integer NOT NULL,
    o_id bigint NOT NULL,
    preferences character varying(2500),
    size character varying(50),
    filename character varying(250) NOT NULL,
    created_by_id integer NOT NULL
);


--
-- Name: stores_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.stores_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: stores_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.stores_id_seq OWNED BY public.stores.id;


--
-- Name: ticket_article_senders; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.ticket_article_senders (
    id integer NOT NULL,
    name character varying(250) NOT NULL
);


--
-- Name: ticket_article_senders_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.ticket_article_senders_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: ticket_article_senders_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.ticket_article_senders_id_seq OWNED BY public.ticket_article_senders.id;


--
-- Name: ticket_articles; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.ticket_articles (
    id integer NOT NULL,
    ticket_id integer NOT NULL,
    type_id integer NOT NULL,
    sender_id integer NOT NULL,
    "from" character varying(3000),
    subject character varying(3000),
    content_type character varying(20) DEFAULT 'text/plain'::character varying NOT NULL,
    body text NOT NULL,
    internal boolean DEFAULT false NOT NULL,
    created_by_id integer NOT NULL,
    created_at timestamp(3) without time zone NOT NULL,
    updated_at timestamp(3) without time zone NOT NULL
);


--
-- Name: ticket_articles_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.ticket_articles_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: ticket_articles_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.ticket_articles_id_seq OWNED BY public.ticket_articles.id;


--
-- Name: ticket_states; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.ticket_states (
    id integer NOT NULL,
    name character varying(250) NOT NULL
);


--
-- Name: ticket_states_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.ticket_states_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: ticket_states_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.ticket_states_id_seq OWNED BY public.ticket_states.id;


--
-- Name: tickets; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tickets (
    id integer NOT NULL,
    group_id integer,
    priority_id integer,
    state_id integer NOT NULL,
    number character varying(60) NOT NULL,
    title character varying(250) NOT NULL,
    owner_id integer,
    customer_id integer NOT NULL,
    created_at timestamp(3) without time zone NOT NULL,
    updated_at timestamp(3) without time zone NOT NULL
);


--
-- Name: tickets_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.tickets_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: tickets_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.tickets_id_seq OWNED BY public.tickets.id;


--
-- Name: users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.users (
    id integer NOT NULL,
    login character varying(255) NOT NULL,
    firstname character varying(100),
    lastname character varying(100),
    email character varying(255)
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
-- Name: store_files id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.store_files ALTER COLUMN id SET DEFAULT nextval('public.store_files_id_seq'::regclass);


--
-- Name: store_objects id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.store_objects ALTER COLUMN id SET DEFAULT nextval('public.store_objects_id_seq'::regclass);


--
-- Name: store_provider_dbs id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.store_provider_dbs ALTER COLUMN id SET DEFAULT nextval('public.store_provider_dbs_id_seq'::regclass);


--
-- Name: stores id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.stores ALTER COLUMN id SET DEFAULT nextval('public.stores_id_seq'::regclass);


--
-- Name: ticket_article_senders id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ticket_article_senders ALTER COLUMN id SET DEFAULT nextval('public.ticket_article_senders_id_seq'::regclass);


--
-- Name: ticket_articles id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ticket_articles ALTER COLUMN id SET DEFAULT nextval('public.ticket_articles_id_seq'::regclass);


--
-- Name: ticket_states id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ticket_states ALTER COLUMN id SET DEFAULT nextval('public.ticket_states_id_seq'::regclass);


--
-- Name: tickets id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tickets ALTER COLUMN id SET DEFAULT nextval('public.tickets_id_seq'::regclass);


--
-- Name: users id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users ALTER COLUMN id SET DEFAULT nextval('public.users_id_seq'::regclass);


--
-- Data for Name: store_files; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.store_files (id, sha, provider) FROM stdin;
1	63b742fc2bcf917d2be8dc9a63750c6793855251a760e4dff1b0288fdd670e8e	DB
2	e5c62df5dab5c87b6a015ef3d43597074d1eec433b15f51aec63b8582d0e4ab4	File
\.


--
-- Data for Name: store_objects; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.store_objects (id, name) FROM stdin;
1	Ticket::Article
2	UploadCache
\.


--
-- Data for Name: store_provider_dbs; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.store_provider_dbs (id, sha, data) FROM stdin;
1	63b742fc2bcf917d2be8dc9a63750c6793855251a760e4dff1b0288fdd670e8e	\\xffd8ffdb0084000d090a0b0a080d0b0a0b0e0e0d0f13201513121213271c1e17202e2931302e292d2c333a4a3e333646372c2d405741464c4e525352323e5a615a50604a51524f010e0e0e131113261515264f352d354f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4fffc0001108000c001003012200021101031101ffc401a20000010501010101010100000000000000000102030405060708090a0b100002010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa0100030101010101010101010000000000000102030405060708090a0b1100020102040403040705040400010277000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a35363738393a434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9faffda000c03010002110311003f00ab2da7b55396d3daba49635f4aa92c6be95e2d3aece8c56259ffd9
\.


--
-- Data for Name: stores; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.stores (id, store_object_id, store_file_id, o_id, preferences, size, filename, created_by_id) FROM stdin;
1	1	1	70	\N	\N	broken-printer.jpg	2
2	1	2	72	\N	\N	manual.pdf	3
3	2	1	999	\N	\N	not-an-article.jpg	2
\.


--
-- Data for Name: ticket_article_senders; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.ticket_article_senders (id, name) FROM stdin;
1	Agent
2	Customer
3	System
\.


--
-- Data for Name: ticket_articles; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.ticket_articles (id, ticket_id, type_id, sender_id, "from", subject, content_type, body, internal, created_by_id, created_at, updated_at) FROM stdin;
70	7	1	2	\N	\N	text/html	<div>Hello,<br>my <b>printer</b> is broken.</div>	f	2	2024-07-01 08:00:00	2026-11-26 00:21:39.471
71	7	1	3	\N	\N	text/plain	Your request has been received (auto reply)	f	1	2024-07-01 08:00:01	2026-11-26 00:21:39.471
73	7	10	1	\N	\N	text/plain	Check the warranty first	t	3	2024-07-01 08:30:00	2026-11-26 00:21:39.471
72	7	1	1	\N	\N	text/plain	Hi Nicole,\nplease send a photo.	f	3	2024-07-01 09:00:00	2026-11-26 00:21:39.471
80	8	10	1	\N	\N	text/plain	internal only	t	3	2024-07-02 08:00:00	2026-11-26 00:21:39.471
\.


--
-- Data for Name: ticket_states; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.ticket_states (id, name) FROM stdin;
1	new
2	open
4	closed
\.


--
-- Data for Name: tickets; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.tickets (id, group_id, priority_id, state_id, number, title, owner_id, customer_id, created_at, updated_at) FROM stdin;
7	\N	\N	4	31001	Welcome to Zammad!	\N	2	2024-07-01 08:00:00	2026-11-26 00:21:39.471
8	\N	\N	2	31002	Only a note so far	\N	2	2024-07-02 08:00:00	2026-11-26 00:21:39.471
\.


--
-- Data for Name: users; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.users (id, login, firstname, lastname, email) FROM stdin;
1	-	\N	\N	\N
2	nicole	Nicole	Braun	nicole.braun@zammad.org
3	agent	Åsa	Lind	asa@helpdesk.example
\.


--
-- Name: store_files_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.store_files_id_seq', 1, false);


--
-- Name: store_objects_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.store_objects_id_seq', 1, false);


--
-- Name: store_provider_dbs_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.store_provider_dbs_id_seq', 1, true);


--
-- Name: stores_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.stores_id_seq', 3, true);


--
-- Name: ticket_article_senders_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.ticket_article_senders_id_seq', 1, false);


--
-- Name: ticket_articles_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.ticket_articles_id_seq', 1, false);


--
-- Name: ticket_states_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.ticket_states_id_seq', 1, false);


--
-- Name: tickets_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.tickets_id_seq', 1, false);


--
-- Name: users_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.users_id_seq', 1, false);


--
-- Name: store_files store_files_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.store_files
    ADD CONSTRAINT store_files_pkey PRIMARY KEY (id);


--
-- Name: store_objects store_objects_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.store_objects
    ADD CONSTRAINT store_objects_pkey PRIMARY KEY (id);


--
-- Name: store_provider_dbs store_provider_dbs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.store_provider_dbs
    ADD CONSTRAINT store_provider_dbs_pkey PRIMARY KEY (id);


--
-- Name: stores stores_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.stores
    ADD CONSTRAINT stores_pkey PRIMARY KEY (id);


--
-- Name: ticket_article_senders ticket_article_senders_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ticket_article_senders
    ADD CONSTRAINT ticket_article_senders_pkey PRIMARY KEY (id);


--
-- Name: ticket_articles ticket_articles_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ticket_articles
    ADD CONSTRAINT ticket_articles_pkey PRIMARY KEY (id);


--
-- Name: ticket_states ticket_states_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ticket_states
    ADD CONSTRAINT ticket_states_pkey PRIMARY KEY (id);


--
-- Name: tickets tickets_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tickets
    ADD CONSTRAINT tickets_pkey PRIMARY KEY (id);


--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);


--
-- PostgreSQL database dump complete
--

\unrestrict vOGPBIxGoxad3ym0yYRenOjJ6b0o95dYFyANdcFYDziSUevZuyTc2VZCkVsdms2

