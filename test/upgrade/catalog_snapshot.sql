-- Catalog snapshot of the backfill extension: one query per object class,
-- each with a sorted output, and nothing that depends on OIDs, on the
-- order objects were created in or on the rows in the tables. The upgrade
-- test runs it in a database updated from the last release and in one with
-- a fresh install, and diffs the two outputs: they must be identical.
--
--   psql -X -v ON_ERROR_STOP=1 -d DB -f catalog_snapshot.sql
\set QUIET on
\pset format unaligned
\pset tuples_only on
\pset fieldsep ' | '
\pset null '<null>'
-- Names print schema-qualified (regclass, regprocedure, view definitions).
SET search_path = pg_catalog;

\echo '==== extension'
SELECT e.extname, e.extversion, pg_get_userbyid(e.extowner) AS owner,
       e.extnamespace::regnamespace AS schema, e.extrelocatable
FROM pg_extension e WHERE e.extname = 'backfill';

\echo '==== configuration tables (pg_extension_config_dump)'
SELECT c.tab::regclass AS config_table, quote_literal(c.cond) AS condition
FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS c(tab, cond)
WHERE e.extname = 'backfill'
ORDER BY c.tab::regclass::text COLLATE "C";

\echo '==== extension members (pg_depend deptype e)'
SELECT pg_describe_object(d.classid, d.objid, d.objsubid) AS member
FROM pg_depend d
JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
WHERE e.extname = 'backfill' AND d.deptype = 'e'
ORDER BY pg_describe_object(d.classid, d.objid, d.objsubid) COLLATE "C";

\echo '==== schema'
SELECT n.nspname, pg_get_userbyid(n.nspowner) AS owner, n.nspacl
FROM pg_namespace n WHERE n.nspname = 'backfill';

\echo '==== relations (kind, persistence, owner, ACL, options, row security)'
SELECT c.oid::regclass AS relation, c.relkind, c.relpersistence,
       pg_get_userbyid(c.relowner) AS owner, c.relacl, c.reloptions,
       c.relrowsecurity, c.relforcerowsecurity, c.relreplident, am.amname
FROM pg_class c
LEFT JOIN pg_am am ON am.oid = c.relam
WHERE c.relnamespace = 'backfill'::regnamespace AND c.relkind NOT IN ('i', 'I')
ORDER BY c.oid::regclass::text COLLATE "C";

\echo '==== columns (position, name, type, not null, default, identity, generated, collation, ACL, storage)'
SELECT relation, pos, attname, type, attnotnull, coldefault, attidentity, attgenerated,
       collname, attacl, attoptions, attstorage, attcompression
FROM (SELECT a.attrelid::regclass::text AS relation,
             row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) AS pos,
             a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull,
             pg_get_expr(ad.adbin, ad.adrelid) AS coldefault, a.attidentity, a.attgenerated,
             CASE WHEN a.attcollation <> 0 THEN a.attcollation::regcollation::text END AS collname,
             a.attacl,
             -- this server stamps every column with a pg_attver option of its
             -- own (a different number in every table): not part of the schema
             NULLIF(ARRAY(SELECT o FROM unnest(a.attoptions) o WHERE o NOT LIKE 'pg_attver=%'
                          ORDER BY o COLLATE "C"), '{}') AS attoptions,
             a.attstorage, a.attcompression
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid
      LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
      WHERE c.relnamespace = 'backfill'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        AND a.attnum > 0 AND NOT a.attisdropped) cols
ORDER BY relation COLLATE "C", pos;

\echo '==== sequences (parameters, not their current values)'
SELECT s.seqrelid::regclass AS sequence, format_type(s.seqtypid, NULL) AS type, s.seqstart,
       s.seqincrement, s.seqmax, s.seqmin, s.seqcache, s.seqcycle,
       (SELECT pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid)
        FROM pg_depend d
        WHERE d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
          AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')) AS owned_by
FROM pg_sequence s
JOIN pg_class c ON c.oid = s.seqrelid
WHERE c.relnamespace = 'backfill'::regnamespace
ORDER BY s.seqrelid::regclass::text COLLATE "C";

\echo '==== constraints'
SELECT CASE WHEN co.conrelid <> 0 THEN co.conrelid::regclass::text ELSE '-' END AS relation,
       co.conname, co.contype, pg_get_constraintdef(co.oid) AS definition,
       co.condeferrable, co.condeferred, co.convalidated, co.conislocal
FROM pg_constraint co
WHERE co.connamespace = 'backfill'::regnamespace
ORDER BY co.conrelid::regclass::text COLLATE "C", co.conname COLLATE "C";

\echo '==== indexes (definition with the name taken out, then the name)'
SELECT relation, definition, name, indisprimary, indisunique, indisvalid, indimmediate,
       reloptions, constraint_name
FROM (SELECT i.indrelid::regclass::text AS relation,
             regexp_replace(pg_get_indexdef(i.indexrelid), '^(CREATE (UNIQUE )?INDEX )\S+ ',
                            '\1<name> ') AS definition,
             ic.relname AS name, i.indisprimary, i.indisunique, i.indisvalid, i.indimmediate,
             ic.reloptions,
             (SELECT co.conname FROM pg_constraint co WHERE co.conindid = i.indexrelid
                AND co.conrelid = i.indrelid) AS constraint_name
      FROM pg_index i
      JOIN pg_class ic ON ic.oid = i.indexrelid
      WHERE ic.relnamespace = 'backfill'::regnamespace) idx
