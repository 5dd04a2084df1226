// Minimal Blob service data plane for the SIMULATED storage accounts (https://<account>.blob.core.windows.net
// through the simulator HttpClient): list containers, list blobs (prefix, delimiter, paging,
// include=deleted,versions), get/head blob (ranges, ?versionid=), put blob (BlockBlob), delete,
// undelete, create container. This is what Azurite lacks (it answers 501 to undelete and has no
// versions), and it is where model artifact files live so a backup can copy them.
import { SimService, type SimRequest, type SimResponse } from "../core/server.js";
import type { RequestLog } from "../core/request-log.js";
import { SIM_HOST_HEADER } from "./http-client.js";
import {
  DAY_MS,
  type AzureState,
  type BlobRecord,
  type BlobVersion,
  type Container,
  type StorageAccount,
} from "./state.js";

export interface BlobOptions {
  tokens: string[];
  /** Default and maximum page size of List Blobs (Azure: 5000). */
  maxResults: number;
}

const X_MS_VERSION = "2025-01-05";

const xmlEscape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function xmlError(status: number, code: string, message: string): SimResponse {
  return {
    status,
    headers: { "content-type": "application/xml", "x-ms-error-code": code, "x-ms-version": X_MS_VERSION },
    body: `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`,
  };
}

export function createBlobService(state: AzureState, options: BlobOptions, log?: RequestLog): SimService {
  const svc = new SimService(
    {
      label: "blob",
      tokens: options.tokens,
      errorBody: (_status, code, message) =>
        `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`,
    },
    log,
  );
  const host = (req: SimRequest) => String(req.headers[SIM_HOST_HEADER] ?? req.headers.host ?? "");
  const accountOf = (req: SimRequest) => state.findStorageAccount(host(req).split(".")[0] ?? "");
  const common = () => ({ "x-ms-version": X_MS_VERSION, "x-ms-request-id": state.nextId("req-") });

  function withAccount(fn: (a: StorageAccount, req: SimRequest) => SimResponse) {
    return (req: SimRequest): SimResponse => {
      const a = accountOf(req);
      if (!a)
        return xmlError(404, "ResourceNotFound", `The storage account for host ${host(req)} does not exist.`);
      // A regional outage: the primary endpoints do not answer until a failover.
      if (a.primaryDown)
        return xmlError(503, "ServerBusy", "The primary region of this account is unavailable.");
      return fn(a, req);
    };
  }

  function blobProps(a: StorageAccount, v: BlobVersion, extra: string): string {
    const p = [
      `<Creation-Time>${v.createdAt.toUTCString()}</Creation-Time>`,
      `<Last-Modified>${v.createdAt.toUTCString()}</Last-Modified>`,
      `<Etag>${v.etag}</Etag>`,
      `<Content-Length>${v.content.length}</Content-Length>`,
      `<Content-Type>${xmlEscape(v.contentType)}</Content-Type>`,
      `<Content-MD5>${v.md5}</Content-MD5>`,
      `<BlobType>BlockBlob</BlobType>`,
      `<AccessTier>Hot</AccessTier>`,
      `<AccessTierInferred>true</AccessTierInferred>`,
      `<ServerEncrypted>true</ServerEncrypted>`,
      extra,
    ];
    void a;
    return `<Properties>${p.join("")}</Properties>`;
  }

  // List containers.
  svc.route(
    "GET",
    "/",
    withAccount((a, req) => {
      if (req.query.get("comp") !== "list")
        return xmlError(400, "InvalidQueryParameterValue", "comp=list expected");
      const prefix = req.query.get("prefix") ?? "";
      const withDeleted = (req.query.get("include") ?? "").toLowerCase().split(",").includes("deleted");
      const containerProps = (c: { createdAt: Date }, extra = "") =>
        `<Properties><Last-Modified>${c.createdAt.toUTCString()}</Last-Modified><Etag>"0x1"</Etag><LeaseStatus>unlocked</LeaseStatus><LeaseState>available</LeaseState>${extra}</Properties>`;
      const live: Array<[string, string]> = [...a.containers.values()].map((c) => [
        c.name,
        `<Container><Name>${xmlEscape(c.name)}</Name>${containerProps(c)}</Container>`,
      ]);
      // Soft-deleted containers (include=deleted): Deleted, Version, DeletedTime, RemainingRetentionDays.
      const days = a.blobService.containerDeleteRetentionPolicy.days ?? 7;
      const deleted: Array<[string, string]> = withDeleted
        ? state
            .activeDeletedContainers(a)
            .map((d) => [
              d.container.name,
              `<Container><Name>${xmlEscape(d.container.name)}</Name><Deleted>true</Deleted><Version>${d.version}</Version>${containerProps(
                d.container,
                `<DeletedTime>${d.deletedAt.toUTCString()}</DeletedTime><RemainingRetentionDays>${Math.max(
                  0,
                  Math.ceil(days - (state.now().getTime() - d.deletedAt.getTime()) / DAY_MS),
                )}</RemainingRetentionDays>`,
              )}</Container>`,
            ])
        : [];
      const items = [...live, ...deleted]
        .filter(([name]) => name.startsWith(prefix))
        .sort((x, y) => x[0].localeCompare(y[0]))
        .map(([, xml]) => xml);
      return {
        status: 200,
        headers: { ...common(), "content-type": "application/xml" },
        body: `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="https://${xmlEscape(host(req))}/"><Prefix>${xmlEscape(prefix)}</Prefix><Containers>${items.join("")}</Containers><NextMarker /></EnumerationResults>`,
      };
    }),
  );

  // Container: list blobs, get properties, create.
  svc.route(
    "GET",
    "/:container",
    withAccount((a, req) => {
      const container = a.containers.get(req.params.container!);
      if (!container) return xmlError(404, "ContainerNotFound", "The specified container does not exist.");
      if (req.query.get("comp") !== "list")
        return {
          status: 200,
          headers: { ...common(), etag: '"0x1"', "last-modified": container.createdAt.toUTCString() },
        };
      const prefix = req.query.get("prefix") ?? "";
      if (req.query.get("showonly") === "deleted") return listDeletedPaths(a, container, prefix, req);
      const delimiter = req.query.get("delimiter") ?? "";
      const include = (req.query.get("include") ?? "").toLowerCase().split(",");
      const withVersions = include.includes("versions") && a.blobService.isVersioningEnabled;
      const withDeleted = include.includes("deleted");
      const max = Math.min(
        Number(req.query.get("maxresults") ?? options.maxResults) || options.maxResults,
        options.maxResults,
      );
      const marker = req.query.get("marker") ?? "";

      // Entries: [sortKey, xml]. Versions sort under their blob name by version id.
      const entries: Array<[string, string]> = [];
      const prefixes = new Set<string>();
      const names = [...container.blobs.keys()].filter((n) => n.startsWith(prefix)).sort();
      for (const name of names) {
        if (delimiter) {
          const rest = name.slice(prefix.length);
          const i = rest.indexOf(delimiter);
          if (i >= 0) {
            const p = prefix + rest.slice(0, i + delimiter.length);
            if (!prefixes.has(p)) {
              prefixes.add(p);
              entries.push([p, `<BlobPrefix><Name>${xmlEscape(p)}</Name></BlobPrefix>`]);
            }
            continue;
          }
        }
        const blob = container.blobs.get(name)!;
        entries.push(...blobEntries(a, blob, withVersions, withDeleted));
      }
      entries.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
      const start = marker ? entries.findIndex((e) => e[0] >= marker) : 0;
      const slice = start < 0 ? [] : entries.slice(start, start + max);
      const next = start >= 0 && start + max < entries.length ? entries[start + max]![0] : "";
      const body =
        `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="https://${xmlEscape(host(req))}/" ContainerName="${xmlEscape(container.name)}">` +
        `<Prefix>${xmlEscape(prefix)}</Prefix>${marker ? `<Marker>${xmlEscape(marker)}</Marker>` : ""}<MaxResults>${max}</MaxResults>` +
        (delimiter ? `<Delimiter>${xmlEscape(delimiter)}</Delimiter>` : "") +
        `<Blobs>${slice.map((e) => e[1]).join("")}</Blobs>` +
        (next ? `<NextMarker>${xmlEscape(next)}</NextMarker>` : "<NextMarker />") +
        `</EnumerationResults>`;
      return { status: 200, headers: { ...common(), "content-type": "application/xml" }, body };
    }),
  );

  /**
   * ADLS Gen2 List Deleted Paths (the data-lake SDK's listDeletedPaths: List Blobs with
   * showonly=deleted on the blob endpoint): every soft-deleted path with its DeletionId.
   */
  function listDeletedPaths(
    a: StorageAccount,
    container: Container,
    prefix: string,
    req: SimRequest,
  ): SimResponse {
    const days = a.blobService.deleteRetentionPolicy.days ?? 7;
    const items: string[] = [];
    for (const blob of [...container.blobs.values()].sort((x, y) => (x.name < y.name ? -1 : 1))) {
      if (!blob.name.startsWith(prefix) || state.currentVersion(blob)) continue;
      const last = blob.history[blob.history.length - 1];
      if (!last?.deletedAt || !last.deletionId || !state.withinSoftDelete(a, last.deletedAt)) continue;
      const remaining = Math.max(
        0,
        Math.ceil(days - (state.now().getTime() - last.deletedAt.getTime()) / DAY_MS),
      );
      items.push(
        `<Blob><Name>${xmlEscape(blob.name)}</Name><Deleted>true</Deleted><DeletionId>${last.deletionId}</DeletionId>${blobProps(a, last, `<DeletedTime>${last.deletedAt.toUTCString()}</DeletedTime><RemainingRetentionDays>${remaining}</RemainingRetentionDays>`)}</Blob>`,
      );
    }
    return {
      status: 200,
      headers: { ...common(), "content-type": "application/xml" },
      body: `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="https://${xmlEscape(host(req))}/" ContainerName="${xmlEscape(container.name)}"><Prefix>${xmlEscape(prefix)}</Prefix><Blobs>${items.join("")}</Blobs><NextMarker /></EnumerationResults>`,
    };
  }

  function blobEntries(
    a: StorageAccount,
    blob: BlobRecord,
    withVersions: boolean,
    withDeleted: boolean,
  ): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    const current = state.currentVersion(blob);
    const name = `<Name>${xmlEscape(blob.name)}</Name>`;
    if (a.blobService.isVersioningEnabled) {
      const versions = withVersions ? blob.history : current ? [current] : [];
      for (const v of versions) {
        const isCurrent = v === current;
        out.push([
          `${blob.name}\u0000${v.versionId}`,
          `<Blob>${name}<VersionId>${v.versionId}</VersionId>${isCurrent ? "<IsCurrentVersion>true</IsCurrentVersion>" : ""}${blobProps(a, v, "")}<Metadata /></Blob>`,
        ]);
      }
      return out;
    }
    if (current) out.push([blob.name, `<Blob>${name}${blobProps(a, current, "")}<Metadata /></Blob>`]);
    else if (withDeleted) {
      const last = blob.history[blob.history.length - 1];
      if (last?.deletedAt && state.withinSoftDelete(a, last.deletedAt)) {
        const days = a.blobService.deleteRetentionPolicy.days ?? 7;
        const remaining = Math.max(
          0,
          Math.ceil(days - (state.now().getTime() - last.deletedAt.getTime()) / DAY_MS),
        );
        out.push([
          blob.name,
          `<Blob>${name}<Deleted>true</Deleted>${last.deletionId ? `<DeletionId>${last.deletionId}</DeletionId>` : ""}${blobProps(a, last, `<DeletedTime>${last.deletedAt.toUTCString()}</DeletedTime><RemainingRetentionDays>${remaining}</RemainingRetentionDays>`)}<Metadata /></Blob>`,
        ]);
      }
    }
    return out;
  }

  svc.route(
    "PUT",
    "/:container",
    withAccount((a, req) => {
      if (req.query.get("restype") !== "container")
        return xmlError(400, "InvalidQueryParameterValue", "restype=container expected");
      if (req.query.get("comp") === "undelete") {
        // Restore Container: x-ms-deleted-container-name / -version name the soft-deleted one.
        const name = String(req.headers["x-ms-deleted-container-name"] ?? "");
        const version = String(req.headers["x-ms-deleted-container-version"] ?? "");
        if (!name || !version)
          return xmlError(
            400,
            "MissingRequiredHeader",
            "x-ms-deleted-container-name and x-ms-deleted-container-version are required.",
          );
        if (name !== req.params.container)
          return xmlError(400, "InvalidHeaderValue", "Restoring under another name is not simulated.");
        const result = state.restoreContainer(a, name, version);
        if (result === "exists")
          return xmlError(409, "ContainerAlreadyExists", "The specified container already exists.");
        if (result === "missing")
          return xmlError(
            404,
            "ContainerNotFound",
            "The specified deleted container version does not exist.",
          );
        return {
          status: 201,
          headers: { ...common(), etag: '"0x1"', "last-modified": state.now().toUTCString() },
        };
      }
      if (a.containers.has(req.params.container!))
        return xmlError(409, "ContainerAlreadyExists", "The specified container already exists.");
      state.container(a, req.params.container!, true);
      return {
        status: 201,
        headers: { ...common(), etag: '"0x1"', "last-modified": state.now().toUTCString() },
      };
    }),
  );

  svc.route(
    "DELETE",
    "/:container",
    withAccount((a, req) => {
      if (req.query.get("restype") !== "container")
        return xmlError(400, "InvalidQueryParameterValue", "restype=container expected");
      if (!state.deleteContainer(a, req.params.container!))
        return xmlError(404, "ContainerNotFound", "The specified container does not exist.");
      return { status: 202, headers: common() };
    }),
  );

  // Blobs.
  function findVersion(a: StorageAccount, req: SimRequest): { blob?: BlobRecord; version?: BlobVersion } {
    const blob = a.containers.get(req.params.container!)?.blobs.get(req.params.blob!);
    if (!blob) return {};
    const versionId = req.query.get("versionid");
    const version = versionId
      ? blob.history.find((v) => v.versionId === versionId)
      : state.currentVersion(blob);
    return { blob, ...(version ? { version } : {}) };
  }
  function blobHeaders(a: StorageAccount, blob: BlobRecord, v: BlobVersion): Record<string, string> {
    return {
      ...common(),
      "content-type": v.contentType,
      "content-md5": v.md5,
      etag: v.etag,
      "last-modified": v.createdAt.toUTCString(),
      "x-ms-creation-time": v.createdAt.toUTCString(),
      "x-ms-blob-type": "BlockBlob",
      "x-ms-server-encrypted": "true",
      "x-ms-lease-status": "unlocked",
      "x-ms-lease-state": "available",
      "accept-ranges": "bytes",
      ...(a.blobService.isVersioningEnabled
        ? {
            "x-ms-version-id": v.versionId,
            "x-ms-is-current-version": String(v === state.currentVersion(blob)),
          }
        : {}),
    };
  }
  const read = (head: boolean) =>
    withAccount((a, req) => {
      if (!a.containers.has(req.params.container!))
        return xmlError(404, "ContainerNotFound", "The specified container does not exist.");
      const { blob, version } = findVersion(a, req);
      if (!blob || !version) return xmlError(404, "BlobNotFound", "The specified blob does not exist.");
      const headers = blobHeaders(a, blob, version);
      const range = String(req.headers["x-ms-range"] ?? req.headers.range ?? "");
      const m = /^bytes=(\d+)-(\d*)$/.exec(range);
      if (m) {
        const size = version.content.length;
        const from = Number(m[1]);
        const to = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
        if (from >= size && size > 0)
          return xmlError(
            416,
            "InvalidRange",
            "The range specified is invalid for the current size of the resource.",
          );
        const part = version.content.subarray(from, to + 1);
        return {
          status: 206,
          headers: {
            ...headers,
            "content-length": String(part.length),
            "content-range": `bytes ${from}-${to}/${size}`,
          },
          body: head ? undefined : part,
        };
      }
      return {
        status: 200,
        headers: { ...headers, "content-length": String(version.content.length) },
        body: head ? undefined : version.content,
      };
    });
  svc.route("GET", "/:container/*blob", read(false));
  svc.route("HEAD", "/:container/*blob", read(true));

  svc.route(
    "PUT",
    "/:container/*blob",
    withAccount((a, req) => {
      const container = a.containers.get(req.params.container!);
      if (!container) return xmlError(404, "ContainerNotFound", "The specified container does not exist.");
      if (req.query.get("comp") === "undelete") {
        const source = req.headers["x-ms-undelete-source"];
        if (typeof source === "string") {
          // HNS path undelete: `x-ms-undelete-source: ?deletionid=<id>` (the path is the URL's).
          if (!a.isHnsEnabled)
            return xmlError(
              400,
              "UnsupportedHeader",
              "x-ms-undelete-source is for accounts with hierarchical namespace only.",
            );
          const deletionId =
            new URLSearchParams(source.slice(source.indexOf("?") + 1)).get("deletionid") ?? "";
          const result = state.undeletePath(a, container.name, req.params.blob!, deletionId);
          if (result === "exists")
            return xmlError(409, "PathAlreadyExists", "The specified path already exists.");
          if (result === "missing")
            return xmlError(404, "PathNotFound", "The specified path does not exist.");
          return { status: 200, headers: { ...common(), "x-ms-resource-type": "file" } };
        }
        if (!state.undeleteBlob(a, container.name, req.params.blob!))
          return xmlError(404, "BlobNotFound", "The specified blob does not exist.");
        return { status: 200, headers: common() };
      }
      if (req.query.get("comp"))
        return xmlError(400, "UnsupportedQueryParameter", `comp=${req.query.get("comp")} is not simulated`);
      const copySource = req.headers["x-ms-copy-source"];
      let content = req.rawBody;
      let contentType = String(req.headers["x-ms-blob-content-type"] ?? "application/octet-stream");
      if (typeof copySource === "string") {
        // Synchronous copy within a simulated account (e.g. promote a previous version).
        const src = new URL(copySource);
        const [, srcContainer, ...rest] = src.pathname.split("/");
        const srcAccount = state.findStorageAccount(src.hostname.split(".")[0] ?? "");
        const srcBlob = srcAccount?.containers
          .get(decodeURIComponent(srcContainer ?? ""))
          ?.blobs.get(decodeURIComponent(rest.join("/")));
        const vid = src.searchParams.get("versionid");
        const v =
          srcBlob && (vid ? srcBlob.history.find((x) => x.versionId === vid) : state.currentVersion(srcBlob));
        if (!v) return xmlError(404, "CannotVerifyCopySource", "The specified blob does not exist.");
        content = v.content;
        contentType = v.contentType;
      } else if (String(req.headers["x-ms-blob-type"] ?? "") !== "BlockBlob")
        return xmlError(400, "UnsupportedHeader", "Only BlockBlob uploads are simulated");
      const v = state.putBlob(a, container.name, req.params.blob!, content, contentType);
      return {
        // Put Blob answers 201; Copy Blob and Copy Blob From URL answer 202.
        status: typeof copySource === "string" ? 202 : 201,
        headers: {
          ...common(),
          etag: v.etag,
          "last-modified": v.createdAt.toUTCString(),
          "content-md5": v.md5,
          "x-ms-request-server-encrypted": "true",
          ...(a.blobService.isVersioningEnabled ? { "x-ms-version-id": v.versionId } : {}),
          ...(typeof copySource === "string"
            ? { "x-ms-copy-status": "success", "x-ms-copy-id": state.nextId("copy-") }
            : {}),
        },
      };
    }),
  );
  svc.route(
    "DELETE",
    "/:container/*blob",
    withAccount((a, req) => {
      if (!state.deleteBlob(a, req.params.container!, req.params.blob!))
        return xmlError(404, "BlobNotFound", "The specified blob does not exist.");
      return { status: 202, headers: { ...common(), "x-ms-delete-type-permanent": "false" } };
    }),
  );

  return svc;
}
