-- Seip on PostgreSQL: one schema and one role per service; a role has rights on its own
-- schema only. `seip serve` creates these itself when connected as a role that may
-- (CREATEROLE and CREATE on the database); this file does the same for DBAs who prefer to.
DO $$ BEGIN
  CREATE ROLE seip_assessment LOGIN;
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN
  CREATE ROLE seip_collection LOGIN;
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN
  CREATE ROLE seip_arrears_enforcement LOGIN;
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN
  CREATE ROLE seip_reporting LOGIN;
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE SCHEMA IF NOT EXISTS assessment AUTHORIZATION seip_assessment;
CREATE SCHEMA IF NOT EXISTS collection AUTHORIZATION seip_collection;
CREATE SCHEMA IF NOT EXISTS arrears_enforcement AUTHORIZATION seip_arrears_enforcement;
CREATE SCHEMA IF NOT EXISTS reporting AUTHORIZATION seip_reporting;
REVOKE ALL ON SCHEMA assessment, collection, arrears_enforcement, reporting FROM PUBLIC;