ORDER BY relation COLLATE "C", definition COLLATE "C", name COLLATE "C";

\echo '==== triggers (name, enabled, definition)'
SELECT t.tgrelid::regclass AS relation, t.tgname, t.tgenabled, pg_get_triggerdef(t.oid) AS definition
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
WHERE c.relnamespace = 'backfill'::regnamespace AND NOT t.tgisinternal
ORDER BY t.tgrelid::regclass::text COLLATE "C", t.tgname COLLATE "C";

\echo '==== rules other than the views'' own'
SELECT r.ev_class::regclass AS relation, r.rulename, r.ev_enabled, pg_get_ruledef(r.oid) AS definition
FROM pg_rewrite r
JOIN pg_class c ON c.oid = r.ev_class
WHERE c.relnamespace = 'backfill'::regnamespace AND r.rulename <> '_RETURN'
ORDER BY r.ev_class::regclass::text COLLATE "C", r.rulename COLLATE "C";

\echo '==== row-level security policies'
SELECT p.polrelid::regclass AS relation, p.polname, p.polcmd, p.polpermissive,
       ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r) END
             FROM unnest(p.polroles) r ORDER BY 1) AS roles,
       pg_get_expr(p.polqual, p.polrelid) AS using_expr,
       pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr
FROM pg_policy p
JOIN pg_class c ON c.oid = p.polrelid
WHERE c.relnamespace = 'backfill'::regnamespace
ORDER BY p.polrelid::regclass::text COLLATE "C", p.polname COLLATE "C";

\echo '==== views (definition)'
SELECT '---- view ' || c.oid::regclass::text || E'\n' || pg_get_viewdef(c.oid, true)
FROM pg_class c
WHERE c.relnamespace = 'backfill'::regnamespace AND c.relkind IN ('v', 'm')
ORDER BY c.oid::regclass::text COLLATE "C";

\echo '==== functions and procedures (signature, attributes, ACL, body)'
SELECT '---- ' || p.oid::regprocedure::text
       || E'\n  kind ' || p.prokind::text || ', language ' || l.lanname
       || ', owner ' || pg_get_userbyid(p.proowner)
       || E'\n  returns ' || coalesce(pg_get_function_result(p.oid), '-')
       || E'\n  arguments ' || pg_get_function_arguments(p.oid)
       || E'\n  volatile ' || p.provolatile::text || ', strict ' || p.proisstrict::text
       || ', security definer ' || p.prosecdef || ', leakproof ' || p.proleakproof
       || ', parallel ' || p.proparallel::text || ', cost ' || p.procost || ', rows ' || p.prorows
       || E'\n  config ' || coalesce(p.proconfig::text, '<null>')
       || E'\n  acl ' || coalesce(p.proacl::text, '<null>')
       || E'\n  probin ' || coalesce(p.probin, '<null>')
       || E'\n  prosrc ' || coalesce(p.prosrc, '<null>')
FROM pg_proc p
JOIN pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = 'backfill'::regnamespace
ORDER BY p.oid::regprocedure::text COLLATE "C";

\echo '==== types (other than the relations'' row types and arrays)'
SELECT t.oid::regtype AS type, t.typtype, pg_get_userbyid(t.typowner) AS owner, t.typacl
FROM pg_type t
WHERE t.typnamespace = 'backfill'::regnamespace AND t.typrelid = 0 AND t.typelem = 0
ORDER BY t.oid::regtype::text COLLATE "C";

\echo '==== comments'
SELECT pg_describe_object(d.classoid, d.objoid, d.objsubid) AS object, d.description
FROM pg_description d
WHERE (d.classoid = 'pg_class'::regclass
       AND d.objoid IN (SELECT c.oid FROM pg_class c
                        WHERE c.relnamespace = 'backfill'::regnamespace))
   OR (d.classoid = 'pg_proc'::regclass
       AND d.objoid IN (SELECT p.oid FROM pg_proc p
                        WHERE p.pronamespace = 'backfill'::regnamespace))
   OR (d.classoid = 'pg_namespace'::regclass AND d.objoid = 'backfill'::regnamespace)
   OR (d.classoid = 'pg_extension'::regclass
       AND d.objoid = (SELECT e.oid FROM pg_extension e WHERE e.extname = 'backfill'))
ORDER BY pg_describe_object(d.classoid, d.objoid, d.objsubid) COLLATE "C";

\echo '==== initial privileges (pg_init_privs: what pg_dump takes as the extension''s own)'
SELECT pg_describe_object(ip.classoid, ip.objoid, ip.objsubid) AS object, ip.privtype,
       ip.initprivs
FROM pg_init_privs ip
WHERE ip.objoid = 'backfill'::regnamespace
   OR EXISTS (SELECT 1 FROM pg_depend d
              JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass
                                 AND d.refobjid = e.oid
              WHERE e.extname = 'backfill' AND d.deptype = 'e'
                AND d.classid = ip.classoid AND d.objid = ip.objoid)
ORDER BY pg_describe_object(ip.classoid, ip.objoid, ip.objsubid) COLLATE "C", ip.objsubid;
