// Prints the SQL migration that takes prisma/migrations to prisma/schema.prisma.
// Usage: npm run db:diff > prisma/migrations/<timestamp>_<name>/migration.sql
import { diffMigrationsToSchema } from "../server/db/migrate";
const url = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
process.stdout.write(await diffMigrationsToSchema(url));
