// Azure Blob and Table access for the backup store. The only module that imports the storage
// SDKs; SDK errors become AzdrError codes here.
import { TableClient, TableServiceClient, type TableEntity } from "@azure/data-tables";
import type { TokenCredential } from "@azure/core-auth";
import { BlobServiceClient, RestError, type ContainerClient } from "@azure/storage-blob";
import { AzdrError, type AzdrErrorCode } from "../errors.js";

export interface BlobInfo {
  name: string;
  size: number;
  lastModified: Date;
}

export function mapStorageError(error: unknown, what: string): AzdrError {
  if (error instanceof AzdrError) return error;
  if (error instanceof RestError || (error as { statusCode?: number })?.statusCode !== undefined) {
    const status = (error as RestError).statusCode ?? 0;
    const code: AzdrErrorCode =
      status === 404
        ? "NOT_FOUND"
        : status === 409
          ? "ALREADY_EXISTS"
          : status === 412
            ? "PRECONDITION_FAILED"
            : status === 401
              ? "UNAUTHORIZED"
              : status === 403
                ? "FORBIDDEN"
                : status === 429
                  ? "THROTTLED"
                  : status >= 500 || status === 0
                    ? "UNAVAILABLE"
                    : "INTERNAL";
    return new AzdrError(code, `${what}: ${(error as Error).message.split("\n")[0]}`, { cause: error });
  }
  return new AzdrError("UNAVAILABLE", `${what}: ${(error as Error)?.message ?? String(error)}`, {
    cause: error,
  });
}

export interface StorageConnection {
  /** Connection string (Azurite, local runs). */
  connectionString?: string;
  /** Account name for identity-based access in Azure. */
  accountName?: string;
  credential?: TokenCredential;
  /**
   * Prefix for every container name, so several stores can share one account (test isolation,
   * or two azdr deployments writing to one account).
   */
  containerPrefix?: string;
  /** Block size of streamed uploads (default 8 MiB): memory per upload is about blocks in flight × this. */
  uploadBlockBytes?: number;
}

export const DEFAULT_UPLOAD_BLOCK_BYTES = 8 * 1024 * 1024;
/** Blocks staged at once by one streamed upload. */
const BLOCKS_IN_FLIGHT = 4;

