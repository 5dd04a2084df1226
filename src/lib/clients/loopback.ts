// Loopback routing for the local simulator (config azure.simulatorRoutes, tests): Azure SDK clients
// keep their real https://… endpoints (so bearer-token policies, Key Vault's challenge verification
// and LRO/nextLink URLs behave exactly as in the cloud) while this HttpClient, passed as the
// `httpClient` client option, sends each request to a loopback http://127.0.0.1:PORT instead. The
// original host travels in a header so the simulator knows which vault / storage account was
// addressed and can mint absolute https URLs. Only loopback targets are accepted (the config
// schema checks it), and a request to any other origin fails: nothing leaves the machine.
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineRequest,
  type HttpClient,
  type PipelineRequest,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";
import { AzdrError } from "../errors.js";
// Transitive dependency of @azure/storage-blob (its v1 HttpClient adapter); same version it uses.
import { toCompatResponse, type CompatResponse, type WebResourceLike } from "@azure/core-http-compat";

/** Header carrying the original host ("myvault.vault.azure.net") to the simulator. */
export const SIM_HOST_HEADER = "x-azdr-sim-host";

/**
 * Routes: an origin ("https://management.azure.com") or a wildcard origin
 * ("https://*.vault.azure.net") → the simulator base URL ("http://127.0.0.1:41234").
 */
export type SimRoutes = Record<string, string>;

function matchRoute(routes: SimRoutes, url: URL): string | undefined {
  const origin = `${url.protocol}//${url.host}`.toLowerCase();
  for (const [pattern, target] of Object.entries(routes)) {
    const p = pattern.toLowerCase().replace(/\/$/, "");
    if (p === origin) return target;
    const star = p.indexOf("*.");
    if (star >= 0) {
      const prefix = p.slice(0, star);
      const suffix = p.slice(star + 1); // ".vault.azure.net"
      if (
        origin.startsWith(prefix) &&
        origin.endsWith(suffix) &&
        origin.length > prefix.length + suffix.length
      )
        return target;
    }
  }
  return undefined;
}

/**
 * An @azure/core-rest-pipeline HttpClient that rewrites requests for the routed origins to the
 * simulator. Requests to any other origin FAIL (a test must never reach the real cloud).
 */
export function simulatorHttpClient(
  routes: SimRoutes,
  inner: HttpClient = createDefaultHttpClient(),
): HttpClient {
  return {
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      const original = request.url;
      const url = new URL(original);
      const target = matchRoute(routes, url);
      if (!target)
        throw new AzdrError(
          "INVALID_CONFIG",
          `no simulator route for ${url.origin} (azure.simulatorRoutes); refusing to call it`,
        );
      const allowInsecure = request.allowInsecureConnection;
      request.url = `${target.replace(/\/$/, "")}${url.pathname}${url.search}`;
      request.allowInsecureConnection = true;
      request.headers.set(SIM_HOST_HEADER, url.host);
      try {
        return await inner.sendRequest(request);
      } finally {
        // The response keeps a reference to the request: give it back its real URL, so pollers
        // and pagers that resolve relative links see https://… as in the cloud.
        request.url = original;
        request.allowInsecureConnection = allowInsecure;
        request.headers.delete(SIM_HOST_HEADER);
      }
    },
  };
}

/** The v1 (core-http style) HttpClient interface that @azure/storage-blob's `httpClient` option takes. */
export interface V1HttpClient {
  sendRequest(request: WebResourceLike): Promise<CompatResponse>;
}

/**
 * Adapts a core-rest-pipeline HttpClient to the v1 interface @azure/storage-blob accepts
 * (`new BlobServiceClient(url, credential, { httpClient: toStorageHttpClient(client) })`).
 */
export function toStorageHttpClient(client: HttpClient): V1HttpClient {
  return {
    async sendRequest(webResource: WebResourceLike): Promise<CompatResponse> {
      const request = createPipelineRequest({
        url: webResource.url,
        method: webResource.method,
        headers: createHttpHeaders(webResource.headers.rawHeaders()),
        body: webResource.body as PipelineRequest["body"],
        abortSignal: webResource.abortSignal,
        timeout: webResource.timeout,
        requestId: webResource.requestId,
        onUploadProgress: webResource.onUploadProgress,
        onDownloadProgress: webResource.onDownloadProgress,
      });
      if (webResource.streamResponseStatusCodes)
        request.streamResponseStatusCodes = webResource.streamResponseStatusCodes;
      else if (webResource.streamResponseBody)
        request.streamResponseStatusCodes = new Set([Number.POSITIVE_INFINITY]);
      const response = await client.sendRequest(request);
      // Hand back the caller's own request object: core-client finds the operation spec (and so
      // deserialises the body) through it; storage-blob's adapter maps it back to the original.
      return { ...toCompatResponse(response), request: webResource };
    },
  };
}
