import { z } from "zod";
import { AUDIT_PAGE_MAX, auditEntrySchema, auditFiltersSchema, listAuditLog } from "../audit/query";
import { createTRPCRouter, permissionProcedure, serviceContext } from "../trpc";

export const auditRouter = createTRPCRouter({
  /** Newest first; pass the answer's nextCursor for the next page. */
  list: permissionProcedure("audit:read")
    .input(
      z.object({
        filters: auditFiltersSchema.optional(),
        cursor: z.string().max(200).nullish(),
        limit: z.number().int().min(1).max(AUDIT_PAGE_MAX).default(50),
      }),
    )
    .output(z.object({ items: z.array(auditEntrySchema.strict()), nextCursor: z.string().nullable() }))
    .query(({ ctx, input }) => listAuditLog(serviceContext(ctx), { filters: input.filters, cursor: input.cursor, limit: input.limit })),
});
