"use client";

// The caller's access to the organization on screen, resolved once by app/o/[slug]/layout.tsx
// from the same role table the server enforces; components ask `useCan(permission)` to decide
// what to offer. Hiding is a convenience: the server refuses the same things anyway.
import { createContext, useContext } from "react";
import type { Permission, Role } from "@/server/rbac/permissions";

export type ClientOrgAccess = {
  org: { slug: string; name: string };
  role: Role | null;
  readOnly: boolean;
  permissions: Permission[];
  /** the signed-in user's id: the key of their per-user list preferences */
  userId: string;
};

const OrgAccessContext = createContext<ClientOrgAccess | null>(null);

export function OrgAccessProvider({ value, children }: { value: ClientOrgAccess; children: React.ReactNode }) {
  return <OrgAccessContext.Provider value={value}>{children}</OrgAccessContext.Provider>;
}

export function useOrgAccess(): ClientOrgAccess {
  const access = useContext(OrgAccessContext);
  if (!access) throw new Error("useOrgAccess is only available under /o/[slug]");
  return access;
}

export function useCan(permission: Permission): boolean {
  return useOrgAccess().permissions.includes(permission);
}
