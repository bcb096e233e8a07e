import type { Knex } from 'knex';

/**
 * Retention: the one way finished runs leave the database. `flightdeck_purge_runs` is a SECURITY
 * DEFINER function owned by the NOLOGIN role `flightdeck_maintenance`; the append-only trigger on
 * `run_events` lets a DELETE through only when the current user is that role AND the row belongs to
 * the run the function is purging at that moment. So only the function deletes, only whole finished
 * runs, and it writes one `admin_audit` row per run in the same transaction. Application roles keep
 * the trigger as it was (the role is cluster-wide and outlives `down`, since other databases of the
 * cluster may use it).
 */
const purgeSignature = 'flightdeck_purge_runs(timestamptz, text, integer, jsonb)';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flightdeck_maintenance') THEN
        CREATE ROLE flightdeck_maintenance NOLOGIN;
      END IF;
    END $$;
    GRANT USAGE ON SCHEMA public TO flightdeck_maintenance;
    GRANT SELECT, UPDATE, DELETE ON runs TO flightdeck_maintenance;
    GRANT SELECT, DELETE ON run_events, approvals TO flightdeck_maintenance;
    GRANT SELECT, INSERT ON admin_audit TO flightdeck_maintenance;
    GRANT USAGE ON SEQUENCE admin_audit_id_seq TO flightdeck_maintenance;

    CREATE OR REPLACE FUNCTION run_events_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND current_user = 'flightdeck_maintenance'
         AND OLD.run_id = current_setting('flightdeck.purging_run', true) THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION 'run_events is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
    END;
    $$;

    CREATE FUNCTION ${purgeSignature.replace('(timestamptz, text, integer, jsonb)', '(p_before timestamptz, p_tenant text, p_limit integer, p_actor jsonb)')}
      RETURNS TABLE (run_id text, tenant_id text, status text, events bigint)
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    DECLARE
      doomed record;
      removed bigint;
    BEGIN
      FOR doomed IN
        SELECT r.id, r.tenant_id, r.status, r.last_seq, r.last_hash, r.completed_at FROM runs r
        WHERE r.status IN ('completed', 'failed', 'cancelled', 'terminated')
          AND r.completed_at < p_before
          AND (p_tenant IS NULL OR r.tenant_id = p_tenant)
        ORDER BY r.completed_at
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
      LOOP
        PERFORM set_config('flightdeck.purging_run', doomed.id, true);
        DELETE FROM approvals a WHERE a.run_id = doomed.id;
        DELETE FROM run_events e WHERE e.run_id = doomed.id;
        GET DIAGNOSTICS removed = ROW_COUNT;
        DELETE FROM runs r WHERE r.id = doomed.id;
        PERFORM set_config('flightdeck.purging_run', '', true);
        INSERT INTO admin_audit (tenant_id, actor, ip, action, target, details)
        VALUES (doomed.tenant_id, p_actor, NULL, 'retention.purged', doomed.id,
                jsonb_build_object('status', doomed.status, 'events', removed, 'completedAt', doomed.completed_at,
                                   'lastSeq', doomed.last_seq, 'lastHash', doomed.last_hash, 'before', p_before));
        run_id := doomed.id; tenant_id := doomed.tenant_id; status := doomed.status; events := removed;
        RETURN NEXT;
      END LOOP;
    END;
    $$;
    REVOKE ALL ON FUNCTION ${purgeSignature} FROM PUBLIC;
  `);
  // A superuser may hand the function to the role directly; another owner needs to be able to
  // SET ROLE to it (CREATEROLE gives admin of roles it made) and the role needs CREATE on the schema.
  const { rows } = (await knex.raw('SELECT rolsuper AS superuser FROM pg_roles WHERE rolname = current_user')) as { rows: Array<{ superuser: boolean }> };
  const superuser = rows[0]?.superuser === true;
  if (!superuser) {
    await knex.raw('GRANT CREATE ON SCHEMA public TO flightdeck_maintenance; GRANT flightdeck_maintenance TO CURRENT_USER');
  }
  await knex.raw(`ALTER FUNCTION ${purgeSignature} OWNER TO flightdeck_maintenance`);
  // After the hand-over: ALTER OWNER rewrites the old owner's own grant to the new owner, so a
  // grant made before it would be gone (a superuser never noticed: it bypasses the check).
  await knex.raw(`GRANT EXECUTE ON FUNCTION ${purgeSignature} TO CURRENT_USER`);
  if (!superuser) {
    // Membership would let the application role SET ROLE past the trigger: give it back.
    await knex.raw('REVOKE flightdeck_maintenance FROM CURRENT_USER; REVOKE CREATE ON SCHEMA public FROM flightdeck_maintenance');
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP FUNCTION IF EXISTS ${purgeSignature};
    CREATE OR REPLACE FUNCTION run_events_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'run_events is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
    END;
    $$;
    REVOKE ALL ON runs, run_events, approvals, admin_audit FROM flightdeck_maintenance;
    REVOKE ALL ON SEQUENCE admin_audit_id_seq FROM flightdeck_maintenance;
    REVOKE ALL ON SCHEMA public FROM flightdeck_maintenance;
  `);
}
