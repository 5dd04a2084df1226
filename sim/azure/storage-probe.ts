// What a simulated Azure storage account answers to a managed identity at an abfss:// URL: the
// cloud side of Unity Catalog's Validate Storage Credential (sim/databricks/storage-validation.ts).
// The account must exist and answer, the identity (a Databricks access connector's) must hold a
// Storage Blob Data role at the account, and the filesystem must exist. Network rules (firewall,
// private endpoints) are not modelled.
import type { CloudStorageAnswer } from "../databricks/storage-validation.js";
import type { AzureState } from "./state.js";

/** Storage Blob Data Owner, Contributor and Reader (built-in role definition ids). */
const DATA_ROLES = [
  "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
];

export function azureStorageProbe(
  state: AzureState,
): (url: string, identity: { accessConnectorId?: string }) => CloudStorageAnswer {
  return (url, identity) => {
    const parsed = /^abfss:\/\/([^@/]+)@([^./]+)\.[^/]+\/?(.*)$/.exec(url);
    const no = (message: string): CloudStorageAnswer => ({ ok: false, pathExists: false, message });
    if (!parsed) return no(`not an abfss:// URL: ${url}`);
    const [, filesystem, accountName, path] = parsed as unknown as [string, string, string, string];
    const account = state.findStorageAccount(accountName);
    if (!account) return no(`the storage account ${accountName} does not exist (name resolution failed)`);
    if (account.primaryDown)
      return no(`ServiceUnavailable: ${accountName} does not answer in its primary region`);
    const principal = identity.accessConnectorId
      ? state.managedIdentities.get(identity.accessConnectorId.toLowerCase())
      : undefined;
    if (!principal)
      return no("AuthorizationFailure: the credential's identity is unknown to the storage account's tenant");
    const allowed = account.roleAssignments.some(
      (r) =>
        r.principalId === principal && DATA_ROLES.some((d) => r.roleDefinitionId.toLowerCase().endsWith(d)),
    );
    if (!allowed)
      return no(
        "AuthorizationPermissionMismatch: This request is not authorized to perform this operation using this permission.",
      );
    const container = account.containers.get(filesystem);
    if (!container) return no("FilesystemNotFound: The specified filesystem does not exist.");
    const pathExists = !path || [...container.blobs.keys()].some((name) => name.startsWith(path));
    return { ok: true, pathExists, message: pathExists ? "" : `PathNotFound: ${path} does not exist` };
  };
}
