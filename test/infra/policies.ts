// Policy checks over parsed Bicep (see bicep.ts). Each returns violations as "file:line:col why";
// an empty list means the policy holds. test/infra/policies.test.ts runs them on infra/ and on
// small bad snippets, so every check is seen to fail when it should.
import { existsSync } from "node:fs";
import path from "node:path";
import { PROTECTION_WRITES, WRITE_EVENT } from "../../src/lib/protection-watch.js";
import type { Node } from "web-tree-sitter";
import {
  at,
  bodyValue,
  descendants,
  evaluate,
  get,
  isObject,
  modules,
  named,
  Opaque,
  possible,
  propertyNode,
  resources,
  stringLiteral,
  type BicepFile,
  type Resource,
  type Value,
} from "./bicep.js";

/** Built-in role definition ids, by the key our templates use in their `roles` var. */
export const BUILT_IN_ROLES: Record<string, string> = {
  owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  userAccessAdministrator: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
  roleBasedAccessControlAdministrator: "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
  reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  keyVaultReader: "21090545-7ca7-4776-b22c-e363652d74d2",
  keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
  storageAccountContributor: "17d1049b-9a84-46fb-8f53-869881c3d3ab",
  storageBlobDataOwner: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  storageQueueDataContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
  storageTableDataContributor: "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
  azureMlDataScientist: "f6c7c914-8db3-469d-8ca1-694a8f32e121",
  azureMlComputeOperator: "e503ece1-11d0-4e8e-8e2c-7a6c3bf38815",
  monitoringMetricsPublisher: "3913510d-42f4-4e42-8a64-420c390055eb",
};

/** Roles that can take over a subscription: never assigned at subscription scope (or above). */
export const PRIVILEGED_ROLES = [
  BUILT_IN_ROLES.owner,
  BUILT_IN_ROLES.contributor,
  BUILT_IN_ROLES.userAccessAdministrator,
  BUILT_IN_ROLES.roleBasedAccessControlAdministrator,
] as string[];

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const RA_SKUS = ["Standard_RAGRS", "Standard_RAGZRS"];
export const DELETION_EVENT_TYPES = ["Microsoft.Resources.ResourceDeleteSuccess"];
export const WATCHED_DELETIONS = [
  "Microsoft.Storage/storageAccounts/delete",
  "Microsoft.Databricks/workspaces/delete",
  "Microsoft.MachineLearningServices/workspaces/delete",
  // The newer AI Foundry: an AI Services account (kind AIServices) and its projects.
  "Microsoft.CognitiveServices/accounts/delete",
  "Microsoft.CognitiveServices/accounts/projects/delete",
];
export const EVENT_FUNCTION = "platformResourceDeleted";

/**
 * What each Event Grid destination may receive: deletions of watched resources start recoveries;
 * writes that can change storage data protection are checked for protection turned off. The
 * write list is the app's own (PROTECTION_WRITES), so infra and code cannot drift apart.
 */
export const EVENT_ROUTES = [
  { function: EVENT_FUNCTION, eventTypes: DELETION_EVENT_TYPES, operations: WATCHED_DELETIONS },
  {
    function: "platformProtectionChanged",
    eventTypes: [WRITE_EVENT],
    operations: [...PROTECTION_WRITES] as string[],
  },
];

const all = (files: BicepFile[]) => files.flatMap((file) => resources(file));
const ofType = (list: Resource[], type: string) =>
  list.filter((r) => r.type.toLowerCase() === type.toLowerCase() && !r.existing);
