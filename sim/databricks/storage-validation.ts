// Unity Catalog's Validate Storage Credential (POST /api/2.1/unity-catalog/validate-storage-credentials,
// Databricks API reference, uc-credentials): Unity Catalog reaches the cloud storage at an external
// location's URL (or a given url) through a storage credential and reports each file operation as
// PASS, FAIL or SKIP. A Databricks workspace cannot see cloud storage on its own, so the composed
// simulator attaches a probe that asks the simulated Azure accounts (sim/index.ts); without one,
// every operation FAILs saying no cloud storage is attached.
import type { SimService } from "../core/server.js";
import type { DatabricksAccount, Metastore } from "./metastore.js";
import type { Json } from "./state.js";
import { body, err, ok } from "./util.js";

/** What cloud storage answers to one identity at one abfss:// URL. */
export interface CloudStorageAnswer {
  /** The account answers and the identity may list and read there. */
  ok: boolean;
  /** The path exists (a container/filesystem or a folder in it). */
  pathExists: boolean;
  /** Why not, in the storage service's words. */
  message: string;
}

/** Answers for a URL and the access connector a credential uses (its managed identity). */
export type CloudStorageProbe = (url: string, identity: { accessConnectorId?: string }) => CloudStorageAnswer;

const probes = new WeakMap<DatabricksAccount, CloudStorageProbe>();

/** Attach cloud storage to a Databricks account's metastores (the composed simulator does). */
export function attachCloudStorage(account: DatabricksAccount, probe: CloudStorageProbe): void {
  probes.set(account, probe);
}

export function registerStorageValidationRoutes(
  service: SimService,
  account: DatabricksAccount,
  ms: () => Metastore,
): void {
  service.route("POST", "/api/2.1/unity-catalog/validate-storage-credentials", (req) => {
    const b = body(req);
    const locationName = typeof b.external_location_name === "string" ? b.external_location_name : "";
    const credentialName = typeof b.storage_credential_name === "string" ? b.storage_credential_name : "";
    let url = typeof b.url === "string" ? b.url : "";
    if (!url && !locationName)
      throw err.invalid("At least one of external_location_name and url must be provided");
    if (!credentialName && !b.azure_managed_identity && !b.azure_service_principal)
      throw err.invalid("Either storage_credential_name or a cloud-specific credential must be provided");
    const m = ms();
    // The url wins when both are given; the location must still exist.
    if (locationName) {
      const location = m.securable("external_location", locationName);
      if (!url) url = String(location.url);
    }
    const credential: Json = credentialName
      ? m.securable("storage_credential", credentialName)
      : { azure_managed_identity: b.azure_managed_identity };
    const mi = credential.azure_managed_identity as Json | undefined;
    const accessConnectorId =
      typeof mi?.access_connector_id === "string" ? mi.access_connector_id : undefined;
    const probe = probes.get(account);
    const answer: CloudStorageAnswer = probe
      ? probe(url, accessConnectorId ? { accessConnectorId } : {})
      : { ok: false, pathExists: false, message: "no cloud storage is attached to this simulator" };
    const result = (pass: boolean) => (pass ? "PASS" : "FAIL");
    const readOnly = b.read_only === true || credential.read_only === true;
    const results: Json[] = [
      { operation: "LIST", result: result(answer.ok), ...(answer.ok ? {} : { message: answer.message }) },
      { operation: "READ", result: result(answer.ok), ...(answer.ok ? {} : { message: answer.message }) },
      // A read-only validation does not write or delete a test file.
      { operation: "WRITE", result: readOnly ? "SKIP" : result(answer.ok) },
      { operation: "DELETE", result: readOnly ? "SKIP" : result(answer.ok) },
      {
        operation: "PATH_EXISTS",
        result: result(answer.pathExists),
        ...(answer.pathExists ? {} : { message: answer.message }),
      },
    ];
    return ok({ isDir: true, results });
  });
}
