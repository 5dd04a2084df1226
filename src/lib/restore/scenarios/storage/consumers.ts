// After any rung of runbook 7.2: do the platform parts that read the account reach it again?
//   Unity Catalog: each external location whose URL is on the account is validated by Unity
//     Catalog itself (Validate Storage Credential, read-only: LIST, READ and PATH_EXISTS through
//     the location's credential), in every configured metastore.
//   Azure ML: each datastore of a configured workspace that points at the account is read through
//     ARM (GET/list; never listSecrets). Azure ML has no public API that lists a path through a
//     datastore (the SDK's filesystem resolves the datastore's secret first), so azdr checks what it
//     can: the datastore is defined on the account, its container or filesystem answers, and, when
//     Azure ML reaches it as the workspace's identity, that identity holds a Storage Blob Data role
//     on the account. Each check says what it did not check.
// Every failure names the location or datastore and the reason; a failed check makes the restore
// PartiallyFailed.
import type { ArmRef, Json } from "../../../clients/azure.js";
import { databricksApis } from "../../../clients/databricks/index.js";
import type { RoleAssignmentRecord } from "../../../clients/storage-recovery.js";
import { errorMessage } from "../../../errors.js";
import { mlWorkspaceFor } from "../../../sources/azureml-source.js";
import type { SourceContext } from "../../../sources/context.js";
import type { ValidationCheck } from "../../engine/steps.js";

/** Storage Blob Data Owner, Contributor and Reader: the roles that let an identity read blobs. */
const DATA_ROLES = [
  "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
];

/** Is this abfss:// (or https://) URL on the account? Storage account names are global. */
export function urlOnAccount(url: string, account: string): boolean {
  const host =
    /^(?:abfss?|wasbs?):\/\/[^@/]+@([^/]+)/i.exec(url)?.[1] ?? /^https:\/\/([^/]+)/i.exec(url)?.[1];
  if (!host) return false;
  const [name, service] = host.toLowerCase().split(".");
  return name === account.toLowerCase() && (service === "dfs" || service === "blob");
}

/** Unity Catalog: validate every external location on the account, per configured metastore. */
export async function validateExternalLocations(
  ctx: SourceContext,
  account: ArmRef,
): Promise<ValidationCheck[]> {
  const checks: ValidationCheck[] = [];
  for (const metastore of ctx.config.unityCatalog.metastores) {
    const uc = databricksApis(ctx.databricks(metastore.workspace)).unityCatalog;
    let locations;
    try {
      locations = [];
      for await (const l of uc.listExternalLocations())
        if (urlOnAccount(l.url, account.name)) locations.push(l);
    } catch (error) {
      checks.push({
        name: `Unity Catalog external locations of metastore ${metastore.id}`,
        ok: false,
        expected: "listed",
        actual: "not listed",
        detail: `listing them through workspace ${metastore.workspace} failed: ${errorMessage(error)}`,
      });
      continue;
    }
    for (const location of locations) {
      const name = `Unity Catalog external location ${location.name} (${metastore.id}) reads ${account.name}`;
      try {
        const answer = await uc.validateStorageCredential({
          storage_credential_name: location.credential_name,
          external_location_name: location.name,
          read_only: true,
        });
        const failed = (answer.results ?? []).filter((r) => r.result === "FAIL");
        const passed = (answer.results ?? []).filter((r) => r.result === "PASS");
        checks.push({
          name,
          ok: failed.length === 0 && passed.length > 0,
          expected: "LIST, READ and PATH_EXISTS pass",
          actual: failed.length
            ? `FAIL ${failed.map((r) => `${r.operation ?? "?"}: ${r.message ?? "no reason given"}`).join("; ")}`
            : passed.length
              ? `PASS ${passed.map((r) => r.operation).join(", ")}`
              : "no operation was checked",
          detail: `${location.url} through credential ${location.credential_name} (read-only validation: write and delete not tried)`,
        });
      } catch (error) {
        checks.push({
          name,
          ok: false,
          expected: "LIST, READ and PATH_EXISTS pass",
          actual: "not validated",
          detail: `Validate Storage Credential for ${location.url} failed: ${errorMessage(error)}`,
        });
      }
    }
  }
  return checks;
}

const str = (v: unknown) => (typeof v === "string" ? v : undefined);

/** Azure ML: every datastore on the account, in every configured workspace, as far as the public API allows. */
export async function validateDatastores(
  ctx: SourceContext,
  account: ArmRef,
  blobEndpoint: string | undefined,
  roles: RoleAssignmentRecord[],
): Promise<ValidationCheck[]> {
  const checks: ValidationCheck[] = [];
  const storage = ctx.azure.storageRecovery;
  for (const entry of ctx.config.azureMl.workspaces) {
    const ws = mlWorkspaceFor(ctx, entry.id);
    let datastores: Json[];
    let principalId: string | undefined;
    try {
      datastores = [];
      for await (const d of ctx.azure.ml.listDatastores(ws)) {
        const p = (d["properties"] ?? {}) as Json;
        if (str(p["accountName"])?.toLowerCase() === account.name.toLowerCase()) datastores.push(d);
      }
      if (!datastores.length) continue;
      const identity = (await ctx.azure.ml.getWorkspace(ws))["identity"] as Json | undefined;
      principalId = str(identity?.["principalId"]);
    } catch (error) {
      checks.push({
        name: `Azure ML datastores of ${ws.name}`,
        ok: false,
        expected: "listed",
        actual: "not listed",
        detail: `reading them through ARM failed: ${errorMessage(error)}`,
      });
      continue;
    }
    for (const d of datastores) {
      const p = (d["properties"] ?? {}) as Json;
      const dsName = String(d["name"]);
      const container = str(p["containerName"]) ?? str(p["filesystem"]);
      const credentials = str(((p["credentials"] ?? {}) as Json)["credentialsType"]) ?? "unknown";
      const asWorkspace = str(p["serviceDataAccessAuthIdentity"]) === "WorkspaceSystemAssignedIdentity";
      const problems: string[] = [];
      const notChecked = [
        "listing a path through Azure ML itself (no public Azure ML API does it without the datastore's secret)",
      ];
      if (!container) problems.push("it names no container or filesystem");
      else if (!blobEndpoint) problems.push(`${account.name} has no blob endpoint`);
      else
        try {
          if (!(await storage.containerExists(blobEndpoint, container)))
            problems.push(`its ${p["filesystem"] ? "filesystem" : "container"} ${container} does not exist`);
        } catch (error) {
          problems.push(`its container ${container} does not answer: ${errorMessage(error)}`);
        }
      if (asWorkspace) {
        const granted = roles.some(
          (r) =>
            r.principalId === principalId &&
            DATA_ROLES.some((id) => r.roleDefinitionId.toLowerCase().endsWith(id)),
        );
        if (!granted)
          problems.push(
            `Azure ML reads it as the workspace's identity (${principalId ?? "unknown"}), which holds no Storage Blob Data role on ${account.name}`,
          );
      } else
        notChecked.push(
          credentials === "None"
            ? "the access of whoever reads it (credential-less: the user's or the compute's identity)"
            : `its ${credentials} credential (azdr never reads datastore secrets)`,
        );
      checks.push({
        name: `Azure ML datastore ${dsName} (${ws.name}) reaches ${account.name}`,
        ok: problems.length === 0,
        expected: "defined, container answers",
        actual: problems.length ? problems.join("; ") : `defined, ${container} answers`,
        detail: `not checked: ${notChecked.join("; ")}`,
      });
    }
  }
  return checks;
}
