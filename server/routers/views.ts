// Saved views of the executions list: named filter queries per organization, shareable as links.
import { z } from "zod";
import { NotFoundError } from "../errors";
import { createSavedView, createSavedViewInputSchema, deleteSavedView, getSavedView, listSavedViews } from "../views/service";
import { createTRPCRouter, serviceContext, permissionProcedure } from "../trpc";

// The service's filters type is a z.custom; the output names the fields the UI may read.
export const savedViewOutputSchema = z.object({
  id: z.string(),
  name: z.string(),
  query: z.string(),
  invalidReason: z.string().nullable(),
  createdAt: z.date(),
});

function toOutput(v: { id: string; name: string; query: string; invalidReason: string | null; createdAt: Date }) {
  return { id: v.id, name: v.name, query: v.query, invalidReason: v.invalidReason, createdAt: v.createdAt };
}


const viewId = z.string().min(1).max(100);

/** The list page's own URL keys: position in a snapshot, not filters. */
const PAGE_KEYS = ["snap", "pages"];

export const viewsRouter = createTRPCRouter({
  list: permissionProcedure("executions:read")
    .output(z.object({ items: z.array(savedViewOutputSchema) }))
    .query(async ({ ctx }) => ({ items: (await listSavedViews(serviceContext(ctx))).map(toOutput) })),

  get: permissionProcedure("executions:read")
    .input(z.object({ id: viewId }))
    .output(savedViewOutputSchema)
    .query(async ({ ctx, input }) => {
      const view = await getSavedView(serviceContext(ctx), input);
      if (!view) throw new NotFoundError("saved view not found");
      return toOutput(view);
    }),

  create: permissionProcedure("views:manage")
    .meta({ audit: { action: "view.create", resourceType: "saved_view" } })
    .input(createSavedViewInputSchema)
    .output(savedViewOutputSchema)
    .mutation(async ({ ctx, input }) => {
      // only the list's filter keys: the page's own keys (snap, pages) are not part of a view
      const q = new URLSearchParams(input.query.startsWith("?") ? input.query.slice(1) : input.query);
      for (const k of PAGE_KEYS) q.delete(k);
      const view = await createSavedView(serviceContext(ctx), { name: input.name, query: q.toString() });
      return toOutput(view);
    }),

  delete: permissionProcedure("views:manage")
    .meta({ audit: { action: "view.delete", resourceType: "saved_view", resourceIdFrom: "id" } })
    .input(z.object({ id: viewId }))
    .output(z.object({ id: z.string(), name: z.string() }))
    .mutation(({ ctx, input }) => deleteSavedView(serviceContext(ctx), input)),
});
