// The SQL of memberships (server/members/service.ts): the member list, one member, the owner
// count the last-owner rule reads, and the membership writes, all inside audited()'s transaction
// but the list.
import { z } from "zod";
import { defineCommand, defineQuery, type Queryable } from "../db/sql";
import { ROLES, type Role } from "../rbac/permissions";

const memberRow = z.object({ userId: z.string(), email: z.string(), name: z.string(), role: z.enum(ROLES), joinedAt: z.date() });
export type MemberRow = z.output<typeof memberRow>;

const MEMBER_COLUMNS = `u.id AS "userId", u.email, u.name, m.role::text AS role, m."createdAt" AS "joinedAt"`;

// memberships per organization are few (people, not machines): no paging needed
const LIST = defineQuery(
  "members.list",
  `SELECT ${MEMBER_COLUMNS}
     FROM memberships m JOIN users u ON u.id = m."userId"
    WHERE m."orgId" = $1
    ORDER BY array_position(ARRAY['OWNER','ADMIN','OPERATOR','VIEWER'], m.role::text), u.email`,
  memberRow,
);
/** The organization's members, owners first, then by email. */
export const memberRows = (db: Queryable, orgId: string) => LIST.all(db, [orgId]);

const ONE = defineQuery(
  "members.one",
  `SELECT ${MEMBER_COLUMNS} FROM memberships m JOIN users u ON u.id = m."userId" WHERE m."orgId" = $1 AND m."userId" = $2`,
  memberRow,
);
export const memberOf = (db: Queryable, orgId: string, userId: string) => ONE.first(db, [orgId, userId]);

const OWNERS = defineQuery("members.owner_count", `SELECT count(*)::int AS n FROM memberships WHERE "orgId" = $1 AND role = 'OWNER'`, z.object({ n: z.number() }));
export const ownerCount = async (db: Queryable, orgId: string) => (await OWNERS.one(db, [orgId])).n;

const INSERT = defineCommand("members.insert", `INSERT INTO memberships ("orgId", "userId", role) VALUES ($1, $2, $3::"MemberRole")`);
export const insertMembership = (db: Queryable, orgId: string, userId: string, role: Role) => INSERT.run(db, [orgId, userId, role]);

const SET_ROLE = defineCommand("members.set_role", `UPDATE memberships SET role = $3::"MemberRole" WHERE "orgId" = $1 AND "userId" = $2`);
export const setMembershipRole = (db: Queryable, orgId: string, userId: string, role: Role) => SET_ROLE.run(db, [orgId, userId, role]);

const DELETE = defineCommand("members.delete", `DELETE FROM memberships WHERE "orgId" = $1 AND "userId" = $2`);
export const deleteMembership = (db: Queryable, orgId: string, userId: string) => DELETE.run(db, [orgId, userId]);
