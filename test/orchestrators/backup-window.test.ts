// The backup source orchestrator, replayed the way the Durable extension drives an out-of-proc
// orchestrator: a history in, the orchestrator's actions out. The legacy out-of-proc protocol has
// no task ids: the extension turns every leaf action it receives into a scheduling call, in order.
// So an activity whose action is sent twice (e.g. inside a newly built Task.any) runs twice and
// its result lands on the wrong task (azure-functions-durable-js#574). The local host schedules
// from the executor's open tasks instead, so only the actions themselves show the difference.
import { InvocationContext } from "@azure/functions";
import { beforeAll, describe, expect, it } from "vitest";
import {
  checkExtensionProtocol,
  durableInternals,
  executorOf,
  loadRegisteredApp,
  type FunctionRegistry,
} from "../../src/host/index.js";
import { ACTIVITIES, ORCHESTRATORS } from "../../src/orchestrators/names.js";
import type { BackupTarget, BatchSummary, PlanResult } from "../../src/lib/backup/engine.js";

let registry: FunctionRegistry;
beforeAll(async () => {
  registry = await loadRegisteredApp(() => import("../../src/index.js"));
});

interface Action {
  actionType: number;
  functionName?: string;
  input?: unknown;
  compoundActions?: Action[];
}

const T = () => durableInternals().HistoryEventType;
const at = "2026-11-26T10:05:00.000Z";
const event = (type: keyof ReturnType<typeof T>, fields: Record<string, unknown>, id = -1) => ({
  EventType: T()[type],
  EventId: id,
  IsPlayed: false,
  Timestamp: at,
  ...fields,
});

/** Replays the registered orchestrator over `history`; returns every leaf action it sends. */
async function replay(
  history: object[],
  target: BackupTarget,
): Promise<{ leaves: Action[]; isDone: boolean; output: unknown }> {
  const fn = registry.get(ORCHESTRATORS.backupSource, "orchestration");
  const context = new InvocationContext({
    functionName: fn.name,
    options: { trigger: fn.trigger, extraInputs: [], extraOutputs: [] },
    triggerMetadata: { instanceId: "backup-src-1" },
  });
  const payload = JSON.parse(
    JSON.stringify({
      history,
      input: target,
      instanceId: "backup-src-1",
      isReplaying: true,
      upperSchemaVersion: durableInternals().ReplaySchema.V3,
      upperSchemaVersionNew: durableInternals().ReplaySchema.V4,
      longRunningTimerIntervalDuration: "3.00:00:00",
      maximumShortTimerDuration: "6.00:00:00",
      defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
    }),
  ) as unknown;
  const state = (await fn.handler(payload, context)) as {
    actions: Action[][];
    isDone: boolean;
    output: unknown;
  };
  const leaves: Action[] = [];
  const visit = (list: Action[]) => {
    for (const a of list) {
      if (a.compoundActions) visit(a.compoundActions);
      else leaves.push(a);
    }
  };
  for (const list of state.actions) visit(list);
  return { leaves, isDone: state.isDone, output: state.output };
}

const batchesSent = (leaves: Action[]) =>
  leaves
    .filter((a) => a.functionName === ACTIVITIES.backupBatch)
    .map((a) => (a.input as { batch: number }).batch);

