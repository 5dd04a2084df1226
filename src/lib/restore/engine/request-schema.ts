// The request fields every restore scenario shares, and the remap rules the Databricks scenarios
// extend it with. A leaf module (zod only): the catalog builds each scenario's request schema from
// it without importing the request parser, which reads the catalog.
import { z } from "zod";

const mapping = z
  .object({
    from: z.string().min(1, "must not be empty"),
    to: z.string().min(1, "must not be empty"),
  })
  .strict();

const storageAccountName = z
  .string()
  .regex(/^[a-z0-9]{3,24}$/, "must be a storage account name (3-24 lowercase letters and digits)");

export const remapSchema = z
  .object({
    workspaceUrls: z
      .array(mapping)
      .default([])
      .describe(
        "Replace workspace URLs in job and cluster settings (and in notebook and file bodies with rewriteBodies).",
      ),
    storageAccounts: z
      .array(z.object({ from: storageAccountName, to: storageAccountName }).strict())
      .default([])
      .describe("Storage account renames applied to every abfss:// URL."),
    abfssRoots: z
      .array(
        z
          .object({
            from: z.string().startsWith("abfss://", "must start with abfss://"),
            to: z.string().startsWith("abfss://", "must start with abfss://"),
          })
          .strict(),
      )
      .default([])
      .describe("abfss:// prefix rewrites (locations, storage roots)."),
    catalogStorageRoots: z
      .array(mapping)
      .default([])
      .describe("Catalog storage_root rewrites by catalog name → new root."),
    principals: z.array(mapping).default([]).describe("Principal renames for grants, owners and ACLs."),
    accessConnectors: z
      .array(mapping)
      .default([])
      .describe("Databricks access connector ARM ids for managed-identity storage credentials."),
    clusterIds: z
      .array(mapping)
      .default([])
      .describe("Explicit cluster id mapping (otherwise learned while restoring)."),
    policyIds: z.array(mapping).default([]).describe("Explicit cluster policy id mapping."),
    poolIds: z.array(mapping).default([]).describe("Explicit instance pool id mapping."),
  })
  .strict();

export type Remap = z.output<typeof remapSchema>;

/** No remap rules: every list empty (each field's default). */
export const NO_REMAP: z.infer<typeof remapSchema> = remapSchema.parse({});

/** What to do with objects that already exist in the target (scenarios that restore objects). */
export const existingPolicy = z
  .enum(["skip", "update"])
  .default("skip")
  .describe("What to do with objects that already exist in the target.");

/**
 * The fields of every restore request. A scenario's catalog row extends it
 * (`restoreRequestBase.extend({ … })`) with its own options and remap rules; the result stays strict.
 */
export const restoreRequestBase = z
  .object({
    scenario: z.string(),
    snapshot: z
      .string()
      .min(1)
      .default("latest")
      .describe(
        '"latest", a snapshot id (20261126t020000z) or a point in time (ISO 8601): the newest good snapshot at or before it.',
      ),
    source: z
      .string()
      .min(1, "must name the backed-up workspace or metastore id from the config")
      .describe("Config id of what was backed up."),
    target: z
      .string()
      .min(1, "must name the workspace or metastore id to restore into")
      .describe("Config id of the restore target."),
    include: z
      .array(z.string().min(1))
      .default([])
      .describe("Only objects whose path or name starts with one of these."),
    exclude: z
      .array(z.string().min(1))
      .default([])
      .describe("Skip objects whose path or name starts with one of these."),
    mode: z
      .enum(["plan", "apply"])
      .default("plan")
      .describe("plan reads everything and writes nothing; apply executes after approval."),
    preApproved: z
      .boolean()
      .default(false)
      .describe(
        "Skip the approval wait: the in-process CLI's --yes only, and only for additive plans into a secondary target.",
      ),
    allowPrimaryTarget: z
      .boolean()
      .default(false)
      .describe(
        "Required to restore into a target whose role is primary, or into the source itself: writes to PRODUCTION, always with a second approver.",
      ),
    approvalTimeoutMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .default(60),
    requestedBy: z.string().max(200).optional(),
  })
  .strict();

export type RestoreRequestBase = z.output<typeof restoreRequestBase>;
