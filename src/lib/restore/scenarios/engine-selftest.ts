// Engine self-test, used only by tests (catalog row "engine-selftest", marked internal: every
// trigger refuses it). It is registered exactly like a runbook scenario (one catalog row, this
// module) and has one step of every kind, each doing something real in the target workspace:
// - items (ordering "dependency"): a folder and a notebook inside it, planned notebook first, so
//   only the engine's dependency order makes the import succeed;
// - operation: one SQL statement (CREATE CATALOG IF NOT EXISTS) started with wait_timeout 0s and
//   polled until it finishes;
// - checkpoint: a person creates `<folder>/confirmed` by hand; the check looks for it;
// - scenario: the workspace restore (7.3) of the same source and target, as a child.
import { databricksApis, succeeded } from "../../clients/databricks/index.js";
import { AzdrError, errorMessage, isAzdrError } from "../../errors.js";
import type { SourceContext } from "../../sources/context.js";
import type { EngineSelftestRequest } from "../catalog.js";
import type { PlanItem, PreflightCheck } from "../engine/plan.js";
import type {
  CheckResult,
  ItemResult,
  OperationHandle,
  OperationStatus,
  PlannedWork,
  PlanStep,
  RestoreScenario,
  ValidationCheck,
} from "../engine/steps.js";

/** Idempotent, so a statement started again after a lost handle changes nothing. */
const STATEMENT = "CREATE CATALOG IF NOT EXISTS azdr_selftest COMMENT 'azdr engine self-test'";

const STEPS: PlanStep[] = [
  {
    kind: "items",
    ordering: "dependency",
    name: "folders",
    title: "Folder and notebook",
    why: "The notebook is imported into the folder, so the folder comes first.",
  },
  {
    kind: "operation",
    name: "statement",
    title: "SQL statement",
    why: "Runs after the folders exist; stands for any long-running operation.",
    does: "Starts one SQL statement on the target's warehouse and polls it until it finishes.",
    pollSeconds: 30,
    timeoutMinutes: 30,
    expectedSeconds: 30,
  },
  {
    kind: "checkpoint",
    name: "confirm",
    title: "Confirm by hand",
    why: "A person checks the restored folder before the child restore writes more.",
    does: "Waits for an operator to create the confirmation folder and say done; then checks it exists.",
  },
  {
    kind: "scenario",
    name: "workspace",
    title: "Workspace restore (7.3)",
    why: "Last: a child restore composed into this one, released by the same approval.",
    scenario: "workspace",
    request: (parent) => ({ source: parent.source, target: parent.target, mode: parent.mode }),
  },
];

function workspaceUrl(ctx: SourceContext, id: string): string {
  const ws = ctx.config.databricks.workspaces.find((w) => w.id === id);
  if (!ws) throw new AzdrError("INVALID_INPUT", `workspace "${id}" is not in databricks.workspaces`);
  return ws.url;
}

const workspaceOf = (ctx: SourceContext, request: EngineSelftestRequest) =>
  databricksApis(ctx.databricks(request.target)).workspace;

function confirmationPath(request: EngineSelftestRequest): string {
  return `${request.folder}/confirmed`;
}

async function preflight(ctx: SourceContext, request: EngineSelftestRequest): Promise<PreflightCheck[]> {
  const url = workspaceUrl(ctx, request.target);
  await workspaceOf(ctx, request).getStatus("/");
  return [{ name: "target workspace reachable", ok: true, blocking: true, detail: url }];
}