describe("backup source orchestrator on the extension's protocol", () => {
  const target: BackupTarget = { kind: "databricks-notebooks", sourceId: "primary", snapshotId: "s1" };
  const plan: PlanResult = { batches: 9, workItems: 1800, carried: 4 };
  const summary = (batch: number): BatchSummary => ({
    batch,
    entries: 200,
    skipped: 0,
    failed: 0,
    stats: {},
  });

  it("sends every batch activity exactly once while the window slides, and commits after all of them", async () => {
    // Sequence numbers as the executor assigns them: 0 = plan, then one per batch in scheduling order.
    const history: object[] = [
      event("OrchestratorStarted", {}),
      event("ExecutionStarted", { Name: ORCHESTRATORS.backupSource, Input: JSON.stringify(target) }),
      event("TaskScheduled", { Name: ACTIVITIES.backupPlan }, 0),
      event("OrchestratorCompleted", {}),
      event("OrchestratorStarted", {}),
      event("TaskCompleted", { TaskScheduledId: 0, Result: JSON.stringify(plan) }),
    ];
    let out = await replay(history, target);
    expect(batchesSent(out.leaves)).toEqual([0, 1, 2, 3, 4, 5]);

    // The extension runs what was sent; results come back one per episode, oldest first. Batch b
    // holds sequence number b + 1 (0 is the plan), the order the executor numbers the actions in.
    const completed = new Set<number>();
    while (completed.size < plan.batches) {
      const sent = batchesSent(out.leaves);
      // No batch is ever sent twice, and nothing is committed while a batch is still running.
      expect(new Set(sent).size, `sent ${sent.join(",")}`).toBe(sent.length);
      expect(out.leaves.filter((a) => a.functionName === ACTIVITIES.backupCommit)).toHaveLength(0);
      const batch = sent.find((b) => !completed.has(b));
      expect(batch, `stalled after ${[...completed].join(",")}`).toBeDefined();
      completed.add(batch!);
      history.push(event("OrchestratorCompleted", {}));
      history.push(event("OrchestratorStarted", {}));
      history.push(
        event("TaskCompleted", { TaskScheduledId: batch! + 1, Result: JSON.stringify(summary(batch!)) }),
      );
      out = await replay(history, target);
    }
    expect(batchesSent(out.leaves)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(out.leaves.filter((a) => a.functionName === ACTIVITIES.backupCommit)).toHaveLength(1);
  });
});

describe("backup source orchestrator: a retried batch on the extension's numbering", () => {
  const target: BackupTarget = { kind: "databricks-notebooks", sourceId: "primary", snapshotId: "s2" };
  const plan: PlanResult = { batches: 2, workItems: 400, carried: 0 };
  const summary = (batch: number): BatchSummary => ({
    batch,
    entries: 200,
    skipped: 0,
    failed: 0,
    stats: {},
  });

  /** Replays the orchestrator over `history` and asks the protocol check what the extension would do. */
  async function replayAndCheck(history: object[]) {
    const fn = registry.get(ORCHESTRATORS.backupSource, "orchestration");
    const context = new InvocationContext({
      functionName: fn.name,
      options: { trigger: fn.trigger, extraInputs: [], extraOutputs: [] },
      triggerMetadata: { instanceId: "backup-src-2" },
    });
    const payload = JSON.parse(
      JSON.stringify({
        history,
        input: target,
        instanceId: "backup-src-2",
        isReplaying: true,
        upperSchemaVersion: durableInternals().ReplaySchema.V3,
        upperSchemaVersionNew: durableInternals().ReplaySchema.V4,
        longRunningTimerIntervalDuration: "3.00:00:00",
        maximumShortTimerDuration: "6.00:00:00",
        defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
      }),
    ) as unknown;
    const state = (await fn.handler(payload, context)) as { actions: unknown; schemaVersion: number };
    const executor = executorOf(context);
    const violation = checkExtensionProtocol({
      orchestrator: fn.name,
      instanceId: "backup-src-2",
      history: history as never,
      actions: state.actions,
      schemaVersion: state.schemaVersion,
      openTasks: executor.openTasks,
      orchestratorFailed: false,
    });
    // "-": a task without a function name (a timer).
    const open = Object.entries(executor.openTasks).map(
      ([id, task]) =>
        `${id}:${String((task.actionObj as { functionName?: string } | undefined)?.functionName ?? "-")}`,
    );
    return { violation, open };
  }

  it("numbers the retry, the next attempt and the commit where the extension does", async () => {
    // Batch 0 finishes first, then batch 1 fails once and is retried: the extension, which
    // moves past the wave's Task.any at its first result, must still number the commit after them.
    const inTwoSeconds = new Date(Date.parse(at) + 2_000).toISOString();
    const history: object[] = [
      event("OrchestratorStarted", {}),
      event("ExecutionStarted", { Name: ORCHESTRATORS.backupSource, Input: JSON.stringify(target) }),
      event("TaskScheduled", { Name: ACTIVITIES.backupPlan }, 0),
      event("OrchestratorCompleted", {}),
      event("OrchestratorStarted", {}),
      event("TaskCompleted", { TaskScheduledId: 0, Result: JSON.stringify(plan) }),
      event("TaskScheduled", { Name: ACTIVITIES.backupBatch }, 1),
      event("TaskScheduled", { Name: ACTIVITIES.backupBatch }, 2),
      event("OrchestratorCompleted", {}),
      event("OrchestratorStarted", {}),
      event("TaskCompleted", { TaskScheduledId: 1, Result: JSON.stringify(summary(0)) }),
      event("OrchestratorCompleted", {}),
      event("OrchestratorStarted", {}),
      event("TaskFailed", {
        TaskScheduledId: 2,
        Reason: "Activity function failed: throttled",
        Details: "{}",
      }),
    ];
    let out = await replayAndCheck(history);
    expect(out.violation).toBeUndefined();
    expect(out.open).toEqual(["3:-"]); // the retry's timer (before the commit)
    history.push(event("TimerCreated", { FireAt: inTwoSeconds }, 3), event("OrchestratorCompleted", {}));
    history.push(event("OrchestratorStarted", {}), event("TimerFired", { TimerId: 3, FireAt: inTwoSeconds }));
    out = await replayAndCheck(history);
    expect(out.violation).toBeUndefined();
    expect(out.open).toEqual([`4:${ACTIVITIES.backupBatch}`]); // the second attempt
    history.push(
      event("TaskScheduled", { Name: ACTIVITIES.backupBatch }, 4),
      event("OrchestratorCompleted", {}),
    );
    history.push(
      event("OrchestratorStarted", {}),
      event("TaskCompleted", { TaskScheduledId: 4, Result: JSON.stringify(summary(1)) }),
    );
    out = await replayAndCheck(history);
    expect(out.violation).toBeUndefined();
    expect(out.open).toEqual([`5:${ACTIVITIES.backupCommit}`]);
  });
});