/** Cut a stream into blocks of exactly `size` bytes (the last one shorter), copying only at boundaries. */
export async function* inBlocks(source: AsyncIterable<Uint8Array>, size: number): AsyncIterable<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const piece of source) {
    let chunk = Buffer.isBuffer(piece)
      ? piece
      : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    while (chunk.length > 0) {
      const take = Math.min(size - pendingBytes, chunk.length);
      pending.push(chunk.subarray(0, take));
      pendingBytes += take;
      chunk = chunk.subarray(take);
      if (pendingBytes === size) {
        yield Buffer.concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
      }
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}

/** Blob containers with create-once writes, listing by prefix, and reads that return undefined when absent. */
export class BlobStorageClient {
  private readonly service: BlobServiceClient;
  private readonly containers = new Map<string, ContainerClient>();
  private readonly ensured = new Set<string>();
  private readonly prefix: string;
  readonly uploadBlockBytes: number;

  constructor(connection: StorageConnection) {
    this.prefix = connection.containerPrefix ?? "";
    this.uploadBlockBytes = connection.uploadBlockBytes ?? DEFAULT_UPLOAD_BLOCK_BYTES;
    if (connection.connectionString) {
      this.service = BlobServiceClient.fromConnectionString(connection.connectionString);
    } else if (connection.accountName && connection.credential) {
      this.service = new BlobServiceClient(
        `https://${connection.accountName}.blob.core.windows.net`,
        connection.credential,
      );
    } else {
      throw new AzdrError(
        "INVALID_CONFIG",
        "Backup store needs a connection string or an account name with a credential",
      );
    }
  }

  private container(name: string): ContainerClient {
    let client = this.containers.get(name);
    if (!client) {
      client = this.service.getContainerClient(`${this.prefix}${name}`);
      this.containers.set(name, client);
    }
    return client;
  }

  async ensureContainer(name: string): Promise<void> {
    if (this.ensured.has(name)) return;
    try {
      await this.container(name).createIfNotExists();
    } catch (error) {
      throw mapStorageError(error, `create container ${name}`);
    }
    this.ensured.add(name);
  }

  /** Write only if absent (If-None-Match: *). Returns false when the blob already existed. */
  async putIfAbsent(
    container: string,
    name: string,
    body: Buffer | string,
    contentType?: string,
  ): Promise<boolean> {
    await this.ensureContainer(container);
    const data = typeof body === "string" ? Buffer.from(body) : body;
    try {
      await this.container(container)
        .getBlockBlobClient(name)
        .upload(data, data.length, {
          conditions: { ifNoneMatch: "*" },
          blobHTTPHeaders: contentType ? { blobContentType: contentType } : undefined,
        });
      return true;
    } catch (error) {
      const mapped = mapStorageError(error, `write ${container}/${name}`);
      if (mapped.code === "ALREADY_EXISTS" || mapped.code === "PRECONDITION_FAILED") return false;
      throw mapped;
    }
  }

  /**
   * Refresh a blob's last-modified time (metadata write), so a grace period counts from now.
   * "protected": immutability (WORM) refused the write, which also means nothing can delete it.
   */
  async touch(container: string, name: string): Promise<"touched" | "absent" | "protected"> {
    try {
      await this.container(container)
        .getBlobClient(name)
        .setMetadata({ azdrlastused: new Date().toISOString() });
      return "touched";
    } catch (error) {
      const mapped = mapStorageError(error, `touch ${container}/${name}`);
      if (mapped.code === "NOT_FOUND") return "absent";
      if (mapped.code === "ALREADY_EXISTS" || mapped.code === "FORBIDDEN" || mapped.code === "CONFLICT")
        return "protected";
      throw mapped;
    }
  }

  /**
   * Delete only if the blob was not modified after `since` (If-Unmodified-Since): a writer that
   * touched it meanwhile wins. "protected": immutability refused the delete.
   */
  async deleteIfUnmodifiedSince(
    container: string,
    name: string,
    since: Date,
  ): Promise<"deleted" | "modified" | "absent" | "protected"> {
    try {
      const response = await this.container(container)
        .getBlobClient(name)
        .deleteIfExists({ conditions: { ifUnmodifiedSince: since } });
      return response.succeeded ? "deleted" : "absent";
    } catch (error) {
      const mapped = mapStorageError(error, `delete ${container}/${name}`);
      if (mapped.code === "PRECONDITION_FAILED") return "modified";
      if (mapped.code === "ALREADY_EXISTS" || mapped.code === "FORBIDDEN" || mapped.code === "CONFLICT")
        return "protected";
      throw mapped;
    }
  }

  /** Create or overwrite. */
  async put(container: string, name: string, body: Buffer | string, contentType?: string): Promise<void> {
    await this.ensureContainer(container);
    const data = typeof body === "string" ? Buffer.from(body) : body;
    try {
      await this.container(container)
        .getBlockBlobClient(name)
        .upload(data, data.length, {
          blobHTTPHeaders: contentType ? { blobContentType: contentType } : undefined,
        });
    } catch (error) {
      throw mapStorageError(error, `write ${container}/${name}`);
    }
  }

  /**
   * Create or overwrite a block blob from a stream: blocks of uploadBlockBytes are staged a few at a
   * time and committed at the end, so memory stays flat whatever the size. Returns the blocks staged
   * and the bytes written.
   */
  async uploadStream(
    container: string,
    name: string,
    source: AsyncIterable<Uint8Array>,
  ): Promise<{ blocks: number; bytes: number }> {
    await this.ensureContainer(container);
    const blob = this.container(container).getBlockBlobClient(name);
    const ids: string[] = [];
    const inFlight = new Set<Promise<void>>();
    let bytes = 0;
    try {
      for await (const block of inBlocks(source, this.uploadBlockBytes)) {
        // Fixed-length ids, as the service requires for one blob.
        const id = Buffer.from(String(ids.length).padStart(8, "0")).toString("base64");
        ids.push(id);
        bytes += block.length;
        const staged = blob.stageBlock(id, block, block.length).then(() => undefined);
        inFlight.add(staged);
        void staged.finally(() => inFlight.delete(staged)).catch(() => undefined);
        if (inFlight.size >= BLOCKS_IN_FLIGHT) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
      await blob.commitBlockList(ids);
    } catch (error) {
      await Promise.allSettled(inFlight);
      throw mapStorageError(error, `write ${container}/${name}`);
    }
    return { blocks: ids.length, bytes };
  }

  /**
   * Server-side copy within the account, only if the target is absent (If-None-Match: *): no byte
   * passes through this process. Returns false when the target already existed.
   */
  async copyIfAbsent(container: string, from: string, to: string): Promise<boolean> {
    const client = this.container(container);
    try {
      const poller = await client.getBlobClient(to).beginCopyFromURL(client.getBlobClient(from).url, {
        conditions: { ifNoneMatch: "*" },
        intervalInMs: 200,
      });
      const result = await poller.pollUntilDone();
      if (result.copyStatus !== undefined && result.copyStatus !== "success")
        throw new AzdrError("UNAVAILABLE", `copy ${container}/${from} → ${to} ended ${result.copyStatus}`);
      return true;
    } catch (error) {
      const mapped = mapStorageError(error, `copy ${container}/${from} → ${to}`);
      if (mapped.code === "ALREADY_EXISTS" || mapped.code === "PRECONDITION_FAILED") return false;
      throw mapped;
    }
  }

  /** Read a blob as a stream (undefined when absent). */
  async getStream(container: string, name: string): Promise<AsyncIterable<Buffer> | undefined> {
    try {
      const response = await this.container(container).getBlobClient(name).download();
      const body = response.readableStreamBody;
      if (!body) return (async function* () {})();
      return (async function* () {
        try {
          for await (const chunk of body) yield typeof chunk === "string" ? Buffer.from(chunk) : chunk;
        } catch (error) {
          throw mapStorageError(error, `read ${container}/${name}`);
        }
      })();
    } catch (error) {
      const mapped = mapStorageError(error, `read ${container}/${name}`);
      if (mapped.code === "NOT_FOUND") return undefined;
      throw mapped;
    }
  }

  async get(container: string, name: string): Promise<Buffer | undefined> {
    try {
      return await this.container(container).getBlobClient(name).downloadToBuffer();
    } catch (error) {
      const mapped = mapStorageError(error, `read ${container}/${name}`);
      if (mapped.code === "NOT_FOUND") return undefined;
      throw mapped;
    }
  }

  async size(container: string, name: string): Promise<number | undefined> {
    try {
      const props = await this.container(container).getBlobClient(name).getProperties();
      return props.contentLength ?? 0;
    } catch (error) {
      const mapped = mapStorageError(error, `read ${container}/${name}`);
      if (mapped.code === "NOT_FOUND") return undefined;
      throw mapped;
    }
  }

  async *list(container: string, prefix = ""): AsyncIterableIterator<BlobInfo> {
    try {
      for await (const item of this.container(container).listBlobsFlat({ prefix })) {
        yield {
          name: item.name,
          size: item.properties.contentLength ?? 0,
          lastModified: item.properties.lastModified,
        };
      }
    } catch (error) {
      const mapped = mapStorageError(error, `list ${container}/${prefix}`);
      if (mapped.code === "NOT_FOUND") return;
      throw mapped;
    }
  }

  /** Delete; absent is success. */
  async delete(container: string, name: string): Promise<void> {
    try {
      await this.container(container).getBlobClient(name).deleteIfExists();
    } catch (error) {
      throw mapStorageError(error, `delete ${container}/${name}`);
    }
  }
}

export type TableRow = TableEntity<Record<string, string | number | boolean>>;

/** One Azure Table: upsert, delete, partition queries. */
export class TableStorageClient {
  private readonly client: TableClient;
  private readonly service: TableServiceClient;
  private created = false;

  constructor(
    connection: StorageConnection,
    private readonly table: string,
  ) {
    if (connection.connectionString) {
      this.client = TableClient.fromConnectionString(connection.connectionString, table, {
        allowInsecureConnection: true,
      });
      this.service = TableServiceClient.fromConnectionString(connection.connectionString, {
        allowInsecureConnection: true,
      });
    } else if (connection.accountName && connection.credential) {
      const url = `https://${connection.accountName}.table.core.windows.net`;
      this.client = new TableClient(url, table, connection.credential);
      this.service = new TableServiceClient(url, connection.credential);
    } else {
      throw new AzdrError(
        "INVALID_CONFIG",
        "Snapshot index needs a connection string or an account name with a credential",
      );
    }
  }

  private async ensureTable(): Promise<void> {
    if (this.created) return;
    try {
      await this.service.createTable(this.table);
    } catch (error) {
      const mapped = mapStorageError(error, `create table ${this.table}`);
      if (mapped.code !== "ALREADY_EXISTS") throw mapped;
    }
    this.created = true;
  }

  async upsert(row: TableRow): Promise<void> {
    await this.ensureTable();
    try {
      await this.client.upsertEntity(row, "Replace");
    } catch (error) {
      throw mapStorageError(error, `upsert ${this.table} row`);
    }
  }

  async delete(partitionKey: string, rowKey: string): Promise<void> {
    await this.ensureTable();
    try {
      await this.client.deleteEntity(partitionKey, rowKey);
    } catch (error) {
      const mapped = mapStorageError(error, `delete ${this.table} row`);
      if (mapped.code !== "NOT_FOUND") throw mapped;
    }
  }

  /** Rows matching an OData filter (built with odataString below), in key order. */
  async *query(filter?: string, top?: number): AsyncIterableIterator<TableRow> {
    await this.ensureTable();
    try {
      let yielded = 0;
      const pages = this.client
        .listEntities<Record<string, string | number | boolean>>({ queryOptions: filter ? { filter } : {} })
        .byPage(top ? { maxPageSize: top } : {});
      for await (const page of pages) {
        for (const row of page) {
          yield row as TableRow;
          if (top && ++yielded >= top) return;
        }
      }
    } catch (error) {
      throw mapStorageError(error, `query ${this.table}`);
    }
  }
}

/** Quote a value for an OData filter. */
export function odataString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

// ---- fast checks (azdr doctor, and before a CLI backup or restore) ------------------------------

export interface StoreProbe {
  /** Blob endpoint host, for messages. */
  blobHost: string;
  tableHost: string;
  /** Containers (with the connection's prefix) that exist among those asked about. */
  existingContainers: string[];
  indexTableExists: boolean;
}

/**
 * One round of reads against the backup store: no retry, each request bounded by `timeoutMs`, so
 * an unreachable store is reported in seconds. Throws the first failure, mapped to AzdrError.
 */
export async function probeBackupStore(
  connection: StorageConnection,
  options: { containers: string[]; indexTable: string; timeoutMs: number },
): Promise<StoreProbe> {
  const prefix = connection.containerPrefix ?? "";
  const retryOptions = { maxTries: 1, tryTimeoutInMs: options.timeoutMs };
  let blobs: BlobServiceClient;
  let tables: TableServiceClient;
  if (connection.connectionString) {
    blobs = BlobServiceClient.fromConnectionString(connection.connectionString, { retryOptions });
    tables = TableServiceClient.fromConnectionString(connection.connectionString, {
      allowInsecureConnection: true,
      retryOptions: { maxRetries: 0 },
    });
  } else if (connection.accountName && connection.credential) {
    blobs = new BlobServiceClient(
      `https://${connection.accountName}.blob.core.windows.net`,
      connection.credential,
      {
        retryOptions,
      },
    );
    tables = new TableServiceClient(
      `https://${connection.accountName}.table.core.windows.net`,
      connection.credential,
      {
        retryOptions: { maxRetries: 0 },
      },
    );
  } else {
    throw new AzdrError(
      "INVALID_CONFIG",
      "Backup store needs a connection string or an account name with a credential",
    );
  }
  const blobHost = new URL(blobs.url).host;
  const tableHost = new URL(tables.url).host;
  const existing = new Set<string>();
  try {
    const pages = blobs
      .listContainers({ ...(prefix ? { prefix } : {}), abortSignal: AbortSignal.timeout(options.timeoutMs) })
      .byPage({ maxPageSize: 5000 });
    const first = (await pages.next()).value as { containerItems?: { name: string }[] } | undefined;
    for (const c of first?.containerItems ?? []) existing.add(c.name);
  } catch (error) {
    throw mapStorageError(error, `list containers at ${blobHost}`);
  }
  let indexTableExists: boolean;
  try {
    const table = options.indexTable;
    const pages = tables
      .listTables({
        queryOptions: { filter: `TableName eq ${odataString(table)}` },
        abortSignal: AbortSignal.timeout(options.timeoutMs),
      })
      .byPage();
    const first = await pages.next();
    indexTableExists = ((first.value ?? []) as { name?: string }[]).some((t) => t.name === table);
  } catch (error) {
    throw mapStorageError(error, `list tables at ${tableHost}`);
  }
  return {
    blobHost,
    tableHost,
    existingContainers: options.containers.filter((c) => existing.has(`${prefix}${c}`)),
    indexTableExists,
  };
}
