-- API-key lookups are cached in each app process (server/apikeys/cache.ts). Any change that can
-- refuse a key (revocation, deletion, e.g. with its organization) or change what a lookup answers
-- is announced on this channel, whoever makes it (the settings page, the CLI, plain SQL), so every
-- process drops the key from its cache at commit. lastUsedAt alone announces nothing: it is
-- written once a minute per key and changes no answer.
CREATE FUNCTION runwatch_api_key_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('runwatch_api_key_changed', OLD.id::text);
    RETURN OLD;
  END IF;
  IF NEW."revokedAt" IS DISTINCT FROM OLD."revokedAt" OR NEW."keyHash" IS DISTINCT FROM OLD."keyHash"
     OR NEW."orgId" IS DISTINCT FROM OLD."orgId" OR NEW.name IS DISTINCT FROM OLD.name THEN
    PERFORM pg_notify('runwatch_api_key_changed', OLD.id::text);
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER api_keys_changed AFTER UPDATE OR DELETE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION runwatch_api_key_changed();