const children = (list: Resource[], parent: Resource, type: string) =>
  ofType(list, type).filter(
    (r) => r.file === parent.file && r.parent?.replace(/\[.*$/, "") === parent.symbol,
  );
const show = (v: Value | undefined) =>
  v instanceof Opaque ? (v.template ?? v.node.text.slice(0, 60)) : JSON.stringify(v);

/** True when every value v may take satisfies the predicate (and there is at least one). */
function always(v: Value | undefined, predicate: (x: Value) => boolean): boolean {
  const values = possible(v);
  return values.length > 0 && values.every(predicate);
}

// --- storage ------------------------------------------------------------------------------------

/** Every storage account has blob soft delete on (deleteRetentionPolicy.enabled, days >= 1). */
export function storageSoftDelete(files: BicepFile[]): string[] {
  const list = all(files);
  const out: string[] = [];
  for (const account of ofType(list, "Microsoft.Storage/storageAccounts")) {
    const services = children(list, account, "Microsoft.Storage/storageAccounts/blobServices");
    const ok = services.some((service) => {
      const policy = get(bodyValue(service), "properties", "deleteRetentionPolicy");
      return (
        always(get(policy, "enabled"), (x) => x === true) &&
        always(get(policy, "days"), (x) => typeof x === "number" && x >= 1)
      );
    });
    if (!ok)
      out.push(
        `${at(account.file, account.node)} storage account '${account.symbol}' has no blob soft delete`,
      );
  }
  return out;
}

/** Storage accounts tagged azdr-role: backup-store. */
export function backupStores(files: BicepFile[]): Resource[] {
  return ofType(all(files), "Microsoft.Storage/storageAccounts").filter(
    (r) => get(bodyValue(r), "tags", "azdr-role") === "backup-store",
  );
}

/**
 * The backup store: RA-GRS/RA-GZRS only, version-level immutability on the account and on every
 * container with a default policy, versioning on, and no hierarchical namespace (which version-level
 * WORM does not support).
 */
export function backupStorePolicy(files: BicepFile[]): string[] {
  const list = all(files);
  const out: string[] = [];
  for (const account of backupStores(files)) {
    const where = at(account.file, account.node);
    const body = bodyValue(account);
    const sku = get(body, "sku", "name");
    if (!always(sku, (x) => typeof x === "string" && RA_SKUS.includes(x)))
      out.push(`${where} backup store SKU must be one of ${RA_SKUS.join(", ")}, is ${show(sku)}`);
    if (!always(get(body, "properties", "immutableStorageWithVersioning", "enabled"), (x) => x === true))
      out.push(`${where} backup store needs properties.immutableStorageWithVersioning.enabled: true`);
    if (possible(get(body, "properties", "isHnsEnabled")).includes(true))
      out.push(
        `${where} backup store cannot enable a hierarchical namespace (no version-level WORM with HNS)`,
      );
    const services = children(list, account, "Microsoft.Storage/storageAccounts/blobServices");
    if (
      !services.some((s) => always(get(bodyValue(s), "properties", "isVersioningEnabled"), (x) => x === true))
    )
      out.push(`${where} backup store needs blob versioning (isVersioningEnabled: true)`);
    const containers = services.flatMap((s) =>
      children(list, s, "Microsoft.Storage/storageAccounts/blobServices/containers"),
    );
    if (containers.length === 0) out.push(`${where} backup store declares no containers`);
    for (const container of containers) {
      const cWhere = at(container.file, container.node);
      const enabled = get(bodyValue(container), "properties", "immutableStorageWithVersioning", "enabled");
      if (!always(enabled, (x) => x === true))
        out.push(
          `${cWhere} container '${container.symbol}' needs immutableStorageWithVersioning.enabled: true`,
        );
      const policies = children(
        list,
        container,
        "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies",
      ).filter((p) => get(bodyValue(p), "properties", "immutabilityPeriodSinceCreationInDays") !== undefined);
      if (policies.length === 0)
        out.push(
          `${cWhere} container '${container.symbol}' has no default immutability policy (WORM period)`,
        );
    }
  }
  return out;
}

// --- roles --------------------------------------------------------------------------------------

/** GUIDs an expression may produce: literals inside it, and what its identifiers resolve to. */
function guidsIn(file: BicepFile, expression: Node): string[] {
  const found = new Set<string>();
  const collect = (v: Value | undefined) => {
    for (const x of possible(v)) {
      if (typeof x === "string") for (const m of x.match(GUID) ?? []) found.add(m.toLowerCase());
      else if (Array.isArray(x)) x.forEach(collect);
      else if (isObject(x)) Object.values(x).forEach(collect);
    }
  };
  const visit = (node: Node) => {
    if (node.type === "string" || node.type === "identifier" || node.type === "member_expression") {
      collect(evaluate(file, node));
      if (node.type === "member_expression") return;
    }
    for (const child of named(node)) visit(child);
  };
  visit(expression);
  return [...found];
}

/** The custom role definition (same file) a roleDefinitionId expression like `myRole.id` names. */
function customRoleOf(file: BicepFile, expression: Node): Resource | undefined {
  if (expression.type !== "member_expression" || expression.childForFieldName("property")?.text !== "id")
    return undefined;
  const symbol = expression.childForFieldName("object")?.text;
  return ofType(resources(file), "Microsoft.Authorization/roleDefinitions").find((r) => r.symbol === symbol);
}

/** No Owner / Contributor / (RBAC) User Access Administrator at subscription scope or above. */
export function noPrivilegedSubscriptionRoles(files: BicepFile[]): string[] {
  const out: string[] = [];
  for (const ra of ofType(all(files), "Microsoft.Authorization/roleAssignments")) {
    const where = at(ra.file, ra.node);
    const definition =
      ra.body && propertyNode(propertyNode(ra.body, "properties") ?? ra.body, "roleDefinitionId");
    const guids = definition ? guidsIn(ra.file, definition) : [];
    // A custom role declared next to the assignment: restoreRolesLeastPrivilege checks its actions.
    if (guids.length === 0 && definition && customRoleOf(ra.file, definition)) continue;
    if (guids.length === 0) {
      out.push(
        `${where} role assignment '${ra.symbol}': cannot resolve its role definition to a built-in role id`,
      );
      continue;
    }
    const scope = ra.body ? propertyNode(ra.body, "scope") : null;
    const aboveResourceGroup = ["subscription", "managementGroup", "tenant"].includes(ra.file.targetScope);
    const atSubscription =
      (aboveResourceGroup && (!scope || /^(subscription|managementGroup|tenant)\(/.test(scope.text))) ||
      (scope !== null && /^subscription\(/.test(scope.text));
    const privileged = guids.filter((g) => PRIVILEGED_ROLES.includes(g));
    if (atSubscription && privileged.length > 0)
      out.push(
        `${where} role assignment '${ra.symbol}' grants ${privileged.join(", ")} at subscription scope`,
      );
  }
  return out;
}

/** Every role assignment is preceded by a comment starting with "Why:". */
export function roleAssignmentsExplained(files: BicepFile[]): string[] {
  const out: string[] = [];
  for (const ra of ofType(all(files), "Microsoft.Authorization/roleAssignments")) {
    let previous = ra.node.previousSibling;
    if (previous?.type === "decorators") previous = previous.previousSibling;
    const comments: string[] = [];
    while (previous?.type === "comment") {
      comments.unshift(previous.text);
      previous = previous.previousSibling;
    }
    if (!/^\/\/\s*Why:/.test(comments[0] ?? ""))
      out.push(
        `${at(ra.file, ra.node)} role assignment '${ra.symbol}' needs a "// Why: ..." comment above it`,
      );
  }
  return out;
}

/** Role ids in every `roles` var match the built-in role named by their key. */
export function roleIdsMatchNames(files: BicepFile[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    const decl = file.symbols.get("roles");
    if (decl?.kind !== "var") continue;
    const value = evaluate(file, named(decl.node)[1]);
    if (!isObject(value)) continue;
    for (const [key, id] of Object.entries(value)) {
      if (BUILT_IN_ROLES[key] === undefined)
        out.push(`${at(file, decl.node)} roles.${key}: not a known built-in role`);
      else if (id !== BUILT_IN_ROLES[key])
        out.push(`${at(file, decl.node)} roles.${key} is ${show(id)}, expected ${BUILT_IN_ROLES[key]}`);
    }
  }
  return out;
}

// --- function app -------------------------------------------------------------------------------

function functionApps(files: BicepFile[]): Resource[] {
  return ofType(all(files), "Microsoft.Web/sites").filter((r) =>
    always(get(bodyValue(r), "kind"), (k) => typeof k === "string" && k.includes("functionapp")),
  );
}

/** App settings of a Function App: the sites/config 'appsettings' child and siteConfig.appSettings. */
export function appSettingsOf(files: BicepFile[], app: Resource): Map<string, Value> {
  const settings = new Map<string, Value>();
  const list = all(files);
  for (const config of children(list, app, "Microsoft.Web/sites/config")) {
    const body = bodyValue(config);
    if (body.name !== "appsettings") continue;
    const properties = get(body, "properties");
    if (isObject(properties)) for (const [k, v] of Object.entries(properties)) settings.set(k, v);
  }
  const array = get(bodyValue(app), "properties", "siteConfig", "appSettings");
  if (Array.isArray(array))
    for (const entry of array) {
      const name = get(entry, "name");
      if (typeof name === "string") settings.set(name, get(entry, "value") ?? null);
    }
  return settings;
}

/** Every required setting is set on every Function App; fixed values where they are fixed. */
export function requiredAppSettingsSet(
  files: BicepFile[],
  required: string[],
  fixed: Record<string, string> = {},
): string[] {
  const out: string[] = [];
  const apps = functionApps(files);
  if (apps.length === 0) out.push("no Function App (Microsoft.Web/sites, kind functionapp) declared");
  for (const app of apps) {
    const settings = appSettingsOf(files, app);
    const where = at(app.file, app.node);
    for (const name of required)
      if (!settings.has(name))
        out.push(`${where} Function App '${app.symbol}' does not set app setting ${name}`);
    for (const [name, value] of Object.entries(fixed)) {
      const actual = settings.get(name);
      if (settings.has(name) && !always(actual, (x) => x === value))
        out.push(`${where} app setting ${name} must be '${value}', is ${show(actual)}`);
    }
  }
  return out;
}

/** Node 22 on Flex Consumption (FC1), Linux. */
export function nodeOnFlexConsumption(files: BicepFile[]): string[] {
  const out: string[] = [];
  const list = all(files);
  const apps = functionApps(files);
  if (apps.length === 0) out.push("no Function App (Microsoft.Web/sites, kind functionapp) declared");
  for (const app of apps) {
    const where = at(app.file, app.node);
    const body = bodyValue(app);
    const runtime = get(body, "properties", "functionAppConfig", "runtime");
    if (!always(get(runtime, "name"), (x) => x === "node"))
      out.push(`${where} functionAppConfig.runtime.name must be 'node', is ${show(get(runtime, "name"))}`);
    if (!always(get(runtime, "version"), (x) => x === "22"))
      out.push(
        `${where} functionAppConfig.runtime.version must be '22', is ${show(get(runtime, "version"))}`,
      );
    if (!always(get(body, "kind"), (x) => typeof x === "string" && x.includes("linux")))
      out.push(`${where} Flex Consumption apps are Linux: kind must include 'linux'`);
    const farm = app.body && propertyNode(propertyNode(app.body, "properties") ?? app.body, "serverFarmId");
    const planSymbol =
      farm?.type === "member_expression" ? farm.childForFieldName("object")?.text : undefined;
    const plan = ofType(list, "Microsoft.Web/serverfarms").find(
      (p) => p.file === app.file && p.symbol === planSymbol,
    );
    const sku = plan ? get(bodyValue(plan), "sku") : undefined;
    if (
      !plan ||
      !always(get(sku, "name"), (x) => x === "FC1") ||
      !always(get(sku, "tier"), (x) => x === "FlexConsumption")
    )
      out.push(`${where} serverFarmId must reference a plan in the same file with sku FC1 / FlexConsumption`);
  }
  return out;
}

// --- secrets ------------------------------------------------------------------------------------

const KEY_FUNCTIONS = [
  "listKeys",
  "listAccountSas",
  "listServiceSas",
  "listConnectionStrings",
  "listCredentials",
];
const SECRET_TEXT = /AccountKey=|SharedAccessSignature=|SharedAccessKey=|DefaultEndpointsProtocol=|[?&]sig=/i;
const ALLOWED_CONNECTION_SETTINGS = ["APPLICATIONINSIGHTS_CONNECTION_STRING"];

/** No key-listing functions, no key-bearing strings, no connection-string app settings. */
export function noKeysOrConnectionStrings(files: BicepFile[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    for (const call of descendants(file.root, "call_expression")) {
      const fn = call.childForFieldName("function");
      const name = fn?.type === "member_expression" ? fn.childForFieldName("property")?.text : fn?.text;
      if (name && KEY_FUNCTIONS.includes(name))
        out.push(`${at(file, call)} ${name}() puts a key into the deployment`);
    }
    for (const string of descendants(file.root, "string")) {
      const text = named(string)
        .filter((n) => n.type === "string_content")
        .map((n) => n.text)
        .join("");
      if (SECRET_TEXT.test(text))
        out.push(`${at(file, string)} string looks like a key or connection string`);
    }
  }
  for (const app of functionApps(files)) {
    for (const [name, value] of appSettingsOf(files, app)) {
      const where = at(app.file, app.node);
      if (ALLOWED_CONNECTION_SETTINGS.includes(name)) continue;
      if (
        /connection_?string$/i.test(name) ||
        name === "AzureWebJobsStorage" ||
        /__connectionString$/i.test(name)
      )
        out.push(`${where} app setting ${name} is a connection string: use identity-based settings`);
      for (const v of possible(value))
        if (typeof v === "string" && SECRET_TEXT.test(v))
          out.push(`${where} app setting ${name} holds a key`);
    }
  }
  return out;
}

// --- event grid ---------------------------------------------------------------------------------

/**
 * Event subscriptions deliver only what one of EVENT_ROUTES allows to its function: deletions of
 * watched resource types to platformResourceDeleted, protection-changing writes to
 * platformProtectionChanged.
 */
export function eventGridDeletionsOnly(files: BicepFile[]): string[] {
  const out: string[] = [];
  const list = all(files);
  const subscriptions = [
    ...ofType(list, "Microsoft.EventGrid/systemTopics/eventSubscriptions"),
    ...ofType(list, "Microsoft.EventGrid/eventSubscriptions"),
  ];
  if (subscriptions.length === 0) out.push("no Event Grid event subscription declared");
  for (const sub of subscriptions) {
    const where = at(sub.file, sub.node);
    const props = get(bodyValue(sub), "properties");
    const destination = get(props, "destination");
    const resourceId = get(destination, "properties", "resourceId");
    const idText = resourceId instanceof Opaque ? resourceId.template : resourceId;
    const route = EVENT_ROUTES.find(
      (r) =>
        get(destination, "endpointType") === "AzureFunction" &&
        typeof idText === "string" &&
        idText.endsWith(`/functions/${r.function}`),
    );
    if (!route)
      out.push(
        `${where} destination must be the AzureFunction ${EVENT_ROUTES.map((r) => r.function).join(" or ")}`,
      );
    // An unknown destination is judged by the deletion route: the strictest reading.
    const allowed = route ?? EVENT_ROUTES[0]!;
    const types = get(props, "filter", "includedEventTypes");
    if (
      !Array.isArray(types) ||
      types.length === 0 ||
      !types.every((t) => always(t, (x) => allowed.eventTypes.includes(x as string)))
    )
      out.push(
        `${where} filter.includedEventTypes must list only ${allowed.eventTypes.join(", ")} for ${allowed.function}, is ${show(types)}`,
      );
    const filters = get(props, "filter", "advancedFilters");
    const operation = Array.isArray(filters)
      ? filters.find((f) => get(f, "key") === "data.operationName" && get(f, "operatorType") === "StringIn")
      : undefined;
    const values = get(operation, "values");
    if (
      !Array.isArray(values) ||
      values.length === 0 ||
      !values.every((v) => always(v, (x) => allowed.operations.includes(x as string)))
    )
      out.push(
        `${where} needs an advanced filter StringIn on data.operationName over ${allowed.operations.join(", ")}`,
      );
    const topic = ofType(list, "Microsoft.EventGrid/systemTopics").find(
      (t) => t.file === sub.file && t.symbol === sub.parent,
    );
    // A resource-group topic lives in the group it watches: deleting the group deletes its alert.
    if (
      topic &&
      !always(
        get(bodyValue(topic), "properties", "topicType"),
        (x) => x === "Microsoft.Resources.Subscriptions",
      )
    )
      out.push(
        `${at(topic.file, topic.node)} system topic must be a subscription topic (Microsoft.Resources.Subscriptions), not one per resource group`,
      );
    if (
      topic &&
      possible(get(bodyValue(topic), "properties", "source")).some(
        (x) => typeof x === "string" && /resourceGroups\//i.test(x),
      )
    )
      out.push(`${at(topic.file, topic.node)} system topic source must be the subscription`);
  }
  return out;
}

/** Undeliverable events are dead-lettered to a blob container (with an identity: no keys). */
export function eventGridDeadLettered(files: BicepFile[]): string[] {
  const out: string[] = [];
  const list = all(files);
  for (const sub of [
    ...ofType(list, "Microsoft.EventGrid/systemTopics/eventSubscriptions"),
    ...ofType(list, "Microsoft.EventGrid/eventSubscriptions"),
  ]) {
    const props = get(bodyValue(sub), "properties");
    const withIdentity = get(props, "deadLetterWithResourceIdentity");
    const destination = get(withIdentity, "deadLetterDestination");
    if (
      get(destination, "endpointType") !== "StorageBlob" ||
      get(destination, "properties", "resourceId") === undefined ||
      get(destination, "properties", "blobContainerName") === undefined ||
      get(withIdentity, "identity", "type") === undefined
    )
      out.push(
        `${at(sub.file, sub.node)} event subscription '${sub.symbol}' needs deadLetterWithResourceIdentity to a StorageBlob container`,
      );
  }
  return out;
}

// --- least privilege ----------------------------------------------------------------------------

/**
 * The snapshot index table's role is granted on the account: the code calls create-table on first
 * use, which a role scoped to the table answers with 403 instead of "already exists".
 */
export function tableRolesOnAccount(files: BicepFile[]): string[] {
  const out: string[] = [];
  for (const ra of ofType(all(files), "Microsoft.Authorization/roleAssignments")) {
    const scope = ra.body ? propertyNode(ra.body, "scope") : null;
    const symbol = scope?.text.replace(/\[.*$/, "").split("::").pop();
    const target = resources(ra.file).find((r) => r.symbol === symbol);
    if (target && /tableServices\/tables$/i.test(target.type))
      out.push(
        `${at(ra.file, ra.node)} role assignment '${ra.symbol}' is scoped to table '${target.symbol}': create-table needs the account`,
      );
  }
  return out;
}

const KEY_OR_DESTRUCTIVE_ACTION =
  /(^|\/)\*$|listkeys|regeneratekey|listaccountsas|listservicesas|\/delete$|roleassignments\/write|roledefinitions\/write/i;

/**
 * Restore roles: off by default (enableRestoreRoles), never Storage Account Contributor (it can
 * list and regenerate keys), and custom roles carry no wildcard, key, delete or data action.
 */
export function restoreRolesLeastPrivilege(files: BicepFile[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    const param = file.symbols.get("enableRestoreRoles");
    if (param?.kind === "param") {
      const initial = named(param.node)[2];
      if (!initial || evaluate(file, initial) !== false)
        out.push(`${at(file, param.node)} param enableRestoreRoles must default to false`);
    }
  }
  for (const ra of ofType(all(files), "Microsoft.Authorization/roleAssignments")) {
    const definition =
      ra.body && propertyNode(propertyNode(ra.body, "properties") ?? ra.body, "roleDefinitionId");
    if (definition && guidsIn(ra.file, definition).includes(BUILT_IN_ROLES.storageAccountContributor!))
      out.push(
        `${at(ra.file, ra.node)} role assignment '${ra.symbol}' grants Storage Account Contributor (lists keys): use the custom recovery role`,
      );
  }
  for (const role of ofType(all(files), "Microsoft.Authorization/roleDefinitions")) {
    const where = at(role.file, role.node);
    const permissions = get(bodyValue(role), "properties", "permissions");
    if (!Array.isArray(permissions) || permissions.length === 0) {
      out.push(`${where} custom role '${role.symbol}' declares no permissions`);
      continue;
    }
    for (const permission of permissions) {
      const actions = get(permission, "actions");
      for (const action of Array.isArray(actions) ? actions : [actions])
        for (const x of possible(action))
          if (typeof x !== "string" || KEY_OR_DESTRUCTIVE_ACTION.test(x))
            out.push(`${where} custom role '${role.symbol}' allows ${show(x)}`);
      const data = get(permission, "dataActions");
      if (Array.isArray(data) ? data.length > 0 : data !== undefined)
        out.push(`${where} custom role '${role.symbol}' has data actions`);
    }
  }
  return out;
}

/** FTP and SCM basic-auth publishing credentials are off on every Function App. */
export function basicPublishingDisabled(files: BicepFile[]): string[] {
  const out: string[] = [];
  const list = all(files);
  const apps = functionApps(files);
  if (apps.length === 0) out.push("no Function App (Microsoft.Web/sites, kind functionapp) declared");
  for (const app of apps)
    for (const kind of ["ftp", "scm"]) {
      const policy = children(list, app, "Microsoft.Web/sites/basicPublishingCredentialsPolicies").find(
        (p) => bodyValue(p).name === kind,
      );
      if (!policy || !always(get(bodyValue(policy), "properties", "allow"), (x) => x === false))
        out.push(
          `${at(app.file, app.node)} Function App '${app.symbol}' needs basicPublishingCredentialsPolicies '${kind}' with allow: false`,
        );
    }
  return out;
}

/** Routes a person uses to request, follow and decide restores (see src/functions/restore-http.ts). */
export const RESTORE_ROUTE_PATHS = [
  "/api/restore/workspace",
  "/api/restore/instances/restore-workspace-dr",
  "/api/restore/instances/restore-workspace-dr/approve",
  "/api/restore/instances/restore-workspace-dr/reject",
];

/**
 * App Service authentication (authsettingsV2) in front of every Function App: on, Entra ID with the
 * app registration from a parameter, unauthenticated callers answered 401, and no excluded path
 * that reaches a restore route (so none the approver uses is anonymous).
 */
export function restoreRoutesAuthenticated(files: BicepFile[]): string[] {
  const out: string[] = [];
  const list = all(files);
  const apps = functionApps(files);
  if (apps.length === 0) out.push("no Function App (Microsoft.Web/sites, kind functionapp) declared");
  for (const app of apps) {
    const where = `${at(app.file, app.node)} Function App '${app.symbol}'`;
    const auth = children(list, app, "Microsoft.Web/sites/config").find(
      (c) => bodyValue(c).name === "authsettingsV2",
    );
    if (!auth) {
      out.push(`${where} needs a config 'authsettingsV2' (App Service authentication)`);
      continue;
    }
    const props = get(bodyValue(auth), "properties");
    const is = (expected: string | boolean, ...keys: string[]) =>
      always(get(props, ...keys), (x) =>
        typeof x === "string" && typeof expected === "string"
          ? x.toLowerCase() === expected.toLowerCase()
          : x === expected,
      );
    if (!is(true, "platform", "enabled")) out.push(`${where}: authsettingsV2 platform.enabled must be true`);
    if (!is(true, "globalValidation", "requireAuthentication"))
      out.push(`${where}: authsettingsV2 globalValidation.requireAuthentication must be true`);
    if (!is("Return401", "globalValidation", "unauthenticatedClientAction"))
      out.push(`${where}: authsettingsV2 globalValidation.unauthenticatedClientAction must be Return401`);
    if (!is(true, "identityProviders", "azureActiveDirectory", "enabled"))
      out.push(`${where}: authsettingsV2 needs identityProviders.azureActiveDirectory.enabled: true`);
    const clientId = get(props, "identityProviders", "azureActiveDirectory", "registration", "clientId");
    if (clientId === undefined || (typeof clientId === "string" && clientId.trim() === ""))
      out.push(`${where}: authsettingsV2 needs the app registration's clientId (a parameter)`);
    const excluded = get(props, "globalValidation", "excludedPaths");
    for (const value of possible(excluded)) {
      if (!Array.isArray(value)) continue;
      for (const path of value) {
        if (typeof path !== "string") {
          out.push(`${where}: excluded path ${show(path)} is not a literal, so it cannot be checked`);
          continue;
        }
        const prefix = path.replace(/\*.*$/, "").toLowerCase();
        const reached = RESTORE_ROUTE_PATHS.filter((route) => route.toLowerCase().startsWith(prefix));
        if (reached.length)
          out.push(`${where}: excluded path '${path}' makes ${reached.join(", ")} anonymous`);
      }
    }
  }
  return out;
}

// --- structure: what a compiler would catch first ------------------------------------------------

/** Module paths exist; params passed exist in the module; required module params are passed. */
export function moduleContracts(files: BicepFile[]): string[] {
  const out: string[] = [];
  const byPath = new Map(files.map((f) => [path.resolve(f.absPath), f]));
  for (const file of files) {
    for (const mod of modules(file)) {
      const where = at(file, mod.node);
      const target = byPath.get(mod.target);
      if (!target) {
        out.push(
          `${where} module '${mod.symbol}': ${existsSync(mod.target) ? "not parsed" : "file not found"} ${mod.target}`,
        );
        continue;
      }
      const params = new Map(
        [...target.symbols.values()]
          .filter((d) => d.kind === "param")
          .map((d) => [d.name, named(d.node).length >= 3]),
      );
      const passedNode = mod.body ? propertyNode(mod.body, "params") : null;
      const passed = new Set(
        passedNode
          ? named(passedNode)
              .filter((p) => p.type === "object_property")
              .map((p) => named(p)[0]?.text ?? "")
          : [],
      );
      for (const name of passed)
        if (!params.has(name)) out.push(`${where} module '${mod.symbol}' passes unknown param ${name}`);
      for (const [name, hasDefault] of params)
        if (!hasDefault && !passed.has(name))
          out.push(`${where} module '${mod.symbol}' misses required param ${name}`);
      // <module>.outputs.<name> must be an output of the module.
      for (const member of descendants(file.root, "member_expression")) {
        const object = member.childForFieldName("object");
        if (object?.type !== "member_expression") continue;
        const base = object.childForFieldName("object");
        const baseName =
          base?.type === "subscript_expression" ? base.childForFieldName("object")?.text : base?.text;
        if (baseName !== mod.symbol || object.childForFieldName("property")?.text !== "outputs") continue;
        const output = member.childForFieldName("property")?.text ?? "";
        if (!target.symbols.has(`output:${output}`))
          out.push(`${at(file, member)} ${mod.symbol}.outputs.${output} is not an output of ${target.path}`);
      }
    }
  }
  return out;
}

export { stringLiteral };

/** The custom events the app writes (src/lib/notify/telemetry.ts) that each need an alert rule. */
export const ALERTED_EVENTS = [
  { event: "azdr.rpo", why: "RPO stale per component" },
  { event: "azdr.backup", why: "backup failed" },
  { event: "azdr.restore", why: "restore awaiting approval", also: '"awaiting-approval"' },
  { event: "azdr.heartbeat", why: "the app not running its timers", also: "'LessThan'" },
];

/**
 * Azure Monitor pages people even when azdr is broken: an enabled action group with email and
 * webhook receivers, and an enabled log alert rule per custom event, scoped and wired to it.
 */
export function monitoringAlerts(files: BicepFile[]): string[] {
  const out: string[] = [];
  const list = all(files);
  const groups = ofType(list, "Microsoft.Insights/actionGroups");
  if (groups.length === 0) out.push("no Microsoft.Insights/actionGroups: alerts would page nobody");
  for (const group of groups) {
    const props = get(bodyValue(group), "properties");
    const where = at(group.file, group.node);
    if (get(props, "enabled") !== true) out.push(`${where} action group '${group.symbol}' must be enabled`);
    const text = group.body?.text ?? "";
    if (!text.includes("emailReceivers"))
      out.push(`${where} action group '${group.symbol}' has no emailReceivers`);
    if (!text.includes("webhookReceivers"))
      out.push(`${where} action group '${group.symbol}' has no webhookReceivers`);
  }
  const rules = ofType(list, "Microsoft.Insights/scheduledQueryRules");
  if (rules.length === 0)
    out.push("no Microsoft.Insights/scheduledQueryRules: nothing watches the custom events");
  for (const rule of rules) {
    const where = at(rule.file, rule.node);
    const text = rule.body?.text ?? "";
    const props = get(bodyValue(rule), "properties");
    if (get(props, "enabled") !== true) out.push(`${where} alert rule '${rule.symbol}' must be enabled`);
    if (!/scopes:\s*\[/.test(text)) out.push(`${where} alert rule '${rule.symbol}' has no scopes`);
    if (!groups.some((g) => g.file === rule.file && text.includes(`${g.symbol}.id`)))
      out.push(`${where} alert rule '${rule.symbol}' does not notify an action group of its file`);
  }
  // The queries live beside the rules (a var the rule loop reads): each event needs one.
  const ruleFiles = [...new Set(rules.map((r) => r.file))];
  for (const { event, why, also } of ALERTED_EVENTS) {
    const covered = ruleFiles.some((file) => {
      const source = file.source;
      const i = source.indexOf(`name == "${event}"`);
      if (i < 0) return false;
      if (!also) return true;
      // The extra condition must sit in the same rule entry (between the surrounding braces).
      const start = source.lastIndexOf("\n  {", i);
      const end = source.indexOf("\n  }", i);
      return source.slice(start, end).includes(also);
    });
    if (!covered) out.push(`no alert rule queries ${event} (${why})`);
  }
  return out;
}
