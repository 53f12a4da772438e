-- Sign-in sessions are cached in each app process (server/auth/session.ts, through
-- server/db/announced-cache.ts). Any change that can refuse a session or change what its lookup
-- answers is announced on this channel, whoever makes it (sign-out, a revocation, plain SQL): a
-- session deleted or moved ("session:" and its id), and a user deleted or renamed, or whose
-- email or platform-admin flag changed ("user:" and its id), so every process drops it at commit.
-- lastOrgSlug alone announces nothing: it changes no answer of the session lookup.
CREATE FUNCTION runwatch_session_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR NEW.token IS DISTINCT FROM OLD.token OR NEW."expiresAt" IS DISTINCT FROM OLD."expiresAt" OR NEW."userId" IS DISTINCT FROM OLD."userId" THEN
    PERFORM pg_notify('runwatch_session_changed', 'session:' || OLD.id);
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER sessions_changed AFTER UPDATE OR DELETE ON sessions
  FOR EACH ROW EXECUTE FUNCTION runwatch_session_changed();

CREATE FUNCTION runwatch_session_user_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR NEW.email IS DISTINCT FROM OLD.email OR NEW.name IS DISTINCT FROM OLD.name OR NEW."isPlatformAdmin" IS DISTINCT FROM OLD."isPlatformAdmin" THEN
    PERFORM pg_notify('runwatch_session_changed', 'user:' || OLD.id);
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER users_changed AFTER UPDATE OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION runwatch_session_user_changed();
