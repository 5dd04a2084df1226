// Function names, held once: orchestrators, activities and triggers refer to these constants.
export const ORCHESTRATORS = {
  backupRun: "backupRunOrchestrator",
  backupSource: "backupSourceOrchestrator",
  restore: "restoreOrchestrator",
} as const;

export const ACTIVITIES = {
  backupPlan: "backupPlanActivity",
  backupBatch: "backupBatchActivity",
  backupCommit: "backupCommitActivity",
  restorePlan: "restorePlanActivity",
  restoreBatch: "restoreBatchActivity",
  restoreValidate: "restoreValidateActivity",
  restoreReport: "restoreReportActivity",
  notify: "notifyActivity",
  restorePin: "restorePinActivity",
  restoreUnpin: "restoreUnpinActivity",
  restoreCloseGate: "restoreCloseGateActivity",
  restoreChildPlan: "restoreChildPlanActivity",
  restoreOperationStart: "restoreOperationStartActivity",
  restoreOperationPoll: "restoreOperationPollActivity",
  restoreCheckpointCheck: "restoreCheckpointCheckActivity",
} as const;

/**
 * The external event that tells a waiting restore a decision was recorded. The event carries no
 * decision: the orchestrator reads the one recorded create-only in the run record.
 */
export const APPROVAL_EVENT = "approval";

/**
 * The external event that tells a restore waiting at a checkpoint that an operator said "done". Like
 * the approval event it carries nothing trusted: the orchestrator reads the recorded "done".
 */
export const CHECKPOINT_EVENT = "checkpoint";

export const RESTORE_QUEUE = "restore-requests";
export const RESTORE_POISON_QUEUE = "restore-requests-poison";
