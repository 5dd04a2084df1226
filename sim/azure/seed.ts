// Seeds a realistic Azure side of the platform, deterministically: resource groups, storage
// accounts with different protection settings (one with hierarchical namespace), Azure ML
// workspaces with M models × V versions whose artifact files live in the simulated blob service,
// environments, data assets, datastores, computes, an AI Foundry hub + project with connections
// (one API key is a canary), Databricks workspace resources, and a Key Vault with secrets (one
// canary VALUE), keys and certificates. The canaries must never leave the simulator.
import { createHash } from "node:crypto";
import type { AzureState, BlobServiceSettings, MlWorkspace, StorageAccount } from "./state.js";
import { DAY_MS, guidFrom, sha256 } from "./state.js";

/** A Key Vault secret value that must never appear in a backup, a log or a report. */
export const CANARY_SECRET_VALUE = "azdr-canary-secret-7f3e9c1a-DO-NOT-LEAK";
/** An AI Foundry connection API key that must never appear anywhere outside the simulator. */
export const CANARY_CONNECTION_KEY = "azdr-canary-connection-key-2b8d4e6f-DO-NOT-LEAK";
/** A datastore account key (also a canary). */
export const CANARY_DATASTORE_KEY = "azdr-canary-datastore-key-91c0d7aa-DO-NOT-LEAK";

export interface AzureSeedOptions {
  subscriptionId?: string;
  /** Primary region; the DR resource group lives in its paired region. */
  location?: string;
  /** Azure ML workspaces (kind Default). */
  mlWorkspaces?: number;
  /** Models per workspace (M). */
  models?: number;
  /** Versions per model (V). */
  versionsPerModel?: number;
  /** Artifact files per model version (1–4). */
  artifactFilesPerVersion?: number;
  /** Size of each artifact file in bytes. */
  artifactBytes?: number;
  environments?: number;
  dataAssets?: number;
  secrets?: number;
  keys?: number;
  certificates?: number;
}

export interface SeededStorageAccount {
  name: string;
  resourceGroup: string;
  skuName: string;
  isHnsEnabled: boolean;
  pointInTimeRestore: boolean;
}

export interface SeededArtifact {
  workspace: string;
  model: string;
  version: string;
  modelUri: string;
  /** Where the files are: account / container / blob path. */
  account: string;
  container: string;
  files: Array<{ path: string; sha256: string; size: number }>;
}

export interface AzureSeedResult {
  subscriptionId: string;
  tenantId: string;
  location: string;
  drLocation: string;
  resourceGroup: string;
  drResourceGroup: string;
  storageAccounts: SeededStorageAccount[];
  mlWorkspaces: string[];
  foundry: { hub: string; project: string; connections: string[] };
  databricksWorkspaces: string[];
  /** The Databricks access connector whose identity holds roles on the storage accounts. */
  accessConnectorId: string;
  keyVault: string;
  canary: {
    vault: string;
    secretName: string;
    secretValue: string;
    connection: string;
    connectionKey: string;
  };
  artifacts: SeededArtifact[];
  counts: {
    modelVersions: number;
    artifactFiles: number;
    environmentVersions: number;
    dataVersions: number;
    secrets: number;
    keys: number;
    certificates: number;
  };
}

/** Deterministic artifact bytes: the same (seed, size) always gives the same content. */
export function deterministicBytes(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash("sha256").update(seed).digest();
  for (let offset = 0; offset < size; offset += block.length) {
    block.copy(out, offset, 0, Math.min(block.length, size - offset));
    block = createHash("sha256").update(block).digest();
  }
  return out;
}

const MODEL_NAMES = [
  "churn-classifier",
  "fraud-detector",
  "demand-forecast",
  "doc-embedder",
  "ranker",
  "anomaly-detector",
];
const ARTIFACT_FILES = ["MLmodel", "model.pkl", "conda.yaml", "requirements.txt"];

function protection(p: Partial<BlobServiceSettings>): BlobServiceSettings {
  return {
    deleteRetentionPolicy: { enabled: false },
    containerDeleteRetentionPolicy: { enabled: false },
    isVersioningEnabled: false,
    changeFeed: { enabled: false },
    restorePolicy: { enabled: false },
    ...p,
  };
}

