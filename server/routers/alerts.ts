// The alert center's procedures: lists by state, the badge counts, one alert with its timeline and
// delivery attempts, the execution page's alerts, acknowledge / resolve (OPERATOR and up), and the
// rule settings (storm control, failure rate, auto-timeout; ADMIN and up). Thin: each calls the
// alerting service with the organization orgProcedure resolved, and shapes the answer.
import { z } from "zod";
import { bulkJobSchema } from "../operations/bulk";
import { bulkInput, startBulk } from "./executions";
import { acknowledgeAlert, acknowledgeNotes, alertActionInput, alertCounts, alertsForExecution, getAlert, listAlerts, listAlertsInput, resolveAlert } from "../alerts/service";
import {
  getOrgAlertSettings,
  getWorkflowAlertSettings,
  updateOrgAlertSettings,
  updateOrgAlertSettingsInput,
  updateWorkflowAlertSettings,
  updateWorkflowAlertSettingsInput,
} from "../alerts/settings";
import { ALERT_REASONS, ALERT_STATES, RESOLUTIONS } from "../alerts/rules";
import { createTRPCRouter, serviceContext, permissionProcedure } from "../trpc";

// instants travel as Dates (superjson), as in every other router
const instant = z.date();

export const alertViewSchema = z.object({
  id: z.string(),
  state: z.enum(ALERT_STATES),
  reason: z.enum(ALERT_REASONS),
  executionId: z.string().nullable(),
  workflow: z.string(),
  executionStatus: z.string().nullable(),
  statusAtFiring: z.string().nullable(),
  since: instant,
  firedAt: instant,
  acknowledgedAt: instant.nullable(),
  acknowledgedBy: z.string().nullable(),
  resolvedAt: instant.nullable(),
  resolvedBy: z.string().nullable(),
  resolution: z.enum(RESOLUTIONS).nullable(),
  timedOutAt: instant.nullable(),
  stormId: z.string().nullable(),
  details: z.unknown(),
});

/** The acknowledging note lives in the timeline; the list shows the latest one beside the name. */
const alertEventSchema = z.object({ at: instant, kind: z.string(), actor: z.string(), actorType: z.string(), note: z.string().nullable() });

const deliveryAttemptSchema = z.object({
  notificationId: z.string(),
  type: z.string(),
  channelId: z.string(),
  channelName: z.string().nullable(),
  channelType: z.string().nullable(),
  attempt: z.number().int(),
  at: instant,
  statusCode: z.number().int().nullable(),
  latencyMs: z.number(),
  ok: z.boolean(),
  error: z.string().nullable(),
  notificationState: z.string(),
});

export const alertDetailSchema = alertViewSchema.extend({ events: z.array(alertEventSchema), deliveries: z.array(deliveryAttemptSchema) });

const failureRateSchema = z.object({ enabled: z.boolean(), percent: z.number(), minExecutions: z.number().int(), windowSeconds: z.number().int() });

const orgAlertSettingsSchema = z.object({ stormThreshold: z.number().int(), stormWindowSeconds: z.number().int(), failureRate: failureRateSchema });

const workflowAlertSettingsSchema = z.object({
  workflow: z.string(),
  autoTimeoutMultiple: z.number().nullable(),
  overrides: z.object({ enabled: z.boolean().nullable(), percent: z.number().nullable(), minExecutions: z.number().int().nullable(), windowSeconds: z.number().int().nullable() }),
  failureRate: failureRateSchema,
});

const alertAudit = (action: string) => ({ audit: { action, resourceType: "alert", resourceIdFrom: "alertId" } });

export const alertsRouter = createTRPCRouter({
  list: permissionProcedure("alerts:read")
    .input(listAlertsInput)
    .output(z.object({ items: z.array(alertViewSchema.extend({ acknowledgedNote: z.string().nullable() })), nextCursor: z.string().nullable() }))
    .query(async ({ ctx, input }) => {
      const read = serviceContext(ctx);
      const page = await listAlerts(read, input);
      const notes = await acknowledgeNotes(read, { alertIds: page.items.filter((a) => a.acknowledgedAt).map((a) => a.id) });
      return { ...page, items: page.items.map((a) => ({ ...a, acknowledgedNote: notes.get(a.id) ?? null })) };
    }),

  counts: permissionProcedure("alerts:read")
    .output(z.object({ firing: z.number().int(), acknowledged: z.number().int(), open: z.number().int(), capped: z.boolean() }))
    .query(({ ctx }) => alertCounts(serviceContext(ctx))),

  get: permissionProcedure("alerts:read")
    .input(alertActionInput.pick({ alertId: true }))
    .output(alertDetailSchema)
    .query(({ ctx, input }) => getAlert(serviceContext(ctx), input)),

  forExecution: permissionProcedure("alerts:read")
    .input(z.object({ executionId: z.string().min(1).max(200) }))
    .output(z.object({ items: z.array(alertViewSchema) }))
    .query(async ({ ctx, input }) => ({ items: await alertsForExecution(serviceContext(ctx), input) })),

  acknowledge: permissionProcedure("alerts:acknowledge")
    .meta(alertAudit("alert.acknowledge"))
    .input(alertActionInput)
    .output(alertViewSchema)
    .mutation(({ ctx, input }) => acknowledgeAlert(serviceContext(ctx), input)),

  resolve: permissionProcedure("alerts:resolve")
    .meta(alertAudit("alert.resolve"))
    .input(alertActionInput)
    .output(alertViewSchema)
    .mutation(({ ctx, input }) => resolveAlert(serviceContext(ctx), input)),

  orgSettings: permissionProcedure("alerts:read")
    .output(orgAlertSettingsSchema)
    .query(({ ctx }) => getOrgAlertSettings(serviceContext(ctx))),

  updateOrgSettings: permissionProcedure("thresholds:manage")
    .meta({ audit: { action: "alert_settings.update", resourceType: "organization" } })
    .input(updateOrgAlertSettingsInput)
    .output(orgAlertSettingsSchema)
    .mutation(({ ctx, input }) => updateOrgAlertSettings(serviceContext(ctx), input)),

  workflowSettings: permissionProcedure("alerts:read")
    .input(z.object({ workflow: z.string().min(1).max(200) }))
    .output(workflowAlertSettingsSchema)
    .query(({ ctx, input }) => getWorkflowAlertSettings(serviceContext(ctx), input)),

  /** Acknowledges the FIRING alerts of many executions (chosen, or all matching a list filter), as a job. */
  bulkAcknowledge: permissionProcedure("alerts:acknowledge")
    .meta({ audit: { action: "alert.bulk_acknowledge", resourceType: "bulk_job" } })
    .input(bulkInput)
    .output(bulkJobSchema)
    .mutation(({ ctx, input }) => startBulk(ctx, "acknowledgeAlerts", input)),

  bulkResolve: permissionProcedure("alerts:resolve")
    .meta({ audit: { action: "alert.bulk_resolve", resourceType: "bulk_job" } })
    .input(bulkInput)
    .output(bulkJobSchema)
    .mutation(({ ctx, input }) => startBulk(ctx, "resolveAlerts", input)),

  updateWorkflowSettings: permissionProcedure("thresholds:manage")
    .meta({ audit: { action: "workflow.alert_settings.update", resourceType: "workflow", resourceIdFrom: "workflow" } })
    .input(updateWorkflowAlertSettingsInput)
    .output(workflowAlertSettingsSchema)
    .mutation(({ ctx, input }) => updateWorkflowAlertSettings(serviceContext(ctx), input)),
});