async function plan(ctx: SourceContext, request: EngineSelftestRequest): Promise<PlannedWork> {
  const workspace = workspaceOf(ctx, request);
  const notebook = `${request.folder}/notes`;
  const items: PlanItem[] = [];
  // Listed before its folder on purpose: the engine orders "dependency" steps.
  items.push({
    step: "folders",
    key: notebook,
    kind: "NOTEBOOK",
    target: notebook,
    dependsOn: [request.folder],
    ...((await workspace.exists(notebook))
      ? { action: "skip" as const, reason: "notebook exists" }
      : { action: "create" as const, reason: "not in the target" }),
  });
  items.push({
    step: "folders",
    key: request.folder,
    kind: "DIRECTORY",
    target: request.folder,
    ...((await workspace.exists(request.folder))
      ? { action: "skip" as const, reason: "folder exists" }
      : { action: "create" as const, reason: "not in the target" }),
  });
  items.push({
    step: "statement",
    key: STATEMENT,
    kind: "sql-statement",
    action: "create",
    reason: "runs on the target's SQL warehouse",
  });
  const confirmed = await workspace.exists(confirmationPath(request));
  items.push({
    step: "confirm",
    key: confirmationPath(request),
    kind: "checkpoint",
    ...(confirmed
      ? { action: "skip" as const, reason: "already confirmed" }
      : { action: "create" as const, reason: "created by a person, then checked" }),
  });
  return {
    items,
    destructive: [],
    notes: [],
    checkpoints: confirmed
      ? {}
      : {
          confirm: {
            instructions: [
              `Open the target workspace and look at ${request.folder}.`,
              `Create the folder ${confirmationPath(request)} when it looks right.`,
              `Then mark the step done: azdr restore checkpoint <id> confirm --done`,
            ],
            links: [
              {
                label: "Target workspace folder",
                url: `${workspaceUrl(ctx, request.target)}/#workspace${request.folder}`,
              },
            ],
          },
        },
  };
}

async function execute(
  ctx: SourceContext,
  request: EngineSelftestRequest,
  step: string,
  items: PlanItem[],
): Promise<ItemResult[]> {
  const workspace = workspaceOf(ctx, request);
  const results: ItemResult[] = [];
  // One at a time in the engine's order: the notebook fails if its folder is not there yet.
  for (const item of items) {
    try {
      if (item.kind === "DIRECTORY") await workspace.mkdirs(item.target!);
      else
        await workspace.import({
          path: item.target!,
          format: "SOURCE",
          language: "PYTHON",
          content: Buffer.from("# restored by the engine self-test\n").toString("base64"),
          overwrite: true,
        });
      results.push({ step, key: item.key, status: "created" });
    } catch (error) {
      if (isAzdrError(error) && error.retryable) throw error;
      results.push({ step, key: item.key, status: "failed", detail: errorMessage(error) });
    }
  }
  return results;
}

async function startOperation(ctx: SourceContext, request: EngineSelftestRequest): Promise<OperationHandle> {
  const dbx = databricksApis(ctx.databricks(request.target));
  let warehouseId: string | undefined;
  for await (const warehouse of dbx.warehouses.list()) {
    warehouseId = warehouse.id;
    break;
  }
  if (warehouseId === undefined)
    throw new AzdrError("NOT_FOUND", `workspace ${request.target} has no SQL warehouse`);
  // "0s": answer at once; the engine polls on durable timers.
  const started = await dbx.sql.execute({ warehouseId, statement: STATEMENT, waitTimeout: "0s" });
  return { statementId: started.statement_id, warehouseId };
}

async function pollOperation(
  ctx: SourceContext,
  request: EngineSelftestRequest,
  _step: string,
  handle: OperationHandle,
): Promise<OperationStatus> {
  const id = String(handle["statementId"]);
  const statement = await databricksApis(ctx.databricks(request.target)).sql.get(id);
  const state = statement.status.state;
  if (state === "PENDING" || state === "RUNNING")
    return { state: "running", detail: `statement ${id} ${state}` };
  try {
    succeeded(statement);
    return { state: "succeeded", detail: `statement ${id} succeeded` };
  } catch (error) {
    // The message carries the state, the SQLSTATE and the service's text.
    return { state: "failed", detail: errorMessage(error) };
  }
}

async function checkCheckpoint(ctx: SourceContext, request: EngineSelftestRequest): Promise<CheckResult> {
  const path = confirmationPath(request);
  return (await workspaceOf(ctx, request).exists(path))
    ? { ok: true, detail: `${path} exists` }
    : { ok: false, detail: `${path} does not exist in ${request.target}: create it, then say done again` };
}

async function validate(ctx: SourceContext, request: EngineSelftestRequest): Promise<ValidationCheck[]> {
  const workspace = workspaceOf(ctx, request);
  const wanted = [request.folder, `${request.folder}/notes`];
  const found = (await Promise.all(wanted.map((p) => workspace.exists(p)))).filter(Boolean).length;
  return [
    {
      name: "folder and notebook present",
      ok: found === wanted.length,
      expected: wanted.length,
      actual: found,
    },
  ];
}

export const engineSelftestScenario: RestoreScenario<EngineSelftestRequest> = {
  name: "engine-selftest",
  steps: STEPS,
  preflight,
  plan,
  execute,
  startOperation,
  pollOperation,
  checkCheckpoint,
  validate,
};