export function seedAzure(state: AzureState, options: AzureSeedOptions = {}): AzureSeedResult {
  const sub = options.subscriptionId ?? "00000000-0000-4000-8000-00000000a2d4";
  const location = options.location ?? "westeurope";
  const drLocation = location === "westeurope" ? "northeurope" : `${location}-dr`;
  const rg = "rg-azdr-prod";
  const drRg = "rg-azdr-dr";
  const o = {
    mlWorkspaces: options.mlWorkspaces ?? 1,
    models: options.models ?? 3,
    versionsPerModel: options.versionsPerModel ?? 2,
    artifactFilesPerVersion: Math.min(4, Math.max(1, options.artifactFilesPerVersion ?? 2)),
    artifactBytes: options.artifactBytes ?? 2048,
    environments: options.environments ?? 2,
    dataAssets: options.dataAssets ?? 2,
    secrets: Math.max(1, options.secrets ?? 8),
    keys: options.keys ?? 3,
    certificates: options.certificates ?? 2,
  };
  const past = (days: number) => new Date(state.now().getTime() - days * DAY_MS);

  state.addResourceGroup(sub, rg, location, { env: "prod", project: "azdr" });
  state.addResourceGroup(sub, drRg, drLocation, { env: "dr", project: "azdr" });

  // ---- storage accounts: one per protection profile ------------------------------------------
  const since = past(30).toISOString();
  const accounts: Array<[Partial<StorageAccount> & { name: string }, boolean]> = [
    [
      {
        name: "stazdrmlprod",
        skuName: "Standard_RAGRS",
        blobService: protection({
          deleteRetentionPolicy: { enabled: true, days: 7 },
          containerDeleteRetentionPolicy: { enabled: true, days: 7 },
          isVersioningEnabled: true,
          changeFeed: { enabled: true, retentionInDays: 14 },
          restorePolicy: { enabled: true, days: 6, lastEnabledTime: since, minRestoreTime: since },
        }),
      },
      true,
    ],
    [
      {
        name: "stazdrlakeprod",
        skuName: "Standard_RAGZRS",
        isHnsEnabled: true,
        blobService: protection({
          deleteRetentionPolicy: { enabled: true, days: 14 },
          containerDeleteRetentionPolicy: { enabled: true, days: 14 },
        }),
      },
      false,
    ],
    [
      {
        name: "stazdrucprod",
        skuName: "Standard_ZRS",
        blobService: protection({
          deleteRetentionPolicy: { enabled: true, days: 7 },
          isVersioningEnabled: true,
          changeFeed: { enabled: true },
        }),
      },
      false,
    ],
    [{ name: "stazdrscratch", skuName: "Standard_LRS", blobService: protection({}) }, false],
  ];
  const storageAccounts: SeededStorageAccount[] = [];
  for (const [a, pitr] of accounts) {
    const created = state.addStorageAccount({
      subscriptionId: sub,
      resourceGroup: rg,
      location,
      tags: { env: "prod" },
      createdAt: past(90),
      ...a,
    });
    storageAccounts.push({
      name: created.name,
      resourceGroup: rg,
      skuName: created.skuName,
      isHnsEnabled: created.isHnsEnabled,
      pointInTimeRestore: pitr,
    });
  }
  const mlStorage = state.getStorageAccount(sub, rg, "stazdrmlprod")!;

  // Role assignments other platform parts hold on the accounts (what a recovery must re-grant):
  // the Databricks access connector, the ML workspace's identity and azdr's own identity.
  const blobDataContributor = `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/ba92f5b4-2d11-453d-a403-e96b0029c9fe`;
  const blobDataReader = `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1`;
  const accessConnectorId = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Databricks/accessConnectors/ac-azdr-prod`;
  const principals = {
    accessConnector: guidFrom("principal/access-connector"),
    // The ML workspace's system-assigned identity, as its ARM GET reports it (arm.ts workspaceJson).
    mlWorkspace: guidFrom(
      `mi//subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.MachineLearningServices/workspaces/mlw-azdr-prod`,
    ),
    azdr: guidFrom("principal/azdr"),
  };
  for (const id of Object.values(principals)) state.principals.add(id);
  state.managedIdentities.set(accessConnectorId.toLowerCase(), principals.accessConnector);
  for (const a of storageAccounts) {
    const account = state.getStorageAccount(sub, rg, a.name)!;
    const grants: Array<[string, string]> = [
      [principals.accessConnector, blobDataContributor],
      [principals.azdr, blobDataReader],
      ...(a.name === "stazdrmlprod"
        ? [[principals.mlWorkspace, blobDataContributor] as [string, string]]
        : []),
    ];
    account.roleAssignments = grants.map(([principalId, roleDefinitionId]) => ({
      name: guidFrom(`ra/${a.name}/${principalId}/${roleDefinitionId}`),
      roleDefinitionId,
      principalId,
      principalType: "ServicePrincipal",
    }));
  }

  // The lake account is reached over private endpoints (dfs and blob), as the platform's IaC makes them.
  const lake = state.getStorageAccount(sub, rg, "stazdrlakeprod")!;
  const subnetId = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/vnet-azdr-prod/subnets/snet-private-endpoints`;
  for (const group of ["dfs", "blob"])
    state.connectPrivateEndpoint(lake, {
      name: `pe-stazdrlakeprod-${group}`,
      resourceGroup: rg,
      subnetId,
      groupIds: [group],
    });

  // ---- Key Vault -------------------------------------------------------------------------------
  const vaultName = "kv-azdr-prod";
  // Soft delete and purge protection on, as runbook section 2 expects ("Key Vault Secrets: 0").
  const vault = state.addVault({
    name: vaultName,
    subscriptionId: sub,
    resourceGroup: rg,
    location,
    enablePurgeProtection: true,
  });
  const canarySecret = "sql-admin-password";
  state.setSecret(vault, canarySecret, CANARY_SECRET_VALUE, {
    contentType: "text/plain",
    tags: { owner: "dba" },
  });
  for (let i = 1; i < o.secrets; i++) {
    const name = `app-secret-${String(i).padStart(2, "0")}`;
    const versions = 1 + (i % 3);
    for (let v = 0; v < versions; v++)
      state.setSecret(vault, name, `value-${i}-${v}`, {
        tags: { app: `app${i % 4}` },
        ...(i % 2 === 0 ? { contentType: "application/json" } : {}),
        ...(i % 4 === 1 ? { exp: new Date(state.now().getTime() + 180 * DAY_MS) } : {}),
      });
  }
  for (let i = 0; i < o.keys; i++) {
    const name = `cmk-${i}`;
    const item = { name, versions: [] as Array<ReturnType<typeof keyVersion>> };
    for (let v = 0; v <= i % 2; v++) item.versions.push(keyVersion(`${name}/${v}`));
    vault.keys.set(name, item);
  }
  function keyVersion(seed: string) {
    const version = sha256(`key/${seed}`).slice(0, 32);
    return {
      version,
      kty: "RSA",
      keyOps: ["wrapKey", "unwrapKey", "encrypt", "decrypt"],
      n: deterministicBytes(`n/${seed}`, 256).toString("base64url"),
      e: "AQAB",
      attributes: state.attributes(),
      tags: { purpose: "cmk" },
    };
  }
  for (let i = 0; i < o.certificates; i++) {
    const name = `tls-${i}`;
    const cer = deterministicBytes(`cert/${name}`, 512);
    vault.certificates.set(name, {
      name,
      versions: [
        {
          version: sha256(`cert/${name}`).slice(0, 32),
          subject: `CN=${name}.azdr.contoso.com`,
          cer,
          x5t: createHash("sha1").update(cer).digest("base64url"),
          attributes: state.attributes({ exp: new Date(state.now().getTime() + 365 * DAY_MS) }),
          tags: { team: "platform" },
        },
      ],
    });
  }

  // ---- Azure ML workspaces ----------------------------------------------------------------------
  const idOf = (type: string, name: string, group = rg) =>
    `/subscriptions/${sub}/resourceGroups/${group}/providers/${type}/${name}`;
  const commonWs = {
    storageAccount: idOf("Microsoft.Storage/storageAccounts", mlStorage.name),
    keyVault: idOf("Microsoft.KeyVault/vaults", vaultName),
    containerRegistry: idOf("Microsoft.ContainerRegistry/registries", "crazdrprod"),
    applicationInsights: idOf("Microsoft.Insights/components", "appi-azdr-prod"),
    publicNetworkAccess: "Enabled" as const,
    hbiWorkspace: false,
  };
  const artifacts: SeededArtifact[] = [];
  const mlWorkspaces: string[] = [];
  const counts = { modelVersions: 0, artifactFiles: 0, environmentVersions: 0, dataVersions: 0 };

  function addDatastores(ws: MlWorkspace, container: string) {
    ws.datastores.set("workspaceblobstore", {
      properties: {
        datastoreType: "AzureBlob",
        accountName: mlStorage.name,
        containerName: container,
        endpoint: "core.windows.net",
        protocol: "https",
        credentials: { credentialsType: "AccountKey" },
        isDefault: true,
        description: null,
        tags: {},
        serviceDataAccessAuthIdentity: "WorkspaceSystemAssignedIdentity",
      },
      secrets: { key: CANARY_DATASTORE_KEY },
    });
    ws.datastores.set("workspaceartifactstore", {
      properties: {
        datastoreType: "AzureBlob",
        accountName: mlStorage.name,
        containerName: container.replace("blobstore", "artifactstore"),
        endpoint: "core.windows.net",
        protocol: "https",
        credentials: { credentialsType: "AccountKey" },
        isDefault: false,
        tags: {},
      },
      secrets: { key: CANARY_DATASTORE_KEY },
    });
    ws.datastores.set("curated_lake", {
      properties: {
        datastoreType: "AzureDataLakeGen2",
        accountName: "stazdrlakeprod",
        filesystem: "curated",
        endpoint: "core.windows.net",
        protocol: "https",
        credentials: { credentialsType: "None" },
        isDefault: false,
        tags: { zone: "curated" },
      },
    });
  }

  for (let w = 0; w < o.mlWorkspaces; w++) {
    const wsName = o.mlWorkspaces === 1 ? "mlw-azdr-prod" : `mlw-azdr-prod-${w + 1}`;
    const ws = state.addMlWorkspace({
      subscriptionId: sub,
      resourceGroup: rg,
      name: wsName,
      location,
      kind: "Default",
      createdAt: past(120),
      tags: { env: "prod" },
      properties: { ...commonWs, friendlyName: wsName, description: "Production Azure ML workspace" },
    });
    mlWorkspaces.push(wsName);
    const container = `azureml-blobstore-${ws.workspaceId}`;
    state.container(mlStorage, container, true);
    // Azure ML creates its artifact store's container with the workspace too.
    state.container(mlStorage, container.replace("blobstore", "artifactstore"), true);
    addDatastores(ws, container);

    for (let m = 0; m < o.models; m++) {
      const model = m < MODEL_NAMES.length ? MODEL_NAMES[m]! : `model-${m}`;
      const c = {
        name: model,
        description: `${model} model`,
        tags: { team: "ds" },
        isArchived: false,
        versions: new Map(),
        createdAt: past(60),
      };
      ws.models.set(model, c);
      for (let v = 1; v <= o.versionsPerModel; v++) {
        const version = String(v);
        const prefix = `models/${model}/${version}/`;
        // Half the models use the azureml:// datastore form, half a plain https blob URL.
        const modelUri =
          m % 2 === 0
            ? `azureml://subscriptions/${sub}/resourcegroups/${rg}/workspaces/${wsName}/datastores/workspaceblobstore/paths/${prefix}`
            : `https://${mlStorage.name}.blob.core.windows.net/${container}/${prefix}`;
        const files: SeededArtifact["files"] = [];
        for (let f = 0; f < o.artifactFilesPerVersion; f++) {
          const file = ARTIFACT_FILES[f]!;
          // Version 1 and 2 of a model share an unchanged conda.yaml: dedup material for backups.
          const bytes = deterministicBytes(
            file === "conda.yaml" ? `${wsName}/${model}/conda` : `${wsName}/${model}/${version}/${file}`,
            o.artifactBytes,
          );
          const path = `${prefix}${file}`;
          state.putBlob(
            mlStorage,
            container,
            path,
            bytes,
            file.endsWith(".yaml") ? "application/x-yaml" : "application/octet-stream",
          );
          files.push({ path, sha256: sha256(bytes), size: bytes.length });
        }
        c.versions.set(version, {
          version,
          createdAt: past(60 - v),
          properties: {
            description: `${model} v${version}`,
            tags: {
              stage: v === o.versionsPerModel ? "production" : "archived",
              commit: sha256(`${model}/${v}`).slice(0, 7),
            },
            properties: {
              "azureml.runId": guidFrom(`${wsName}/${model}/${v}`),
              accuracy: (0.8 + v / 100).toFixed(3),
            },
            modelType: o.artifactFilesPerVersion > 0 ? "mlflow_model" : "custom_model",
            modelUri,
            flavors: { python_function: { data: { loader_module: "mlflow.sklearn" } } },
            jobName: null,
            isAnonymous: false,
            isArchived: false,
          },
        });
        counts.modelVersions++;
        counts.artifactFiles += files.length;
        artifacts.push({
          workspace: wsName,
          model,
          version,
          modelUri,
          account: mlStorage.name,
          container,
          files,
        });
      }
    }

    for (let e = 0; e < o.environments; e++) {
      const name = `env-${["sklearn", "pytorch", "lightgbm", "spark"][e % 4]}${e >= 4 ? `-${e}` : ""}`;
      const c = { name, tags: {}, isArchived: false, versions: new Map(), createdAt: past(50) };
      ws.environments.set(name, c);
      for (let v = 1; v <= 2; v++) {
        const dockerBuild = e % 2 === 1 && v === 2;
        c.versions.set(String(v), {
          version: String(v),
          createdAt: past(50 - v),
          properties: {
            description: `${name} v${v}`,
            tags: { base: "ubuntu22.04" },
            osType: "Linux",
            environmentType: "UserCreated",
            ...(dockerBuild
              ? {
                  build: {
                    contextUri: `https://${mlStorage.name}.blob.core.windows.net/${container}/environments/${name}/${v}/context/`,
                    dockerfilePath: "Dockerfile",
                  },
                }
              : {
                  image: "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20250601.v1",
                  condaFile: `name: ${name}\nchannels: [conda-forge]\ndependencies:\n  - python=3.11\n  - pip:\n    - mlflow==2.${v}.0\n`,
                }),
          },
        });
        if (dockerBuild)
          state.putBlob(
            mlStorage,
            container,
            `environments/${name}/${v}/context/Dockerfile`,
            Buffer.from(`FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04\nRUN pip install ${name}\n`),
            "text/plain",
          );
        counts.environmentVersions++;
      }
    }

    const dataTypes = ["uri_folder", "uri_file", "mltable"] as const;
    for (let d = 0; d < o.dataAssets; d++) {
      const dataType = dataTypes[d % 3]!;
      const name = `dataset-${d}`;
      const c = {
        name,
        tags: { domain: "sales" },
        isArchived: false,
        versions: new Map(),
        createdAt: past(40),
      };
      ws.data.set(name, c);
      for (let v = 1; v <= 2; v++) {
        c.versions.set(String(v), {
          version: String(v),
          createdAt: past(40 - v),
          properties: {
            description: `${name} v${v}`,
            tags: {},
            dataType,
            dataUri:
              dataType === "uri_file"
                ? `azureml://subscriptions/${sub}/resourcegroups/${rg}/workspaces/${wsName}/datastores/workspaceblobstore/paths/data/${name}/${v}/data.csv`
                : `azureml://subscriptions/${sub}/resourcegroups/${rg}/workspaces/${wsName}/datastores/curated_lake/paths/${name}/v${v}/`,
          },
        });
        counts.dataVersions++;
      }
    }

    ws.computes.set("cpu-cluster", {
      location,
      properties: {
        computeType: "AmlCompute",
        description: "Training cluster",
        disableLocalAuth: true,
        properties: {
          vmSize: "STANDARD_DS3_V2",
          vmPriority: "Dedicated",
          osType: "Linux",
          scaleSettings: { maxNodeCount: 4, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: "PT120S" },
          remoteLoginPortPublicAccess: "Disabled",
        },
      },
    });
    ws.computes.set("ci-alice", {
      location,
      properties: {
        computeType: "ComputeInstance",
        description: "Alice's notebook VM",
        disableLocalAuth: true,
        properties: {
          vmSize: "STANDARD_DS11_V2",
          applicationSharingPolicy: "Personal",
          sshSettings: { sshPublicAccess: "Disabled" },
        },
      },
    });
  }

  // ---- AI Foundry hub + project -------------------------------------------------------------------
  const hub = state.addMlWorkspace({
    subscriptionId: sub,
    resourceGroup: rg,
    name: "hub-azdr-prod",
    location,
    kind: "Hub",
    createdAt: past(100),
    properties: {
      ...commonWs,
      friendlyName: "AI hub",
      managedNetwork: { isolationMode: "AllowInternetOutbound" },
    },
  });
  const project = state.addMlWorkspace({
    subscriptionId: sub,
    resourceGroup: rg,
    name: "proj-azdr-chat",
    location,
    kind: "Project",
    createdAt: past(90),
    properties: {
      ...commonWs,
      friendlyName: "Chat assistant",
      hubResourceId: idOf("Microsoft.MachineLearningServices/workspaces", hub.name),
    },
  });
  hub.connections.set("aoai-primary", {
    name: "aoai-primary",
    category: "AzureOpenAI",
    target: "https://aoai-azdr-prod.openai.azure.com/",
    authType: "ApiKey",
    isSharedToAll: true,
    metadata: {
      ApiType: "Azure",
      ApiVersion: "2024-10-21",
      ResourceId: idOf("Microsoft.CognitiveServices/accounts", "aoai-azdr-prod"),
    },
    credentials: { key: CANARY_CONNECTION_KEY },
  });
  // The accounts' model deployments (Microsoft.CognitiveServices/accounts/deployments, 2024-10-01).
  const deployment = (account: string, name: string, model: string, version: string, format: string) => ({
    id: `${idOf("Microsoft.CognitiveServices/accounts", account)}/deployments/${name}`,
    name,
    type: "Microsoft.CognitiveServices/accounts/deployments",
    sku: { name: "Standard", capacity: 10 },
    properties: {
      model: { format, name: model, version },
      versionUpgradeOption: "OnceNewDefaultVersionAvailable",
      raiPolicyName: "Microsoft.DefaultV2",
      provisioningState: "Succeeded",
    },
  });
  state.cognitiveDeployments.set(
    idOf("Microsoft.CognitiveServices/accounts", "aoai-azdr-prod").toLowerCase(),
    [
      deployment("aoai-azdr-prod", "gpt-4o", "gpt-4o", "2024-08-06", "OpenAI"),
      deployment("aoai-azdr-prod", "embeddings", "text-embedding-3-large", "1", "OpenAI"),
    ],
  );
  state.cognitiveDeployments.set(
    idOf("Microsoft.CognitiveServices/accounts", "ais-azdr-prod").toLowerCase(),
    [deployment("ais-azdr-prod", "phi-4", "Phi-4", "7", "Microsoft")],
  );
  hub.connections.set("search-primary", {
    name: "search-primary",
    category: "CognitiveSearch",
    target: "https://srch-azdr-prod.search.windows.net/",
    authType: "AAD",
    isSharedToAll: true,
    metadata: { ApiVersion: "2024-07-01" },
  });
  hub.connections.set("aiservices-primary", {
    name: "aiservices-primary",
    category: "AIServices",
    target: "https://ais-azdr-prod.cognitiveservices.azure.com/",
    authType: "AAD",
    isSharedToAll: true,
    metadata: { ApiType: "Azure", ResourceId: idOf("Microsoft.CognitiveServices/accounts", "ais-azdr-prod") },
  });
  project.connections.set("blob-docs", {
    name: "blob-docs",
    category: "AzureBlob",
    target: `https://${mlStorage.name}.blob.core.windows.net/docs`,
    authType: "AAD",
    isSharedToAll: false,
    metadata: { ContainerName: "docs", AccountName: mlStorage.name },
  });
  project.onlineEndpoints.set("chat-endpoint", {
    properties: {
      authMode: "Key",
      provisioningState: "Succeeded",
      scoringUri: `https://chat-endpoint.${location}.inference.ml.azure.com/score`,
      traffic: { blue: 100 },
    },
    deployments: new Map([
      [
        "blue",
        {
          model: "azureml:churn-classifier:2",
          instanceType: "Standard_DS3_v2",
          provisioningState: "Succeeded",
          endpointComputeType: "Managed",
        },
      ],
    ]),
  });

  // ---- Databricks workspace resources -----------------------------------------------------------
  state.addDatabricksWorkspace({ subscriptionId: sub, resourceGroup: rg, name: "dbw-azdr-prod", location });
  state.addDatabricksWorkspace({
    subscriptionId: sub,
    resourceGroup: drRg,
    name: "dbw-azdr-dr",
    location: drLocation,
  });

  return {
    subscriptionId: sub,
    tenantId: state.tenantId,
    location,
    drLocation,
    resourceGroup: rg,
    drResourceGroup: drRg,
    storageAccounts,
    mlWorkspaces,
    foundry: {
      hub: hub.name,
      project: project.name,
      connections: ["aoai-primary", "search-primary", "aiservices-primary", "blob-docs"],
    },
    databricksWorkspaces: ["dbw-azdr-prod", "dbw-azdr-dr"],
    accessConnectorId,
    keyVault: vaultName,
    canary: {
      vault: vaultName,
      secretName: canarySecret,
      secretValue: CANARY_SECRET_VALUE,
      connection: "aoai-primary",
      connectionKey: CANARY_CONNECTION_KEY,
    },
    artifacts,
    counts: {
      ...counts,
      secrets: vault.secrets.size,
      keys: vault.keys.size,
      certificates: vault.certificates.size,
    },
  };
}
