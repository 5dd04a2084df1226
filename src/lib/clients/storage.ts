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
}

/** Blob containers with create-once writes, listing by prefix, and reads that return undefined when absent. */
export class BlobStorageClient {
  private readonly service: BlobServiceClient;
  private readonly containers = new Map<string, ContainerClient>();
  private readonly ensured = new Set<string>();
  private readonly prefix: string;

  constructor(connection: StorageConnection) {
    this.prefix = connection.containerPrefix ?? "";
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
