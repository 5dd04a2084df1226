// Function names, held once: orchestrators, activities and triggers refer to these constants.
export const ORCHESTRATORS = {
  backupRun: "backupRunOrchestrator",
  backupSource: "backupSourceOrchestrator",
} as const;

export const ACTIVITIES = {
  backupPlan: "backupPlanActivity",
  backupBatch: "backupBatchActivity",
  backupCommit: "backupCommitActivity",
} as const;
