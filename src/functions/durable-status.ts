// Small helpers over the durable client shared by trigger handlers.
import type * as df from "durable-functions";

/** The instance's status, or undefined when no such instance exists (the client throws on 404). */
export async function findInstance(
  client: df.DurableClient,
  instanceId: string,
): Promise<df.DurableOrchestrationStatus | undefined> {
  try {
    return await client.getStatus(instanceId, { showInput: false });
  } catch (error) {
    if (error instanceof Error && /\b404\b/.test(error.message)) return undefined;
    throw error;
  }
}

export const ACTIVE_STATES = new Set<string>(["Pending", "Running", "ContinuedAsNew", "Suspended"]);
