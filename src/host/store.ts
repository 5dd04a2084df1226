// Instance records of the local durable host, behind a small store interface: in memory for unit
// tests, blobs (Azure Storage / Azurite) when a new host process must resume what an earlier one
// left unfinished.
import { BlobServiceClient, type ContainerClient, RestError } from "@azure/storage-blob";

export type RuntimeStatus = "Pending" | "Running" | "Completed" | "Failed" | "Terminated";

export const TERMINAL_STATUSES: ReadonlySet<RuntimeStatus> = new Set(["Completed", "Failed", "Terminated"]);

/** A history event in the shape the durable-functions executor reads (PascalCase, DTFx names). */
export interface HistoryEvent {
  EventType: number;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  [field: string]: unknown;
}

export interface InstanceRecord {
  instanceId: string;
  name: string;
  status: RuntimeStatus;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  /** Failure message of a Failed instance. */
  error?: string;
  /** Set for sub-orchestrations: where to report completion. */
  parent?: { instanceId: string; taskScheduledId: number };
  history: HistoryEvent[];
  /** Events received but not yet replayed (activity results, raised events, fired timers). */
  inbox: HistoryEvent[];
}

export interface InstanceStore {
  get(instanceId: string): Promise<InstanceRecord | undefined>;
  put(record: InstanceRecord): Promise<void>;
  delete(instanceId: string): Promise<boolean>;
  list(): Promise<InstanceRecord[]>;
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export class MemoryInstanceStore implements InstanceStore {
  private readonly records = new Map<string, string>();

  async get(instanceId: string): Promise<InstanceRecord | undefined> {
    const json = this.records.get(instanceId);
    return json === undefined ? undefined : (JSON.parse(json) as InstanceRecord);
  }

  async put(record: InstanceRecord): Promise<void> {
    this.records.set(record.instanceId, JSON.stringify(record));
  }

  async delete(instanceId: string): Promise<boolean> {
    return this.records.delete(instanceId);
  }

  async list(): Promise<InstanceRecord[]> {
    return [...this.records.values()].map((json) => clone(JSON.parse(json) as InstanceRecord));
  }
}

export const DEFAULT_HOST_CONTAINER = "azdr-local-host";

/** One JSON blob per instance under `instances/` in one container (default `azdr-local-host`). */
export class BlobInstanceStore implements InstanceStore {
  private ready: Promise<unknown> | undefined;

  constructor(private readonly container: ContainerClient) {}

  static fromConnectionString(
    connectionString: string,
    containerName = DEFAULT_HOST_CONTAINER,
  ): BlobInstanceStore {
    return new BlobInstanceStore(
      BlobServiceClient.fromConnectionString(connectionString).getContainerClient(containerName),
    );
  }

  private blob(instanceId: string) {
    return this.container.getBlockBlobClient(`instances/${encodeURIComponent(instanceId)}.json`);
  }

  private async ensure(): Promise<void> {
    this.ready ??= this.container.createIfNotExists();
    await this.ready;
  }

  async get(instanceId: string): Promise<InstanceRecord | undefined> {
    await this.ensure();
    try {
      const body = await this.blob(instanceId).downloadToBuffer();
      return JSON.parse(body.toString("utf8")) as InstanceRecord;
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  async put(record: InstanceRecord): Promise<void> {
    await this.ensure();
    const body = JSON.stringify(record);
    await this.blob(record.instanceId).upload(body, Buffer.byteLength(body), {
      blobHTTPHeaders: { blobContentType: "application/json" },
    });
  }

  async delete(instanceId: string): Promise<boolean> {
    await this.ensure();
    const result = await this.blob(instanceId).deleteIfExists();
    return result.succeeded;
  }

  async list(): Promise<InstanceRecord[]> {
    await this.ensure();
    const out: InstanceRecord[] = [];
    for await (const item of this.container.listBlobsFlat({ prefix: "instances/" })) {
      const id = decodeURIComponent(item.name.slice("instances/".length, -".json".length));
      const record = await this.get(id);
      if (record) out.push(record);
    }
    return out;
  }
}
