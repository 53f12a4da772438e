// Tests that point the app at a private cluster change the database variables for their file;
// this puts them back as they were (unset stays unset) so later files see the run's database.

/** The current values of `keys`, and a function that restores exactly them. */
export function saveEnv(keys: readonly string[]): () => void {
  const saved = keys.map((k) => [k, process.env[k]] as const);
  return () => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/** The variables that choose where the app's pools connect. */
export const DATABASE_ENV = ["DATABASE_URL", "DATABASE_REPLICA_URLS", "RUNWATCH_MONITOR_DATABASE_URL"] as const;
